"""Keras 3.15-computed values for the issue-16 metrics (tests/metrics/test_metrics16.py).

For every case: the constructor arguments, several `update_state` calls (with and
without sample weights), Keras's `result()` after each call, then the variables
(name, path, shape, dtype, value) and `get_config()`; plus the functional forms
`pearson_correlation` / `concordance_correlation`. Also writes a small model
compiled with the new metrics and saved by Keras (`keras_metrics16_model.keras`),
with the logs of its `evaluate`, so lamina's loading of Keras's compile config is
checked without Keras installed.

Run: KERAS_BACKEND=jax /tmp/lamina-keras-venv/bin/python tools/keras_crosscheck/make_metrics16_values.py
Writes tests/metrics/keras_metrics16_values.json and tests/metrics/keras_metrics16_model.keras.
"""

import json
import os
import warnings

import numpy as np

import keras

OUT_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "metrics")
rng = np.random.default_rng(16)
M = keras.metrics


def ids(shape, n, low=0):
    return rng.integers(low, n, size=shape).astype("int32")


def probs(shape):
    return rng.random(shape).astype("float32")


def int_weights(shape):
    return rng.integers(0, 4, size=shape).astype("int32")


def float_weights(shape):
    return (rng.random(shape) * 2).astype("float32")


def onehot(labels, n):
    return np.eye(n, dtype="float32")[labels]


def listify(x):
    return None if x is None else np.asarray(x).tolist()


def dtype_of(x):
    return None if x is None else str(np.asarray(x).dtype)


CASES = []


def case(name, cls, kwargs, updates):
    CASES.append((name, cls, kwargs, updates))


# --- IoU family -------------------------------------------------------------------
case("iou_int_weights", "IoU", {"num_classes": 3, "target_class_ids": [0, 2]}, [
    (ids((8,), 3), ids((8,), 3), None),
    (ids((6,), 3), ids((6,), 3), int_weights((6,))),
    # Out-of-range ids on both sides are dropped.
    (np.array([0, 1, 5, 2, -1, 2], "int32"), np.array([0, 3, 1, 2, 2, 1], "int32"), int_weights((6,))),
])
case("iou_float_dtype", "IoU", {"num_classes": 3, "target_class_ids": [1], "dtype": "float32"}, [
    (ids((8,), 3), ids((8,), 3), float_weights((8,))),
    (ids((5,), 3), ids((5,), 3), None),
    (ids((6,), 3), ids((6,), 3), float_weights((6,))),
])
case("iou_segmentation_ignore", "IoU",
     {"num_classes": 4, "target_class_ids": [0, 1, 2, 3], "ignore_class": 1, "dtype": "float32"}, [
    (ids((2, 3, 3), 4), ids((2, 3, 3), 4), float_weights((2, 3, 3))),
    (ids((2, 3, 3), 4), ids((2, 3, 3), 4), None),
])
case("iou_int_truncated_float_weights", "IoU", {"num_classes": 2, "target_class_ids": [0, 1]}, [
    (ids((8,), 2), ids((8,), 2), float_weights((8,))),
    (ids((8,), 2), np.array([0.3, 1.7, 0.9, 1.2, 0.0, 1.0, 1.99, 0.5], "float32"), None),
])
case("iou_dense_inputs", "IoU",
     {"num_classes": 3, "target_class_ids": [0, 1], "sparse_y_true": False, "sparse_y_pred": False,
      "dtype": "float32"}, [
    (onehot(ids((6,), 3), 3), probs((6, 3)), float_weights((6,))),
    (onehot(ids((4,), 3), 3), probs((4, 3)), None),
])
case("mean_iou", "MeanIoU", {"num_classes": 3}, [
    (ids((10,), 3), ids((10,), 3), None),
    (np.array([0, 0, 2, 2], "int32"), np.array([0, 2, 2, 2], "int32"), int_weights((4,))),
    (ids((2, 5), 3), ids((2, 5), 3), int_weights((2, 5))),
])
case("mean_iou_absent_class", "MeanIoU", {"num_classes": 4, "dtype": "float32"}, [
    (np.array([0, 0, 1, 1], "int32"), np.array([0, 1, 0, 1], "int32"), np.array([0.3, 0.3, 0.3, 0.1], "float32")),
    (np.array([0, 1, 1], "int32"), np.array([1, 1, 0], "int32"), None),
])
case("mean_iou_scores", "MeanIoU",
     {"num_classes": 4, "dtype": "float32", "ignore_class": 0, "sparse_y_pred": False}, [
    (ids((7,), 4), probs((7, 4)), float_weights((7,))),
    (ids((5,), 4), probs((5, 4)), None),
])
case("binary_iou", "BinaryIoU", {}, [
    (ids((8,), 2), probs((8,)), None),
    (ids((6,), 2), probs((6,)), int_weights((6,))),
    (ids((3, 2), 2), probs((3, 2)), int_weights((3, 2))),
])
case("binary_iou_threshold", "BinaryIoU", {"target_class_ids": [1], "threshold": 0.3, "dtype": "float32"}, [
    (ids((8,), 2), probs((8,)), float_weights((8,))),
    (np.array([0, 1, 0, 1], "int32"), np.array([0.1, 0.2, 0.4, 0.7], "float32"), None),
])
case("one_hot_iou", "OneHotIoU", {"num_classes": 3, "target_class_ids": [0, 2], "dtype": "float32"}, [
    (onehot(ids((6,), 3), 3), probs((6, 3)), float_weights((6,))),
    (onehot(ids((5,), 3), 3), probs((5, 3)), None),
])
case("one_hot_iou_sparse_pred", "OneHotIoU",
     {"num_classes": 3, "target_class_ids": [1], "sparse_y_pred": True}, [
    (onehot(ids((6,), 3), 3), ids((6,), 3), int_weights((6,))),
    (onehot(ids((5,), 3), 3), ids((5,), 3), None),
])
case("one_hot_mean_iou", "OneHotMeanIoU", {"num_classes": 3}, [
    (onehot(ids((6,), 3), 3), probs((6, 3)), int_weights((6,))),
    (onehot(ids((2, 4), 3), 3), probs((2, 4, 3)), None),
])
case("one_hot_mean_iou_ignore", "OneHotMeanIoU", {"num_classes": 4, "ignore_class": 3, "dtype": "float32"}, [
    (onehot(ids((7,), 4), 4), probs((7, 4)), float_weights((7,))),
    (onehot(ids((5,), 4), 4), probs((5, 4)), None),
])
# --- correlation ------------------------------------------------------------------
case("pearson", "PearsonCorrelation", {}, [
    (probs((4, 5)), probs((4, 5)), None),
    (probs((3, 5)), probs((3, 5)), float_weights((3,))),
    (probs((2, 5)), probs((2, 5)), float_weights((2, 1))),
])
case("pearson_axes", "PearsonCorrelation", {"axis": [1, 2], "name": "pcc"}, [
    (probs((3, 2, 4)), probs((3, 2, 4)), None),
    (probs((2, 2, 4)), probs((2, 2, 4)), float_weights((2,))),
])
case("concordance", "ConcordanceCorrelation", {}, [
    (probs((4, 6)), probs((4, 6)), None),
    (probs((3, 6)), probs((3, 6)), float_weights((3,))),
    (probs((5, 6)), probs((5, 6)) * 2 - 0.5, float_weights((5,))),
])
# --- X at Y -----------------------------------------------------------------------
for cls, arg, value in (("SensitivityAtSpecificity", "specificity", 0.6),
                        ("SpecificityAtSensitivity", "sensitivity", 0.7),
                        ("PrecisionAtRecall", "recall", 0.5),
                        ("RecallAtPrecision", "precision", 0.75)):
    snake = keras.src.utils.naming.to_snake_case(cls)
    case(snake, cls, {arg: value}, [
        (ids((12,), 2), probs((12,)), None),
        (ids((10,), 2), probs((10,)), float_weights((10,))),
        # Scores exactly 0 and 1 sit on the end thresholds.
        (np.array([1, 0, 1, 0], "int32"), np.array([0.0, 1.0, 1.0, 0.0], "float32"), None),
    ])
    case(snake + "_class_id", cls, {arg: value, "num_thresholds": 7, "class_id": 1}, [
        (onehot(ids((9,), 3), 3), probs((9, 3)), float_weights((9,))),
        (onehot(ids((6,), 3), 3), probs((6, 3)), None),
    ])
    case(snake + "_one_threshold", cls, {arg: value, "num_thresholds": 1, "name": "one"}, [
        (ids((3, 4), 2), probs((3, 4)), float_weights((3, 4))),
        (ids((2, 4), 2), probs((2, 4)), None),
    ])
    case(snake + "_two_thresholds", cls, {arg: value, "num_thresholds": 2}, [
        (ids((10,), 2), probs((10,)), float_weights((10,))),
    ])


def variable_record(v):
    return {"name": v.name, "path": v.path, "shape": list(v.shape), "dtype": str(v.dtype),
            "value": np.asarray(v.numpy()).tolist()}


def run_case(name, cls, kwargs, updates):
    metric = getattr(M, cls)(**kwargs)
    results = []
    steps = []
    for y_true, y_pred, weight in updates:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            metric.update_state(y_true, y_pred, sample_weight=weight)
        results.append(float(metric.result()))
        steps.append({"y_true": listify(y_true), "y_true_dtype": dtype_of(y_true),
                      "y_pred": listify(y_pred), "y_pred_dtype": dtype_of(y_pred),
                      "sample_weight": listify(weight), "sample_weight_dtype": dtype_of(weight)})
    return {"name": name, "class_name": cls, "kwargs": kwargs, "updates": steps, "results": results,
            "variables": [variable_record(v) for v in metric.variables], "config": metric.get_config(),
            "metric_dtype": metric.dtype}


def functions():
    out = []
    for fn in ("pearson_correlation", "concordance_correlation"):
        for axis in (-1, 0):
            y_true, y_pred = probs((4, 5)), probs((4, 5))
            value = getattr(M, fn)(y_true, y_pred, axis=axis)
            out.append({"fn": fn, "axis": axis, "y_true": y_true.tolist(), "y_pred": y_pred.tolist(),
                        "value": np.asarray(value).tolist()})
    return out


def saved_model():
    """A model compiled with every new metric, saved by Keras, and Keras's evaluate logs."""
    keras.utils.set_random_seed(3)
    inputs = keras.Input((4,))
    outputs = keras.layers.Dense(3, activation="sigmoid", name="head")(inputs)
    model = keras.Model(inputs, outputs, name="metrics16")
    metrics = [
        M.BinaryIoU(threshold=0.4), M.IoU(num_classes=2, target_class_ids=[1], name="iou_1"),
        M.MeanIoU(num_classes=2, dtype="float32"), M.PearsonCorrelation(), M.ConcordanceCorrelation(),
        M.PrecisionAtRecall(0.5), M.RecallAtPrecision(0.6, num_thresholds=50),
        M.SensitivityAtSpecificity(0.5), M.SpecificityAtSensitivity(0.5, class_id=0),
    ]
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=metrics)
    x = rng.normal(size=(16, 4)).astype("float32")
    y = (rng.random((16, 3)) > 0.5).astype("float32")
    y[:, 0] = 1.0 - y[:, 1]  # every row holds a 0 and a 1, so the per-row correlations are finite
    logs = model.evaluate(x, y, batch_size=16, return_dict=True, verbose=0)
    path = os.path.join(OUT_DIR, "keras_metrics16_model.keras")
    model.save(path)
    return {"file": "keras_metrics16_model.keras", "x": x.tolist(), "y": y.tolist(),
            "logs": {k: float(v) for k, v in logs.items()},
            "compile_config": model.get_compile_config()}


def signatures():
    """Parameter names (in order) and defaults of the new classes and functions, and of
    `Metric`'s constructor and variable methods."""
    import inspect

    def describe(fn):
        return [[p.name, None if p.default is inspect.Parameter.empty else repr(p.default)]
                for p in inspect.signature(fn).parameters.values() if p.name != "self"]

    names = ["IoU", "MeanIoU", "BinaryIoU", "OneHotIoU", "OneHotMeanIoU", "PearsonCorrelation",
             "ConcordanceCorrelation", "PrecisionAtRecall", "RecallAtPrecision", "SensitivityAtSpecificity",
             "SpecificityAtSensitivity"]
    out = {name: describe(getattr(M, name).__init__) for name in names}
    out["pearson_correlation"] = describe(M.pearson_correlation)
    out["concordance_correlation"] = describe(M.concordance_correlation)
    out["Metric.__init__"] = describe(M.Metric.__init__)
    out["Metric.add_variable"] = describe(M.Metric.add_variable)
    out["Metric.add_weight"] = describe(M.Metric.add_weight)
    return out


REQUIRED = {
    "IoU": dict(num_classes=3, target_class_ids=[1]), "MeanIoU": dict(num_classes=3),
    "OneHotIoU": dict(num_classes=3, target_class_ids=[0]), "OneHotMeanIoU": dict(num_classes=3),
    "PrecisionAtRecall": dict(recall=0.4), "RecallAtPrecision": dict(precision=0.4),
    "SensitivityAtSpecificity": dict(specificity=0.4), "SpecificityAtSensitivity": dict(sensitivity=0.4),
    "MeanMetricWrapper": dict(fn=keras.losses.huber),
}


def directions():
    """`_direction` ("up"/"down", or None when unset) of every metric class, as callbacks in
    mode="auto" read it."""
    out = {}
    for name in dir(M):
        cls = getattr(M, name)
        if isinstance(cls, type) and issubclass(cls, M.Metric) and cls is not M.Metric:
            out[name] = getattr(cls(**REQUIRED.get(name, {})), "_direction", None)
    return out


def main():
    out = {"keras_version": keras.__version__, "backend": keras.backend.backend(),
           "cases": [run_case(*c) for c in CASES], "functions": functions(), "model": saved_model(),
           "signatures": signatures(), "directions": directions()}
    with open(os.path.join(OUT_DIR, "keras_metrics16_values.json"), "w") as handle:
        json.dump(out, handle, default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o))


if __name__ == "__main__":
    main()
