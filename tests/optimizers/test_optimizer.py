"""The Optimizer API the trainer and callbacks rely on: build/step/apply, learning
rate and iterations, frozen and missing gradients, state_dict resume, config,
lookup, and argument validation."""

import copy

import numpy as np
import pytest
import torch

import lamina.optimizers as optimizers
from lamina.optimizers.schedules import ExponentialDecay

ALL = [optimizers.SGD, optimizers.Adam, optimizers.AdamW, optimizers.RMSprop, optimizers.Adagrad,
       optimizers.Adamax, optimizers.Nadam, optimizers.Lion, optimizers.Adadelta, optimizers.Lamb]


def _model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))


def _train(model, opt, steps, seed=1):
    gen = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        x = torch.randn(8, 4, generator=gen)
        model(x).pow(2).mean().backward()
        opt.step()
        opt.zero_grad()


def test_learning_rate_is_a_settable_float():
    opt = optimizers.Adam(learning_rate=0.01)
    assert isinstance(opt.learning_rate, float) and opt.learning_rate == 0.01
    opt.learning_rate = 0.5
    assert float(opt.learning_rate) == 0.5
    opt.learning_rate.assign(0.25)  # Keras variable style, used by some callbacks
    assert opt.learning_rate == 0.25 and opt.learning_rate.numpy().dtype == np.float32
    model = _model()
    opt.build(model.parameters())
    opt.learning_rate = 0.125
    _train(model, opt, 1)
    assert all(g["lr"] == 0.125 for g in opt.param_groups)
    with pytest.raises(ValueError, match=r"`learning_rate` must be >= 0, but received learning_rate=-1"):
        opt.learning_rate = -1


def test_schedule_learning_rate_follows_iterations_and_is_not_settable():
    opt = optimizers.SGD(learning_rate=ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5))
    model = _model()
    opt.build(model.parameters())
    assert opt.learning_rate == pytest.approx(0.1)
    _train(model, opt, 2)
    assert opt.iterations == 2 and opt.learning_rate == pytest.approx(0.025)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.05)  # the rate used by the last step
    with pytest.raises(TypeError, match="created with a `LearningRateSchedule`"):
        opt.learning_rate = 0.1
    opt.learning_rate = ExponentialDecay(1.0, 1, 0.5)  # a new schedule is fine
    assert opt.learning_rate == pytest.approx(0.25)
    calls = optimizers.SGD(learning_rate=lambda: 0.3)
    assert calls.learning_rate == 0.3


def test_iterations_count_updates_and_can_be_set():
    opt = optimizers.SGD(gradient_accumulation_steps=2)
    model = _model()
    opt.build(model.parameters())
    _train(model, opt, 5)
    assert opt.iterations == 2 and opt.iterations.numpy() == 2  # 5 micro-steps, 2 updates
    opt.iterations = 10
    assert opt.iterations == 10 and opt._iterations == 20


@pytest.mark.parametrize("cls", ALL)
def test_state_dict_resumes_exactly(cls):
    kwargs = dict(learning_rate=ExponentialDecay(0.05, 2, 0.5))
    if cls in (optimizers.SGD, optimizers.RMSprop):
        kwargs["momentum"] = 0.9
    straight, resumed = _model(), _model()
    opt = cls(use_ema=True, **kwargs)
    opt.build(straight.parameters())
    _train(straight, opt, 5)
    first = cls(use_ema=True, **kwargs)
    first.build(resumed.parameters())
    gen_state = torch.Generator().manual_seed(1)
    for _ in range(3):
        resumed(torch.randn(8, 4, generator=gen_state)).pow(2).mean().backward()
        first.step()
        first.zero_grad()
    saved = first.state_dict()
    second = cls(use_ema=True, **kwargs)
    second.build(resumed.parameters())
    second.load_state_dict(saved)
    assert second.iterations == 3
    for _ in range(2):
        resumed(torch.randn(8, 4, generator=gen_state)).pow(2).mean().backward()
        second.step()
        second.zero_grad()
    for a, b in zip(straight.parameters(), resumed.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    for a, b in zip(opt._ema, second._ema):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_load_state_dict_errors():
    with pytest.raises(ValueError, match=r"must be built before calling `load_state_dict\(\)`"):
        optimizers.Adam().load_state_dict({})
    sgd = optimizers.SGD()
    sgd.build(_model().parameters())
    adam = optimizers.Adam()
    adam.build(_model().parameters())
    with pytest.raises(ValueError, match="Cannot load the state of a SGD optimizer into a Adam"):
        adam.load_state_dict(sgd.state_dict())


def test_frozen_and_gradless_parameters_are_skipped():
    model = _model()
    first, second = model[0], model[2]
    opt = optimizers.Adam(learning_rate=0.1)
    opt.build(model.parameters())
    first.weight.requires_grad_(False)
    before = [p.detach().clone() for p in model.parameters()]
    model(torch.randn(8, 4)).pow(2).mean().backward()
    stale = torch.ones_like(first.weight)
    first.weight.grad = stale  # a stale gradient from before freezing
    second.bias.grad = None
    opt.step()
    assert first.weight.grad is stale  # restored untouched
    after = list(model.parameters())
    torch.testing.assert_close(after[0], before[0], rtol=0, atol=0)
    torch.testing.assert_close(after[3], before[3], rtol=0, atol=0)
    assert not torch.equal(after[1], before[1]) and not torch.equal(after[2], before[2])


def test_apply_and_apply_gradients():
    w = torch.nn.Parameter(torch.ones(3))
    b = torch.nn.Parameter(torch.zeros(2))
    opt = optimizers.SGD(learning_rate=0.5, clipvalue=0.1)
    grad = torch.full((3,), 4.0)
    with pytest.warns(UserWarning, match=r"Gradients do not exist for the variables at positions \[1\]"):
        assert opt.apply_gradients([(grad, w), (None, b)]) == 1
    torch.testing.assert_close(w.detach(), torch.full((3,), 0.95))
    torch.testing.assert_close(grad, torch.full((3,), 4.0))  # the caller's gradient is not clipped in place
    assert w.grad is None and b.grad is None
    opt.apply([np.ones(3, dtype=np.float32), np.ones(2, dtype=np.float32)])  # aligned with the built variables
    torch.testing.assert_close(b.detach(), torch.full((2,), -0.05))
    w.grad = torch.ones(3)
    opt.apply()  # grads=None: use `.grad`, like step()
    assert opt.iterations == 3
    with pytest.raises(ValueError, match="Unknown variable at position"):
        opt.apply_gradients([(torch.ones(1), torch.nn.Parameter(torch.zeros(1)))])
    with pytest.raises(ValueError, match="must match the optimizer's 2 built parameters"):
        opt.apply([torch.ones(3)])
    with pytest.raises(ValueError, match=r"Gradient of shape \(2,\) does not match its variable of shape \(3,\)"):
        opt.apply([torch.ones(2), torch.ones(2)])
    with pytest.raises(ValueError, match="No gradients provided"), pytest.warns(UserWarning):
        opt.apply([None, None])


def test_step_errors_are_clear():
    with pytest.raises(ValueError, match=r"must be built before calling `step\(\)`.*optimizer.build"):
        optimizers.Adam().step()
    opt = optimizers.Adam()
    opt.build(_model().parameters())
    with pytest.raises(ValueError, match=r"No gradients provided for any variable.*loss.backward\(\)"):
        opt.step()


def test_closure_and_zero_grad():
    model = _model()
    opt = optimizers.SGD()
    opt.build(model.parameters())

    def closure():
        loss = model(torch.ones(2, 4)).sum()
        loss.backward()
        return loss

    assert isinstance(opt.step(closure), torch.Tensor)
    opt.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    opt.zero_grad(set_to_none=False)


def test_weight_decay_exclusion_by_name_and_variable():
    model = _model()
    opt = optimizers.SGD(learning_rate=1.0, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_names=["bias"])
    opt.build(model.named_parameters())
    before = [p.detach().clone() for p in model.parameters()]
    for p in model.parameters():
        p.grad = torch.zeros_like(p)
    opt.step()
    for (name, p), old in zip(model.named_parameters(), before):
        expected = old if "bias" in name else old * 0.5
        torch.testing.assert_close(p.detach(), expected)
    adam = optimizers.AdamW(learning_rate=1.0, weight_decay=0.5)
    adam.exclude_from_weight_decay(var_list=[model[0].weight])
    adam.build(model.parameters())
    assert [g["weight_decay"] for g in adam.param_groups] == [0.5, 0.0]
    with pytest.raises(ValueError, match="can only be configured before the optimizer is built"):
        adam.exclude_from_weight_decay(var_names=["bias"])
    unnamed = optimizers.SGD(weight_decay=0.1)
    unnamed.exclude_from_weight_decay(var_names=["bias"])
    with pytest.warns(UserWarning, match=r"has no effect.*model.named_parameters\(\)"):
        unnamed.build(model.parameters())


def test_ema_finalize_and_loss_scale():
    w = torch.nn.Parameter(torch.zeros(2))
    opt = optimizers.SGD(learning_rate=1.0, use_ema=True, ema_momentum=0.5, loss_scale_factor=4.0)
    assert float(opt.scale_loss(torch.tensor(2.0))) == 8.0
    opt.apply_gradients([(torch.full((2,), -4.0), w)])  # unscaled grad -1: w = 1; EMA = w (first step)
    opt.apply_gradients([(torch.full((2,), -4.0), w)])  # w = 2; EMA = 0.5 * 1 + 0.5 * 2
    opt.finalize_variable_values()
    torch.testing.assert_close(w.detach(), torch.full((2,), 1.5))


def test_variables_mirror_keras_slot_counts():
    model = _model()
    n = len(list(model.parameters()))
    counts = {}
    for cls, kwargs in [(optimizers.Adam, {}), (optimizers.Adam, {"amsgrad": True}), (optimizers.SGD, {}),
                        (optimizers.SGD, {"momentum": 0.9}), (optimizers.RMSprop, {"momentum": 0.5, "centered": True}),
                        (optimizers.Adagrad, {}), (optimizers.Adamax, {}), (optimizers.Nadam, {}),
                        (optimizers.Lion, {}), (optimizers.Adam, {"use_ema": True})]:
        opt = cls(**kwargs)
        opt.build(model.parameters())
        counts[(cls.__name__, tuple(kwargs))] = len(opt.variables)
    # Keras: iterations + learning_rate + slots per variable (+ Nadam's u_product).
    assert counts == {("Adam", ()): 2 + 2 * n, ("Adam", ("amsgrad",)): 2 + 3 * n, ("SGD", ()): 2,
                      ("SGD", ("momentum",)): 2 + n, ("RMSprop", ("momentum", "centered")): 2 + 3 * n,
                      ("Adagrad", ()): 2 + n, ("Adamax", ()): 2 + 2 * n, ("Nadam", ()): 3 + 2 * n,
                      ("Lion", ()): 2 + n, ("Adam", ("use_ema",)): 2 + 3 * n}


def test_torch_kernels_in_use_on_cpu():
    params = list(_model().parameters())
    for cls, fused in [(optimizers.Adam, True), (optimizers.AdamW, True), (optimizers.SGD, True),
                       (optimizers.Adagrad, True), (optimizers.RMSprop, None), (optimizers.Nadam, None)]:
        opt = cls()
        opt.build(params)
        assert opt.param_groups[0].get("fused") == fused, cls
    lion = optimizers.Lion()
    lion.build(params)
    assert isinstance(lion.torch_optimizer, optimizers.lion.TorchLion)


def test_build_accepts_names_pairs_dicts_and_dedupes():
    model = _model()
    shared = list(model.parameters())
    opt = optimizers.Adam()
    opt.build(shared + shared[:2])
    assert len(opt._params) == len(shared)
    opt.build([])  # already built: no-op
    named = optimizers.Adam()
    named.build(dict(model.named_parameters()))
    assert len(named._params) == len(shared)
    with pytest.raises(ValueError, match="expects torch tensors or Parameters.*received an item of type str"):
        optimizers.Adam().build(["kernel"])
    with pytest.raises(ValueError, match="non-leaf"):
        optimizers.Adam().build([torch.ones(2, requires_grad=True) * 2])


@pytest.mark.parametrize("kwargs, match", [
    (dict(clipnorm=1.0, clipvalue=1.0), "Only one of `clipnorm`, `clipvalue` and `global_clipnorm`"),
    (dict(foo=1), r"Argument\(s\) not recognized: \{'foo': 1\}"),
    (dict(learning_rate="fast"), r"`learning_rate` should be a float.*received learning_rate='fast'"),
    (dict(gradient_accumulation_steps=1), "must be an integer >= 2"),
    (dict(use_ema=True, ema_momentum=2.0), r"`ema_momentum` must be in the range \[0, 1\]"),
    (dict(weight_decay=-1.0), "`weight_decay` must be >= 0"),
    (dict(beta_1=1.0), r"`beta_1` of Adam must be in \[0, 1\)"),
])
def test_argument_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        optimizers.Adam(**kwargs)


def test_subclass_argument_validation_and_decay_warning():
    with pytest.raises(ValueError, match=r"`momentum` must be a float between \[0, 1\]"):
        optimizers.SGD(momentum=1.5)
    with pytest.raises(ValueError, match="`weight_decay` of AdamW must be a float"):
        optimizers.AdamW(weight_decay=None)
    with pytest.raises(ValueError, match=r"`rho` of RMSprop must be in \(0, 1\]"):
        optimizers.RMSprop(rho=0.0)
    with pytest.raises(ValueError, match="degenerates to SignSGD"):
        optimizers.Lion(beta_1=0.0)
    with pytest.raises(ValueError, match="0 < beta_2 < 1"):
        optimizers.Adamax(beta_2=0.0)
    with pytest.warns(UserWarning, match="`decay` is no longer supported"):
        optimizers.SGD(decay=0.1)


KERAS_BASE_KEYS = {"name", "learning_rate", "weight_decay", "clipnorm", "global_clipnorm", "clipvalue", "use_ema",
                   "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor", "gradient_accumulation_steps"}


@pytest.mark.parametrize("cls", ALL)
def test_config_and_serialization_round_trip(cls):
    opt = cls(learning_rate=ExponentialDecay(0.1, 10, 0.9), clipnorm=1.0)
    config = opt.get_config()
    assert KERAS_BASE_KEYS <= set(config)
    assert config["learning_rate"]["class_name"] == "ExponentialDecay"
    serialized = optimizers.serialize(opt)
    assert serialized["module"] == "keras.optimizers" and serialized["class_name"] == cls.__name__
    clone = optimizers.deserialize(serialized)
    assert type(clone) is cls and clone.get_config() == config
    plain = cls(learning_rate=0.02)
    assert cls.from_config(plain.get_config()).get_config() == plain.get_config()


def test_keras_defaults():
    assert optimizers.SGD().get_config()["learning_rate"] == 0.01 and optimizers.SGD().name == "SGD"
    adam = optimizers.Adam()
    assert (adam.learning_rate, adam.beta_1, adam.beta_2, adam.epsilon, adam.amsgrad, adam.name) == (
        0.001, 0.9, 0.999, 1e-7, False, "adam")
    assert optimizers.AdamW().weight_decay == 0.004
    rms = optimizers.RMSprop()
    assert (rms.rho, rms.momentum, rms.epsilon, rms.centered) == (0.9, 0.0, 1e-7, False)
    ada = optimizers.Adagrad()
    assert (ada.initial_accumulator_value, ada.epsilon) == (0.1, 1e-7)
    assert (optimizers.Lion().beta_1, optimizers.Lion().beta_2) == (0.9, 0.99)


def test_get_lookup():
    assert isinstance(optimizers.get("adam"), optimizers.Adam)
    assert isinstance(optimizers.get("RMSprop"), optimizers.RMSprop)
    assert isinstance(optimizers.get("sgd"), optimizers.SGD)
    assert isinstance(optimizers.get(optimizers.Nadam), optimizers.Nadam)
    opt = optimizers.Lion()
    assert optimizers.get(opt) is opt
    assert optimizers.get(None) is None
    keras_entry = {"module": "keras.optimizers", "class_name": "Adam", "registered_name": None,
                   "config": {"name": "adam", "learning_rate": 0.0005, "weight_decay": None, "clipnorm": None,
                              "global_clipnorm": None, "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
                              "ema_overwrite_frequency": None, "loss_scale_factor": None,
                              "gradient_accumulation_steps": None, "beta_1": 0.9, "beta_2": 0.999,
                              "epsilon": 1e-07, "amsgrad": False}}
    assert optimizers.get(keras_entry).learning_rate == 0.0005
    with pytest.raises(ValueError, match=r"Could not interpret optimizer identifier: 'adamm'.*'adam'"):
        optimizers.get("adamm")
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        optimizers.get(42)


@pytest.mark.parametrize("make", [
    lambda: optimizers.Adam(learning_rate=0.01),
    lambda: optimizers.Adam(learning_rate=0.01, amsgrad=True),
    lambda: optimizers.AdamW(learning_rate=0.01, weight_decay=0.1),
])
def test_adam_direct_kernel_call_equals_torch_step(make):
    # The direct call of torch's functional adam (no torch.optim wrapper) must give the bits
    # torch.optim.Adam.step() gives; an optimizer hook forces the regular path for comparison.
    torch.manual_seed(0)
    grads = [[torch.randn(4, 3), torch.randn(3)] for _ in range(5)]
    results = []
    for force_regular in (False, True):
        params = [torch.nn.Parameter(torch.ones(4, 3)), torch.nn.Parameter(torch.zeros(3))]
        opt = make()
        opt.build(params)
        if force_regular:
            opt.torch_optimizer.register_step_pre_hook(lambda *args: None)
        for step_grads in grads:
            for p, g in zip(params, step_grads):
                p.grad = g.clone()
            opt.step()
        assert (opt.__dict__.get("_direct_cache") is None) == force_regular
        results.append([p.detach().clone() for p in params])
    for direct, regular in zip(*results):
        assert torch.equal(direct, regular)


def test_adam_direct_kernel_follows_loaded_state():
    params = [torch.nn.Parameter(torch.ones(3))]
    opt = optimizers.Adam(learning_rate=0.1)
    opt.build(params)
    params[0].grad = torch.ones(3)
    opt.step()
    saved = opt.torch_optimizer.state_dict()
    reference = copy.deepcopy(saved)
    opt.step()
    opt.torch_optimizer.load_state_dict(reference)  # new state tensors: the cached lists are stale
    params[0].grad = torch.ones(3)
    opt.step()
    assert float(opt.torch_optimizer.state[params[0]]["step"]) == 2.0
    assert opt.__dict__["_direct_cache"][2][0][0] is opt.torch_optimizer.state[params[0]]["exp_avg"]


def test_adam_step_counters_are_views_of_one_tensor_and_stay_right_after_loading():
    params = [torch.nn.Parameter(torch.ones(3)), torch.nn.Parameter(torch.ones(2, 2)), torch.nn.Parameter(torch.ones(1))]
    opt = optimizers.Adam(learning_rate=0.1)
    opt.build(params)
    state = opt.torch_optimizer.state
    storage = opt.__dict__["_counter_storage"][(0, "step")]
    assert all(state[p]["step"]._base is storage for p in params)
    for _ in range(3):
        for p in params:
            p.grad = torch.ones_like(p)
        opt.step()
    shared, separate = opt.__dict__["_direct_cache"][2][4]
    assert len(shared) == 1 and shared[0] is storage and separate is None  # one add_ advanced all three
    assert [float(state[p]["step"]) for p in params] == [3.0, 3.0, 3.0]
    opt.torch_optimizer.load_state_dict(copy.deepcopy(opt.torch_optimizer.state_dict()))
    for p in params:
        p.grad = torch.ones_like(p)
    opt.step()  # loaded counters are separate tensors again: each advanced by itself
    shared, separate = opt.__dict__["_direct_cache"][2][4]
    assert shared == [] and len(separate) == 3
    assert [float(opt.torch_optimizer.state[p]["step"]) for p in params] == [4.0, 4.0, 4.0]
