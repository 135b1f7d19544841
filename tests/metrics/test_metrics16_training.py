"""Issue-16 metrics inside compile/fit/evaluate, `.keras` files both ways, and the
keras.io custom-metric pattern (`add_variable` + `assign`)."""

import json
import os

import numpy as np
import pytest
import torch

import lamina as keras
from lamina import ops

HERE = os.path.dirname(__file__)
with open(os.path.join(HERE, "keras_metrics16_values.json")) as _f:
    MODEL_CASE = json.load(_f)["model"]


def test_model_saved_by_keras_evaluates_with_keras_log_names_and_values():
    model = keras.saving.load_model(os.path.join(HERE, MODEL_CASE["file"]))
    x = np.asarray(MODEL_CASE["x"], "float32")
    y = np.asarray(MODEL_CASE["y"], "float32")
    logs = model.evaluate(x, y, batch_size=16, return_dict=True, verbose=0)
    ref = MODEL_CASE["logs"]
    assert sorted(logs) == sorted(ref)
    for key, value in ref.items():
        np.testing.assert_allclose(logs[key], value, rtol=1e-5, atol=1e-6, err_msg=key)
    # The compile config reads back as Keras wrote it (class names and arguments).
    config, ref_config = model.get_compile_config(), MODEL_CASE["compile_config"]
    assert [m["class_name"] for m in config["metrics"]] == [m["class_name"] for m in ref_config["metrics"]]
    assert [m["config"] for m in config["metrics"]] == [m["config"] for m in ref_config["metrics"]]


def _new_metrics():
    M = keras.metrics
    return [M.BinaryIoU(threshold=0.4), M.MeanIoU(num_classes=2, dtype="float32"),
            M.OneHotMeanIoU(num_classes=3, name="ohmiou"), M.OneHotIoU(num_classes=3, target_class_ids=[2]),
            M.IoU(num_classes=2, target_class_ids=[0], name="iou_zero"),
            M.PearsonCorrelation(), M.ConcordanceCorrelation(), M.PrecisionAtRecall(0.5),
            M.RecallAtPrecision(0.5, num_thresholds=20), M.SensitivityAtSpecificity(0.5),
            M.SpecificityAtSensitivity(0.5, class_id=1)]


def _data(n=24, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, size=n)]
    return x, y


def _model():
    keras.utils.set_random_seed(1)
    inputs = keras.Input((4,))
    outputs = keras.layers.Dense(3, activation="softmax")(inputs)
    return keras.Model(inputs, outputs)


def test_fit_evaluate_log_names_and_keras_file_round_trip(tmp_path):
    x, y = _data()
    model = _model()
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=_new_metrics())
    history = model.fit(x, y, batch_size=8, epochs=2, validation_data=(x, y), verbose=0)
    names = [m.name for m in _new_metrics()]
    stems = ["binary_io_u", "mean_io_u", "ohmiou", "one_hot_io_u", "iou_zero", "pearson_correlation",
             "concordance_correlation", "precision_at_recall", "recall_at_precision",
             "sensitivity_at_specificity", "specificity_at_sensitivity"]
    assert [n.rstrip("_0123456789") for n in names] == stems
    keys = [k for k in history.history if k not in ("loss", "val_loss")]
    assert [k.rstrip("_0123456789") for k in keys if not k.startswith("val_")] == stems
    assert [k for k in keys if k.startswith("val_")] == ["val_" + k for k in keys if not k.startswith("val_")]
    assert all(np.isfinite(v).all() for v in history.history.values())
    logs = model.evaluate(x, y, batch_size=8, return_dict=True, verbose=0)
    path = tmp_path / "m16.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.get_compile_config()["metrics"] == model.get_compile_config()["metrics"]
    logs2 = loaded.evaluate(x, y, batch_size=8, return_dict=True, verbose=0)
    assert list(logs2) == list(logs)
    for key in logs:
        np.testing.assert_allclose(logs2[key], logs[key], rtol=1e-5, atol=1e-6, err_msg=key)


def test_metric_states_are_updated_without_host_sync_and_evaluate_matches_standalone():
    x, y = _data(seed=3)
    model = _model()
    metrics = [keras.metrics.OneHotMeanIoU(num_classes=3), keras.metrics.PrecisionAtRecall(0.3, class_id=0)]
    model.compile(loss="categorical_crossentropy", metrics=metrics)
    logs = model.evaluate(x, y, batch_size=6, return_dict=True, verbose=0)
    pred = model.predict(x, verbose=0)
    for metric in (keras.metrics.OneHotMeanIoU(num_classes=3), keras.metrics.PrecisionAtRecall(0.3, class_id=0)):
        for start in range(0, len(x), 6):
            metric.update_state(y[start:start + 6], pred[start:start + 6])
        key = [k for k in logs if k.rstrip("_0123456789") == metric.name.rstrip("_0123456789")][0]
        np.testing.assert_allclose(logs[key], float(metric.result()), rtol=1e-5, atol=1e-6)


class BinaryTruePositives(keras.metrics.Metric):
    """The `keras.metrics.Metric` docstring's example, verbatim in lamina."""

    def __init__(self, name="binary_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), initializer="zeros", name="true_positives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.cast(y_true, "bool")
        y_pred = ops.cast(y_pred, "bool")
        values = ops.logical_and(ops.equal(y_true, True), ops.equal(y_pred, True))
        values = ops.cast(values, self.dtype)
        if sample_weight is not None:
            sample_weight = ops.cast(sample_weight, self.dtype)
            sample_weight = ops.broadcast_to(sample_weight, ops.shape(values))
            values = ops.multiply(values, sample_weight)
        self.true_positives.assign(self.true_positives + ops.sum(values))

    def result(self):
        return self.true_positives


class CategoricalTruePositives(keras.metrics.Metric):
    """The keras.io "Training & evaluation with the built-in methods" custom metric."""

    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
        values = ops.cast(y_true, "int32") == ops.cast(y_pred, "int32")
        values = ops.cast(values, "float32")
        if sample_weight is not None:
            sample_weight = ops.cast(sample_weight, "float32")
            values = ops.multiply(values, sample_weight)
        self.true_positives.assign_add(ops.sum(values))

    def result(self):
        return self.true_positives

    def reset_state(self):
        self.true_positives.assign(0.0)


def test_keras_io_custom_metrics_inside_fit_and_evaluate():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(20, 3)).astype("float32")
    y = (rng.random((20, 1)) > 0.5).astype("float32")
    keras.utils.set_random_seed(2)
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(1, activation="relu")(inputs))
    # A zero learning rate keeps the predictions fixed, so every epoch counts the same.
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mse", metrics=[BinaryTruePositives()],
                  weighted_metrics=[BinaryTruePositives(name="weighted_tp")])
    pred = model.predict(x, verbose=0)
    hits = (y != 0) & (pred != 0)
    expected = float(hits.sum())
    assert 0 < expected < 20
    history = model.fit(x, y, batch_size=4, epochs=3, verbose=0)
    assert history.history["binary_true_positives"] == [expected] * 3
    assert history.history["weighted_tp"] == [expected] * 3
    # As in Keras, `metrics` ignore sample weights and `weighted_metrics` apply them.
    weights = rng.integers(0, 3, size=(20, 1)).astype("float32")
    logs = model.evaluate(x, y, sample_weight=weights, batch_size=5, return_dict=True, verbose=0)
    assert logs["binary_true_positives"] == expected
    assert logs["weighted_tp"] == float((hits * weights).sum()) != expected

    labels = rng.integers(0, 3, size=(20, 1)).astype("int32")
    keras.utils.set_random_seed(2)
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(3)(inputs))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[CategoricalTruePositives()])
    pred = model.predict(x, verbose=0)
    expected = float((pred.argmax(1)[:, None] == labels).sum())
    history = model.fit(x, labels, batch_size=4, epochs=2, verbose=0)
    assert history.history["categorical_true_positives"] == [expected] * 2


def test_result_returning_the_variable_is_a_snapshot():
    m = BinaryTruePositives()
    m.update_state([1, 1, 0], [1, 0, 1])
    value = m.result()
    assert type(value) is torch.Tensor and float(value) == 1.0
    m.reset_state()
    assert float(value) == 1.0 and float(m.result()) == 0.0


def test_add_variable_returns_keras_style_variable():
    m = BinaryTruePositives()
    v = m.true_positives
    assert isinstance(v, torch.Tensor) and not v.requires_grad
    assert v.name == "true_positives" and v.path == "binary_true_positives/true_positives"
    v.assign(3.0)
    v.assign_add(torch.tensor(2.0))
    v.assign_sub(np.float32(1.5))
    assert v.numpy() == np.float32(3.5) and isinstance(v.numpy(), np.ndarray)
    assert float(v * 2) == 7.0 and type(v * 2) is torch.Tensor
    with pytest.raises(ValueError, match=r"Cannot assign a value of shape \(2,\) to metric variable "
                                         r"'binary_true_positives/true_positives' of shape \(\)"):
        v.assign([1.0, 2.0])
    m.name = "renamed"
    assert v.path == "renamed/true_positives"
    assert m.variables == [v] and m.variable_names == ["true_positives"]
    other = keras.metrics.Metric(name="m")
    w = other.add_variable((2, 2), initializer="ones", dtype="float64", name="w")
    assert w.dtype == torch.float64 and w.numpy().tolist() == [[1.0, 1.0], [1.0, 1.0]]
    c = other.add_weight(shape=(3,), initializer=keras.initializers.Constant(4.0))
    assert c.numpy().tolist() == [4.0, 4.0, 4.0] and c.name == "variable_1"
    other.reset_state()
    assert float(w.sum()) == 0.0 and float(c.sum()) == 0.0


def test_metric_positional_order_is_dtype_then_name():
    m = keras.metrics.Metric("float64", "my_metric")
    assert m.dtype == "float64" and m.name == "my_metric"

    class Counter(keras.metrics.Metric):
        def __init__(self, name="counter", dtype=None):
            super().__init__(dtype, name)
            self.count = self.add_variable((), "zeros", name="count")

        def update_state(self, values):
            self.count.assign_add(ops.sum(ops.ones_like(values)))

        def result(self):
            return self.count

    c = Counter(dtype="float64")
    c.update_state([1, 2, 3])
    assert c.name == "counter" and c.count.dtype == torch.float64 and float(c.result()) == 3.0


def test_add_variable_before_init_says_how_to_fix():
    class Broken(keras.metrics.Metric):
        def __init__(self):
            self.v = self.add_variable((), "zeros", name="v")

    with pytest.raises(RuntimeError, match=r"Broken.add_variable was called before `Metric.__init__`"):
        Broken()


def test_metric_state_survives_deepcopy_and_pickle():
    import copy
    import pickle

    m = keras.metrics.MeanIoU(num_classes=3)
    m.update_state([0, 1, 2, 2], [0, 1, 1, 2])
    for clone in (copy.deepcopy(m), pickle.loads(pickle.dumps(m))):
        assert type(clone.total_cm).__name__ == "MetricVariable"
        assert clone.variables[0] is clone.total_cm and clone.total_cm is not m.total_cm
        assert clone.total_cm.path == "mean_io_u/total_confusion_matrix".replace("mean_io_u", m.name)
        np.testing.assert_array_equal(clone.total_cm.numpy(), m.total_cm.numpy())
        assert float(clone.result()) == float(m.result())
        clone.reset_state()
        assert float(m.total_cm.sum()) == 4


def test_metrics_kept_as_attributes_are_nested_like_keras():
    class MeanAndTotal(keras.metrics.Metric):
        def __init__(self, name="mean_and_total", **kwargs):
            super().__init__(name=name, **kwargs)
            self.total = self.add_variable((), "zeros", name="total")
            self.mean = keras.metrics.Mean(name="inner_mean")

        def update_state(self, values):
            self.total.assign_add(ops.sum(values))
            self.mean.update_state(values)

        def result(self):
            return self.total / self.mean.result()

    m = MeanAndTotal()
    m.update_state(np.array([1.0, 2.0, 3.0], "float32"))
    assert [v.path for v in m.variables] == ["mean_and_total/total", "inner_mean/total", "inner_mean/count"]
    assert float(m.result()) == 3.0
    m.reset_state()
    assert all(float(v) == 0.0 for v in m.variables)
    m.mean = m.mean  # re-assigning does not nest twice
    assert len(m.variables) == 3
