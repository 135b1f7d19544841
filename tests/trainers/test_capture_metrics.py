"""Trackers and metrics updated inside the captured step (lamina/trainers/capture_metrics.py).

The traced graph itself (a `make_fx` GraphModule, runnable on real tensors) stands in for the
compiled step here: what these tests check is what the graph does to the metric state; that
inductor compiles in-place updates of graph inputs faithfully is checked once, with the seed MLP,
in test_capture.py. Tolerances: rtol 1e-5 / atol 1e-6 (float32 sums in another order).
"""

import numpy as np
import pytest
import torch

import lamina as keras
from lamina.trainers.capture import Captured
from lamina.trainers.trackers import MeanTracker
from tests.trainers._custom_metrics import CallCount


@pytest.fixture(autouse=True)
def _graph_as_compiled_step(monkeypatch):
    def run_the_graph(self):
        self.fn, self.source = self.graph, "compiled"

    monkeypatch.delenv("LAMINA_JIT_BACKEND", raising=False)
    monkeypatch.setattr(Captured, "compile_in_process", run_the_graph)


def _fit(jit_compile, metrics, loss, units, activation, targets, epochs=2):
    keras.utils.set_random_seed(1)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32 * 6, 12)).astype("float32")
    model = keras.Sequential([keras.Input((12,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(units, activation=activation)])
    model.compile("adam", loss, metrics=metrics(), jit_compile=jit_compile)
    history = model.fit(x, targets(rng), batch_size=32, epochs=epochs, shuffle=False, verbose=0).history
    return model, list(history.values())


CASES = {
    "classes": (lambda: ["accuracy", keras.metrics.SparseTopKCategoricalAccuracy(k=3),
                         keras.metrics.SparseCategoricalCrossentropy(), CallCount()],
                "sparse_categorical_crossentropy", 5, "softmax", lambda rng: rng.integers(0, 5, 32 * 6)),
    "binary": (lambda: [keras.metrics.AUC(), keras.metrics.Precision(), keras.metrics.Recall(), "binary_accuracy",
                        keras.metrics.BinaryIoU()],
               "binary_crossentropy", 1, "sigmoid",
               lambda rng: rng.integers(0, 2, (32 * 6, 1)).astype("float32")),
    "regression": (lambda: ["mae", keras.metrics.RootMeanSquaredError(), keras.metrics.PearsonCorrelation(),
                            keras.metrics.CosineSimilarity(), keras.metrics.LogCoshError()],
                   "mse", 3, None, lambda rng: rng.standard_normal((32 * 6, 3)).astype("float32")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_metrics_updated_in_the_graph_log_what_eager_steps_log(case):
    _, eager = _fit(False, *CASES[case])
    model, captured_logs = _fit(True, *CASES[case])
    captured = model.__dict__["_captured"]
    assert captured.describe() == "captured"
    in_graph = [type(metric).__name__ for _, metric, _, _ in captured.metrics.entries]
    eager_names = [type(metric).__name__ for _, metric, _, _ in captured.metrics.eager_entries]
    assert eager_names == (["CallCount"] if case == "classes" else [])
    assert len(in_graph) == len(model._compile_state.metric_entries) - len(eager_names)
    assert len(captured_logs) == len(eager)
    for compiled, reference in zip(captured_logs, eager):
        np.testing.assert_allclose(compiled, reference, rtol=1e-5, atol=1e-6)


def test_the_graph_adds_to_the_loss_tracker_and_the_metric_variables_in_place():
    model, _ = _fit(True, lambda: ["accuracy"], "sparse_categorical_crossentropy", 5, "softmax",
                    lambda rng: rng.integers(0, 5, 32 * 6), epochs=1)
    state, captured = model._compile_state, model.__dict__["_captured"]
    assert captured.metrics.trackers == [state.loss_tracker]
    total = state.loss_tracker._total
    accuracy = state.metric_entries[0][1]
    before_total, before_correct = float(total), float(accuracy.total)
    x, y = torch.rand(32, 12), torch.randint(0, 5, (32,))
    with torch.no_grad():
        reference = model(x, training=False)
    loss, _, updated = captured.run(x, y)
    assert updated and state.loss_tracker._total is total  # one tensor, updated in place
    assert state.loss_tracker._count == 6 * 32 + 32
    np.testing.assert_allclose(float(total), before_total + 32 * float(loss), rtol=1e-6)
    assert float(accuracy.count) == 7 * 32
    assert before_correct <= float(accuracy.total) <= before_correct + 32
    assert reference.shape == (32, 5)


def test_a_metric_that_builds_its_state_on_first_update_stays_eager_until_built():
    # jit_compile=True traces at the first step, before F1Score made its variables: the trace
    # would have kept fake ones, so it is left out of the graph (and traced again without it).
    targets = lambda rng: np.eye(3, dtype="float32")[rng.integers(0, 3, 32 * 6)]  # noqa: E731
    metrics = lambda: [keras.metrics.F1Score(average="macro"), "categorical_accuracy"]  # noqa: E731
    _, eager = _fit(False, metrics, "categorical_crossentropy", 3, "softmax", targets)
    model, logs = _fit(True, metrics, "categorical_crossentropy", 3, "softmax", targets)
    captured = model.__dict__["_captured"]
    assert [type(m).__name__ for _, m, _, _ in captured.metrics.eager_entries] == ["F1Score"]
    f1 = captured.metrics.eager_entries[0][1]
    assert not any(type(v).__name__ == "FakeTensor" for v in f1.variables)
    for compiled, reference in zip(logs, eager):
        np.testing.assert_allclose(compiled, reference, rtol=1e-5, atol=1e-6)

    # Traced once it is built (what jit_compile="auto" does after its eager steps): in the graph.
    retraced = Captured(model, auto=True)
    assert retraced.trace(torch.rand(32, 12), torch.eye(3)[torch.randint(0, 3, (32,))])
    assert [type(m).__name__ for _, m, _, _ in retraced.metrics.entries] == ["F1Score", "CategoricalAccuracy"]
    assert retraced.metrics.eager_entries == []


def test_a_rebuilt_metric_sends_the_step_back_to_eager():
    model, _ = _fit(True, lambda: ["accuracy"], "sparse_categorical_crossentropy", 5, "softmax",
                    lambda rng: rng.integers(0, 5, 32 * 6), epochs=1)
    captured = model.__dict__["_captured"]
    x, y = torch.rand(32, 12), torch.randint(0, 5, (32,))
    assert captured.ready_for(x, y)
    accuracy = model._compile_state.metric_entries[0][1]
    accuracy._variables[0] = keras.metrics.Mean().total  # state the graph was not traced with
    assert not captured.ready_for(x, y)


def test_metrics_can_stay_out_of_the_graph():
    model, _ = _fit(False, lambda: ["accuracy"], "sparse_categorical_crossentropy", 5, "softmax",
                    lambda rng: rng.integers(0, 5, 32 * 6), epochs=1)
    captured = Captured(model, metrics_in_graph=False)
    assert captured.trace(torch.rand(32, 12), torch.randint(0, 5, (32,)))
    assert captured.metrics is None


def test_mean_tracker_reads_zero_before_any_sample():
    tracker = MeanTracker("loss")
    assert float(tracker.result()) == 0.0
    total = tracker.state_tensor(torch.device("cpu"))
    assert total.dtype == torch.float32 and float(total) == 0.0
    assert float(tracker.result()) == 0.0  # a total but no samples yet
    total.add_(6.0)
    tracker.add_count(3)
    assert float(tracker.result()) == 2.0


class Rebinding(keras.metrics.Metric):
    """Rebinds its state instead of updating it in place, and counts calls in Python."""

    def __init__(self, name="rebinding", **kwargs):
        super().__init__(name=name, **kwargs)
        self.total = self.add_variable((), "zeros", name="total")
        self.python_calls = 0

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.python_calls += 1
        self.total.add_(y_pred.sum())

    def result(self):
        return self.total


def test_a_metric_whose_update_changes_more_than_its_variables_is_left_eager(monkeypatch):
    from lamina.trainers import capture_metrics

    # Even were custom metrics let in, one that keeps Python state is caught and restored.
    monkeypatch.setattr(capture_metrics, "_own_metric", lambda metric: True)
    model, _ = _fit(False, lambda: [Rebinding(), "accuracy"], "sparse_categorical_crossentropy", 5, "softmax",
                    lambda rng: rng.integers(0, 5, 32 * 6), epochs=1)
    metric = model._compile_state.metric_entries[0][1]
    calls, total = metric.python_calls, metric.total
    captured = Captured(model)
    assert captured.trace(torch.rand(32, 12), torch.randint(0, 5, (32,)))
    assert [type(m).__name__ for _, m, _, _ in captured.metrics.eager_entries] == ["Rebinding"]
    assert metric.python_calls == calls and metric.total is total  # restored as before the trace
    assert [display for _, _, _, display in captured.metrics.entries] == ["accuracy"]


class DataDependent(keras.metrics.Metric):
    """Branches on a value (what a trace cannot do): its update fails under the trace."""

    def __init__(self, name="data_dependent", **kwargs):
        super().__init__(name=name, **kwargs)
        self.total = self.add_variable((), "zeros", name="total")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.total.add_(1.0)
        if float(y_pred.sum()) > 0:
            self.total.add_(1.0)

    def result(self):
        return self.total


def test_a_metric_failing_under_the_trace_is_left_eager_and_the_rest_traced(monkeypatch):
    from lamina.trainers import capture_metrics

    monkeypatch.setattr(capture_metrics, "_own_metric", lambda metric: True)
    model, _ = _fit(False, lambda: [DataDependent(), "accuracy"], "sparse_categorical_crossentropy", 5,
                    "softmax", lambda rng: rng.integers(0, 5, 32 * 6), epochs=1)
    metric = model._compile_state.metric_entries[0][1]
    total = metric.total
    captured = Captured(model)
    assert captured.trace(torch.rand(32, 12), torch.randint(0, 5, (32,))), captured.failed
    assert [display for _, _, _, display in captured.metrics.eager_entries] == ["data_dependent"]
    assert [display for _, _, _, display in captured.metrics.entries] == ["accuracy"]
    assert metric.total is total and float(total) == 2 * 6  # untouched by the trace


def test_the_loss_tracker_keeps_its_tensor_across_epochs():
    # A captured step (and its CUDA graph, which records addresses) reads the same tensor each epoch.
    model, _ = _fit(True, lambda: ["accuracy"], "sparse_categorical_crossentropy", 5, "softmax",
                    lambda rng: rng.integers(0, 5, 32 * 6), epochs=1)
    total = model._compile_state.loss_tracker._total
    history = model.fit(np.random.rand(64, 12).astype("float32"), np.arange(64) % 5, batch_size=32, epochs=2,
                        verbose=0).history
    assert model._compile_state.loss_tracker._total is total
    assert all(np.isfinite(history["loss"])) and history["loss"][1] > 0
    model.reset_metrics()
    assert float(model._compile_state.loss_tracker.result()) == 0.0 and float(total) == 0.0

