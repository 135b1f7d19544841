"""A captured step replayed as a CUDA graph (lamina/trainers/capture_cuda_graph.py).

No GPU is needed: `FakeGraph` stands in for `torch.cuda.CUDAGraph`. Like a real capture it
computes nothing observable (the inputs and the random generator are put back, the outputs hold
garbage, `.item()` is refused), and a replay re-runs the recorded step on the very tensors it was
captured with, writing the results into the captured output tensors. So these
tests exercise what `CudaGraphStep` adds: static buffers, the warm-up on clones, recapture and
fallbacks. One test uses the real CUDA graph and runs only where CUDA is available.
"""

import warnings

import numpy as np
import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

import lamina as keras
from lamina.trainers import capture_cuda_graph
from lamina.trainers.capture import Captured
from lamina.trainers.capture_cuda_graph import CudaGraphStep, cuda_graphs_allowed, cuda_graphs_refusal


class _RefuseSync(TorchDispatchMode):
    """Refuses what a CUDA capture refuses: reading a value back to the CPU (`.item()`)."""

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func is torch.ops.aten._local_scalar_dense.default:
            raise RuntimeError("CUDA error: operation not permitted when stream is capturing")
        return func(*args, **(kwargs or {}))


def _tensors(outputs):
    return [outputs] if isinstance(outputs, torch.Tensor) else [t for t in outputs if isinstance(t, torch.Tensor)]


class FakeGraph:
    """A CPU stand-in for `torch.cuda.CUDAGraph` (module docstring); `made` lists every instance.

    `capture` runs the step, then puts every input tensor and the random generator back as they
    were (a real capture records kernels and runs none; compiled code writes memory directly, so
    the inputs are restored from copies rather than by watching ops) and fills the outputs with
    garbage. `replay` runs the step again on the same input tensors and writes the results into
    the captured outputs, as a real replay writes into the memory the capture allocated."""

    made = []

    def __init__(self, device):
        self.device = device
        self.fn = self.args = self.outputs = None
        self.replays = 0
        self.was_reset = False
        FakeGraph.made.append(self)

    def capture(self, fn, args):
        rng = torch.get_rng_state()
        before = [(t, t.clone()) for t in args if isinstance(t, torch.Tensor)]
        try:
            with _RefuseSync():
                outputs = fn(*args)
        finally:
            for tensor, value in before:
                tensor.copy_(value)
            torch.set_rng_state(rng)
        inputs = {t.data_ptr() for t, _ in before}
        for tensor in _tensors(outputs):
            if tensor.data_ptr() not in inputs:  # an output that is an input stays that input
                tensor.fill_(float("nan") if tensor.is_floating_point() else -7)
        self.fn, self.args, self.outputs = fn, args, outputs
        return outputs

    def replay(self):
        assert not self.was_reset, "replay of a graph that was reset"
        for static, new in zip(_tensors(self.outputs), _tensors(self.fn(*self.args))):
            static.copy_(new)
        self.replays += 1

    def reset(self):
        self.was_reset = True
        self.fn = self.args = self.outputs = None


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    monkeypatch.delenv("LAMINA_CUDA_GRAPHS", raising=False)
    FakeGraph.made = []


def momentum_step(w, m, lr, x, y):
    """A toy training step: a linear model's loss and an in-place momentum update of `w`, `m`
    (inputs 0, 1: mutated) with this step's learning rate `lr` and batch `x`, `y` (per step)."""
    pred = x @ w
    error = pred - y
    grad = x.t() @ error / x.shape[0]
    m.mul_(0.9).add_(grad)
    w.sub_(lr * m)
    return [(error * error).mean(), pred]


def _state(seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(4, 2, generator=g), torch.zeros(4, 2)


def _batches(count, rows=8, seed=1):
    g = torch.Generator().manual_seed(seed)
    return [(torch.tensor(0.1 / (i + 1)), torch.randn(rows, 4, generator=g), torch.randn(rows, 2, generator=g))
            for i in range(count)]


def _graph_step(fn=momentum_step, **kwargs):
    return CudaGraphStep(fn, mutated=[0, 1], per_step=[2, 3, 4], graph_factory=FakeGraph, **kwargs)


def test_replays_equal_direct_calls_over_several_steps():
    w, m = _state()
    gw, gm = _state()
    step = _graph_step()
    previous = None
    for lr, x, y in _batches(5):
        expected = momentum_step(w, m, lr, x, y)
        outputs = step(gw, gm, lr, x, y)
        for a, b in zip(outputs, expected):
            torch.testing.assert_close(a, b)
        torch.testing.assert_close(gw, w)
        torch.testing.assert_close(gm, m)
        if previous is not None:  # the graph's static outputs: the next replay overwrites them
            assert outputs[0] is previous[0]
        previous = outputs
    assert (step.captures, step.replays, step.direct_calls) == (1, 5, 0)
    assert len(FakeGraph.made) == 1 and FakeGraph.made[0].replays == 5
    assert step.failed is None and "1 capture" in step.describe()


def test_clone_outputs_keeps_each_steps_values():
    gw, gm = _state()
    step = _graph_step(clone_outputs=True)
    batches = _batches(2)
    first = step(gw, gm, *batches[0])
    kept = first[0].clone()
    second = step(gw, gm, *batches[1])
    assert first[0] is not second[0]
    torch.testing.assert_close(first[0], kept)


def test_the_warm_up_runs_on_clones_and_leaves_the_real_state_alone():
    calls = []

    def counted(w, m, lr, x, y):
        calls.append(w.data_ptr())
        return momentum_step(w, m, lr, x, y)

    w, m = _state()
    gw, gm = _state()
    (lr, x, y), = _batches(1)
    momentum_step(w, m, lr, x, y)
    step = _graph_step(counted, warmup=3)
    step(gw, gm, lr, x, y)
    # Three warm-up calls, the capture and one replay, and yet exactly one update of the real w, m.
    assert len(calls) == 5
    assert all(ptr != gw.data_ptr() for ptr in calls[:3]) and calls[3:] == [gw.data_ptr()] * 2
    torch.testing.assert_close(gw, w)
    torch.testing.assert_close(gm, m)


def test_random_draws_of_the_warm_up_do_not_shift_the_generator():
    def noisy(w, scale):
        noise = torch.rand(w.shape) * scale
        w.add_(noise)
        return (noise,)

    torch.manual_seed(3)
    w = torch.zeros(5)
    direct = [noisy(w, torch.tensor(1.0))[0].clone() for _ in range(3)]
    torch.manual_seed(3)
    gw = torch.zeros(5)
    step = CudaGraphStep(noisy, mutated=[0], per_step=[1], graph_factory=FakeGraph)
    replayed = [step(gw, torch.tensor(1.0))[0].clone() for _ in range(3)]
    for a, b in zip(replayed, direct):
        torch.testing.assert_close(a, b)
    torch.testing.assert_close(gw, w)


def test_per_step_inputs_of_another_shape_call_the_step_directly():
    w, m = _state()
    gw, gm = _state()
    step = _graph_step()
    batches = _batches(2) + _batches(1, rows=3, seed=7) + _batches(2, seed=9)  # a smaller batch in between
    for lr, x, y in batches:
        expected = momentum_step(w, m, lr, x, y)
        outputs = step(gw, gm, lr, x, y)
        torch.testing.assert_close(outputs[1], expected[1])
        torch.testing.assert_close(gw, w)
    assert (step.captures, step.replays, step.direct_calls) == (1, 4, 1)
    # Other strides or dtypes of a per-step input: direct as well.
    lr, x, y = _batches(1, seed=11)[0]
    step(gw, gm, lr, torch.randn(4, 8).t(), y)
    step(gw, gm, lr.double(), x, y)
    assert step.direct_calls == 3 and step.captures == 1


def test_a_replaced_mutated_tensor_is_captured_again():
    w, m = _state()
    gw, gm = _state()
    step = _graph_step()
    for index, (lr, x, y) in enumerate(_batches(5)):
        if index == 2:  # e.g. set_weights made new tensors: the graph would write the old ones
            w, gw = w.clone(), gw.clone()
        expected = momentum_step(w, m, lr, x, y)
        outputs = step(gw, gm, lr, x, y)
        torch.testing.assert_close(outputs[0], expected[0])
        torch.testing.assert_close(gw, w)
    assert step.captures == 2 and step.recaptures == 1 and len(FakeGraph.made) == 2
    assert FakeGraph.made[0].was_reset and not FakeGraph.made[1].was_reset


def test_tensors_replaced_every_step_give_the_graph_up():
    w, m = _state()
    gw, gm = _state()
    step = _graph_step(max_recaptures=1)
    with pytest.warns(RuntimeWarning, match="replaced by new tensors 2 times"):
        for lr, x, y in _batches(4):
            w, gw = w.clone(), gw.clone()
            momentum_step(w, m, lr, x, y)
            step(gw, gm, lr, x, y)
    torch.testing.assert_close(gw, w)
    assert step.failed is not None and (step.captures, step.recaptures, step.direct_calls) == (2, 1, 0)
    assert all(graph.was_reset for graph in FakeGraph.made)


def test_a_capture_failure_falls_back_with_a_warning_naming_the_cause():
    def syncing(w, m, lr, x, y):
        if lr.item() > 1.0:  # reads a value back to the CPU: a CUDA capture refuses it
            raise AssertionError("not reached")
        return momentum_step(w, m, lr, x, y)

    w, m = _state()
    gw, gm = _state()
    step = _graph_step(syncing)
    batches = _batches(3)
    with pytest.warns(RuntimeWarning, match=r"capturing the step failed \(RuntimeError: .*not permitted when stream"):
        step(gw, gm, *batches[0])
    momentum_step(w, m, *batches[0])
    torch.testing.assert_close(gw, w)  # the failed capture and the warm-up applied no extra update
    assert "not permitted" in step.failed and "no CUDA graph" in step.describe()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once
        for batch in batches[1:]:
            momentum_step(w, m, *batch)
            step(gw, gm, *batch)
    torch.testing.assert_close(gw, w)


def test_lamina_cuda_graphs_0_turns_it_off(monkeypatch):
    monkeypatch.setenv("LAMINA_CUDA_GRAPHS", "0")
    w, m = _state()
    gw, gm = _state()
    step = _graph_step()
    for lr, x, y in _batches(2):
        momentum_step(w, m, lr, x, y)
        step(gw, gm, lr, x, y)
    torch.testing.assert_close(gw, w)
    assert FakeGraph.made == [] and "LAMINA_CUDA_GRAPHS=0" in step.failed
    assert "LAMINA_CUDA_GRAPHS=0" in cuda_graphs_refusal([gw])
    assert not cuda_graphs_allowed([gw])


def test_cuda_graphs_are_refused_for_cpu_tensors_or_mixed_inputs():
    assert not cuda_graphs_allowed([torch.zeros(2)])
    assert cuda_graphs_refusal([torch.zeros(2), 3]) is not None
    assert cuda_graphs_refusal([]) is not None


def test_indices_must_name_every_input_once():
    with pytest.raises(ValueError, match=r"either mutated or per-step.*\[1\]"):
        CudaGraphStep(momentum_step, mutated=[0, 1], per_step=[1, 2], graph_factory=FakeGraph)
    step = CudaGraphStep(momentum_step, mutated=[0], per_step=[2, 3, 4], graph_factory=FakeGraph)
    with pytest.raises(ValueError, match="each of the step's 5 inputs exactly once"):
        step(*_state(), *_batches(1)[0])
    with pytest.raises(ValueError, match="warmup"):
        CudaGraphStep(momentum_step, [0], [1], warmup=-1)


def test_release_frees_the_graph_and_a_later_call_captures_again():
    w, m = _state()
    gw, gm = _state()
    step = _graph_step()
    for index, batch in enumerate(_batches(3)):
        if index == 2:
            step.release()
            assert FakeGraph.made[0].was_reset and "not captured" in step.describe()
        momentum_step(w, m, *batch)
        step(gw, gm, *batch)
    torch.testing.assert_close(gw, w)
    assert step.captures == 2 and step.recaptures == 0


# ---------------------------------------------------------------- a lamina step


def _traced_step(seed, optimizer="adam"):
    """A lamina model's captured step (with Adam: its update in the graph; Dropout)."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dropout(0.25), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer, "sparse_categorical_crossentropy")
    x, y = torch.rand(16, 6), torch.randint(0, 3, (16,))
    model._prepare_for((x, y, None), "fit")
    model.optimizer.build(model.trainable_variables)
    captured = Captured(model)
    assert captured.trace(x, y), captured.failed
    assert (captured.update is not None) == (optimizer == "adam"), captured.update_reason
    return captured


def _lamina_batches(count):
    rng = np.random.default_rng(0)
    return [(torch.as_tensor(rng.random((16, 6)), dtype=torch.float32), torch.as_tensor(rng.integers(0, 3, 16)))
            for _ in range(count)]


@pytest.mark.parametrize("compiled", [False, True], ids=["traced", "compiled"])
def test_a_lamina_step_replays_like_direct_calls(compiled):
    direct, graphed = _traced_step(4), _traced_step(4)
    if compiled:  # the step as training runs it: inductor's code (one compile, ~10-20 s on 2 cores)
        direct.compile_in_process()
        assert direct.fn is not None, direct.failed
        run = direct.fn
    else:  # the traced graph of aten ops (in place on its inputs as well)
        run = direct.graph
    # Captured's wiring: parameters, their two moments and the metric state keep their storage;
    # the hyper tensor and the batch's leaves are new each step.
    mutated, per_step = graphed.input_roles(len(graphed._inputs))
    step = CudaGraphStep(run, mutated=mutated, per_step=per_step, graph_factory=FakeGraph)
    batches = _lamina_batches(4)
    torch.manual_seed(21)
    expected = []
    for x, y in batches:
        expected.append(run(*direct._flat_inputs(x, y))[0].clone())
        direct.update.after_step()
    torch.manual_seed(21)  # the same Dropout masks (the stand-in draws from the CPU generator)
    for (x, y), loss in zip(batches, expected):
        outputs = step(*graphed._flat_inputs(x, y))
        graphed.update.after_step()
        torch.testing.assert_close(outputs[0], loss)
    assert step.captures == 1 and step.replays == 4
    for a, b in zip(graphed.params, direct.params):
        torch.testing.assert_close(a, b)
    for a, b in zip(graphed.update.slots(), direct.update.slots()):
        torch.testing.assert_close(a, b)


def test_a_lamina_step_returning_gradients_reads_parameters_an_eager_update_changed():
    """Without the update in the graph (here SGD) the step returns the gradients, and the eager
    optimizer changes the parameters in place between steps: they are `mutated` inputs too."""
    direct, graphed = _traced_step(4, "sgd"), _traced_step(4, "sgd")
    count = len(graphed.params)
    mutated, per_step = graphed.input_roles(len(graphed._inputs))
    step = CudaGraphStep(graphed.graph, mutated=mutated, per_step=per_step, graph_factory=FakeGraph)
    for captured, run in ((direct, direct.graph), (graphed, step)):
        torch.manual_seed(21)
        for x, y in _lamina_batches(4):
            outputs = run(*captured._flat_inputs(x, y))
            with torch.no_grad():  # what the eager optimizer does with the returned gradients
                for param, grad in zip(captured.params, outputs[-count:]):
                    param.sub_(0.1 * grad)
    assert step.captures == 1 and step.replays == 4
    for a, b in zip(graphed.params, direct.params):
        torch.testing.assert_close(a, b)


# ---------------------------------------------------------------- the real CUDA graph


# On a machine with a GPU the real torch.cuda.CUDAGraph and inductor's CUDA code run; elsewhere the
# same checks run on CPU through the stand-in (and the traced graph instead of a compile).
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.mark.parametrize("device", DEVICES)
def test_a_compiled_step_replays_as_called_with_fresh_dropout_masks(device):
    from torch._inductor import config as inductor_config
    from torch._inductor.compile_fx import compile_fx
    from torch.fx.experimental.proxy_tensor import make_fx

    def dropped_step(w, m, lr, x, y):
        dropped = torch.nn.functional.dropout(x, 0.5)
        loss, pred = momentum_step(w, m, lr, dropped, y)
        return [loss, pred, dropped]

    real = device == "cuda"
    w, m = (t.to(device) for t in _state())
    batches = [tuple(t.to(device) for t in batch) for batch in _batches(4)]
    inputs = [w.clone(), m.clone(), *batches[0]]
    assert cuda_graphs_allowed(inputs) == real
    for name, fn in (("plain", momentum_step), ("dropout", dropped_step)):
        graph = make_fx(fn)(*[t.clone() for t in inputs])
        if real:
            with inductor_config.patch(fallback_random=True):
                compiled = compile_fx(graph, [t.clone() for t in inputs])
        else:
            compiled = graph
        dw, dm, gw, gm = w.clone(), m.clone(), w.clone(), m.clone()
        step = CudaGraphStep(compiled, mutated=[0, 1], per_step=[2, 3, 4], clone_outputs=True,
                             graph_factory=None if real else FakeGraph)
        for batch in batches:
            expected = compiled(dw, dm, *batch)
            outputs = step(gw, gm, *batch)
            if name == "plain":
                torch.testing.assert_close(outputs[0], expected[0])
                torch.testing.assert_close(gw, dw)
        assert step.failed is None and step.captures == 1 and step.replays == len(batches)
        if name == "dropout":  # each replay draws a fresh mask (philox offsets advanced per replay)
            first, second = (step(gw, gm, *batches[0])[2] for _ in range(2))
            assert not torch.equal(first == 0, second == 0)
        step.release()
    refusal = capture_cuda_graph.cuda_graphs_refusal(inputs)
    assert refusal is None if real else "CUDA" in refusal


def test_captured_steps_replay_as_a_cuda_graph_only_on_cuda_inputs(monkeypatch):
    """`Captured._step_fn`: CPU inputs call the compiled step directly; CUDA inputs get a
    `CudaGraphStep` with the parameters, moments and metric state in place and the rest copied."""
    import lamina as keras
    from lamina.trainers import capture_cuda_graph
    from lamina.trainers.capture import Captured

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = torch.rand(8, 4), torch.randint(0, 3, (8,))
    model.fit(x.numpy(), y.numpy(), batch_size=8, verbose=0)  # the optimizer's moments exist
    captured = Captured(model)
    assert captured.trace(x, y)
    captured.fn = captured.graph
    inputs = captured._flat_inputs(x, y)
    assert captured._step_fn(inputs) is captured.fn and captured.cuda_graph is None

    made = {}

    class Recorder:
        def __init__(self, fn, mutated, per_step):
            made.update(fn=fn, mutated=mutated, per_step=per_step)
            self.fn = fn

    class CudaLike:  # what `_step_fn` reads of the first input
        is_cuda = True

    monkeypatch.setattr(capture_cuda_graph, "CudaGraphStep", Recorder)
    monkeypatch.setattr(capture_cuda_graph, "cuda_graphs_allowed", lambda inputs: True)
    step = captured._step_fn([CudaLike(), *inputs[1:]])
    assert isinstance(step, Recorder) and captured._step_fn(inputs) is step  # made once, then reused
    # 2 parameters, their 4 moments; the hyperparameters; the loss total and accuracy's 2 variables; x, y.
    assert made["mutated"] == [0, 1, 2, 3, 4, 5, 7, 8, 9] and made["per_step"] == [6, 10, 11]
    assert len(inputs) == 12
