"""Issue-16 metrics against values real Keras 3.15 computed.

The fixture (keras_metrics16_values.json, written by
tools/keras_crosscheck/make_metrics16_values.py) holds, per case, several
`update_state` calls with and without sample weights, Keras's `result()` after
each, the final variables (name, path, shape, dtype, value) and `get_config()`.
Tolerances: rtol 1e-5, atol 1e-6 (integer confusion matrices must be equal).
"""

import json
import os

import numpy as np
import pytest
import torch

import lamina.metrics as metrics

HERE = os.path.dirname(__file__)
with open(os.path.join(HERE, "keras_metrics16_values.json")) as _f:
    FIXTURE = json.load(_f)
CASES = {c["name"]: c for c in FIXTURE["cases"]}
RTOL, ATOL = 1e-5, 1e-6


def _array(values, dtype):
    return None if values is None else np.asarray(values, dtype=dtype)


def _run(case, as_torch=False):
    metric = getattr(metrics, case["class_name"])(**case["kwargs"])
    results = []
    for step in case["updates"]:
        args = [_array(step[k], step[k + "_dtype"]) for k in ("y_true", "y_pred", "sample_weight")]
        if as_torch:
            args = [None if a is None else torch.as_tensor(a) for a in args]
        with pytest.warns(UserWarning) if _warns(metric, args[2]) else _nullcontext():
            metric.update_state(args[0], args[1], sample_weight=args[2])
        results.append(float(metric.result()))
    return metric, results


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _warns(metric, weight):
    # Keras warns when float weights meet an integer confusion matrix.
    return (isinstance(metric, metrics.IoU) and weight is not None
            and "float" in str(weight.dtype) and "int" in metric.dtype)


@pytest.mark.parametrize("name", sorted(CASES))
def test_results_and_variables_match_keras(name):
    case = CASES[name]
    metric, results = _run(case)
    np.testing.assert_allclose(results, case["results"], rtol=RTOL, atol=ATOL, equal_nan=True)
    assert metric.dtype == case["metric_dtype"]
    assert len(metric.variables) == len(case["variables"])
    for var, ref in zip(metric.variables, case["variables"]):
        assert var.name == ref["name"]
        assert var.path.split("/")[-1] == ref["path"].split("/")[-1]
        assert var.path == f"{metric.name}/{ref['name']}"
        assert list(var.shape) == ref["shape"]
        assert str(var.dtype).replace("torch.", "") == ref["dtype"]
        if "int" in ref["dtype"]:
            np.testing.assert_array_equal(var.numpy(), np.asarray(ref["value"]))
        else:
            np.testing.assert_allclose(var.numpy(), np.asarray(ref["value"], "float32"), rtol=RTOL, atol=ATOL)
    assert metric.variable_names == [v["name"] for v in case["variables"]]


@pytest.mark.parametrize("name", sorted(CASES))
def test_config_keys_and_values_match_keras(name):
    case = CASES[name]
    metric = getattr(metrics, case["class_name"])(**case["kwargs"])
    config = metric.get_config()
    ref = dict(case["config"])
    # Automatic names are numbered per session; compare the stem.
    assert config["name"].rstrip("_0123456789") == ref.pop("name").rstrip("_0123456789")
    config.pop("name")
    assert list(config) == [k for k in ref]
    for key, value in ref.items():
        got = config[key]
        assert (list(got) if isinstance(got, tuple) else got) == value, key
    # from_config(get_config()) rebuilds the same metric.
    clone = type(metric).from_config(metric.get_config())
    assert clone.get_config() == metric.get_config()
    # Keras's own config builds the same metric here (name included).
    from_keras = type(metric).from_config(dict(case["config"]))
    assert json.loads(json.dumps(from_keras.get_config())) == case["config"]


@pytest.mark.parametrize("name", ["iou_float_dtype", "mean_iou", "binary_iou", "one_hot_iou", "pearson",
                                  "precision_at_recall_class_id", "recall_at_precision"])
def test_torch_inputs_and_reset(name):
    case = CASES[name]
    metric, results = _run(case, as_torch=True)
    np.testing.assert_allclose(results, case["results"], rtol=RTOL, atol=ATOL)
    metric.reset_state()
    assert all(float(v.abs().sum()) == 0 for v in metric.variables)
    # A second pass after reset gives the same values.
    step = case["updates"][0]
    metric.update_state(_array(step["y_true"], step["y_true_dtype"]), _array(step["y_pred"], step["y_pred_dtype"]),
                        sample_weight=_array(step["sample_weight"], step["sample_weight_dtype"]))
    np.testing.assert_allclose(float(metric.result()), case["results"][0], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("entry", FIXTURE["functions"], ids=lambda e: f"{e['fn']}_axis{e['axis']}")
def test_functions_match_keras(entry):
    fn = getattr(metrics, entry["fn"])
    value = fn(np.asarray(entry["y_true"], "float32"), np.asarray(entry["y_pred"], "float32"), axis=entry["axis"])
    np.testing.assert_allclose(value.numpy(), entry["value"], rtol=RTOL, atol=ATOL)


def test_keras_names_and_lookup():
    expected = {
        "IoU": ("io_u", dict(num_classes=2, target_class_ids=[0])),
        "MeanIoU": ("mean_io_u", dict(num_classes=2)),
        "BinaryIoU": ("binary_io_u", {}),
        "OneHotIoU": ("one_hot_io_u", dict(num_classes=2, target_class_ids=[0])),
        "OneHotMeanIoU": ("one_hot_mean_io_u", dict(num_classes=2)),
        "PearsonCorrelation": ("pearson_correlation", {}),
        "ConcordanceCorrelation": ("concordance_correlation", {}),
        "PrecisionAtRecall": ("precision_at_recall", dict(recall=0.5)),
        "RecallAtPrecision": ("recall_at_precision", dict(precision=0.5)),
        "SensitivityAtSpecificity": ("sensitivity_at_specificity", dict(specificity=0.5)),
        "SpecificityAtSensitivity": ("specificity_at_sensitivity", dict(sensitivity=0.5)),
    }
    for cls_name, (stem, kwargs) in expected.items():
        cls = getattr(metrics, cls_name)
        assert cls.__name__ in metrics.__all__
        assert metrics.ALL_OBJECTS_DICT[cls_name] is cls
        assert cls(**kwargs).name.rstrip("_0123456789") == stem
        obj = metrics.deserialize(metrics.serialize(cls(**kwargs)))
        assert type(obj) is cls
    # As in Keras, the snake_case name gives the class (a new instance), not the function.
    assert isinstance(metrics.get("pearson_correlation"), metrics.PearsonCorrelation)
    assert isinstance(metrics.get("concordance_correlation"), metrics.ConcordanceCorrelation)
    assert metrics.ALL_OBJECTS_DICT["io_u"] is metrics.IoU
    # The functions still deserialize from a "function" entry.
    fn = metrics.deserialize({"module": "keras.metrics", "class_name": "function",
                              "config": "pearson_correlation", "registered_name": None})
    assert fn is metrics.pearson_correlation


def test_bad_arguments_name_the_argument():
    with pytest.raises(ValueError, match=r"IoU: every target class id must be in \[0, 3\).*target_class_ids=\[3\]"):
        metrics.IoU(num_classes=3, target_class_ids=[3])
    with pytest.raises(ValueError, match=r"PrecisionAtRecall: argument `recall` must be in the range \[0, 1\].*1.5"):
        metrics.PrecisionAtRecall(1.5)
    with pytest.raises(ValueError, match=r"RecallAtPrecision: argument `precision`.*-0.1"):
        metrics.RecallAtPrecision(-0.1)
    with pytest.raises(ValueError, match=r"SensitivityAtSpecificity: argument `num_thresholds` must be an "
                                         r"integer > 0.*num_thresholds=0"):
        metrics.SensitivityAtSpecificity(0.5, num_thresholds=0)
    m = metrics.MeanIoU(num_classes=3)
    with pytest.raises(ValueError, match=r"MeanIoU \(mean_io_u.*\) needs one prediction per label.*4.*3"):
        m.update_state([0, 1, 2, 1], [0, 1, 2])


def test_iou_float_weights_warn_on_int_state():
    m = metrics.MeanIoU(num_classes=2)
    with pytest.warns(UserWarning, match="weights are cast to integers"):
        m.update_state([0, 1], [0, 1], sample_weight=np.array([0.5, 1.5], "float32"))
    # 0.5 -> 0 and 1.5 -> 1, as Keras casts them.
    np.testing.assert_array_equal(m.total_cm.numpy(), [[0, 0], [0, 1]])


@pytest.mark.parametrize("name", sorted(FIXTURE["signatures"]))
def test_signatures_match_keras(name):
    import inspect

    owner, _, method = name.partition(".")
    target = getattr(metrics, owner)
    target = getattr(target, method) if method else (target.__init__ if isinstance(target, type) else target)
    params = [p for p in inspect.signature(target).parameters.values() if p.name != "self"]
    ref = FIXTURE["signatures"][name]
    assert [p.name for p in params] == [r[0] for r in ref]
    for p, (pname, default) in zip(params, ref):
        if default is not None:
            assert repr(p.default) == default, pname
        else:
            assert p.default is inspect.Parameter.empty, pname


_SYNC_METHODS = ("item", "tolist", "numpy", "__bool__", "__float__", "__int__", "__index__")


@pytest.mark.parametrize("name", ["iou_int_weights", "iou_dense_inputs", "mean_iou_scores", "binary_iou",
                                  "one_hot_mean_iou_ignore", "pearson", "concordance", "precision_at_recall",
                                  "sensitivity_at_specificity_class_id", "recall_at_precision_one_threshold"])
def test_update_state_never_reads_tensor_values_on_the_host(name, monkeypatch):
    """With tensor inputs, `update_state` never turns a tensor into a Python value (on an
    accelerator each such read would be a device synchronization)."""
    case = CASES[name]
    metric = getattr(metrics, case["class_name"])(**case["kwargs"])
    steps = [[None if step[k] is None else torch.as_tensor(_array(step[k], step[k + "_dtype"]))
              for k in ("y_true", "y_pred", "sample_weight")] for step in case["updates"]]
    metric.to("cpu")

    def refuse(self, *args, **kwargs):
        raise AssertionError("host read of a tensor value inside update_state")

    with monkeypatch.context() as patch:
        for method in _SYNC_METHODS:
            patch.setattr(torch.Tensor, method, refuse)
        for y_true, y_pred, weight in steps:
            with pytest.warns(UserWarning) if _warns(metric, weight) else _nullcontext():
                metric.update_state(y_true, y_pred, sample_weight=weight)
    np.testing.assert_allclose(float(metric.result()), case["results"][-1], rtol=RTOL, atol=ATOL)


_REQUIRED = {
    "IoU": dict(num_classes=3, target_class_ids=[1]), "MeanIoU": dict(num_classes=3),
    "OneHotIoU": dict(num_classes=3, target_class_ids=[0]), "OneHotMeanIoU": dict(num_classes=3),
    "PrecisionAtRecall": dict(recall=0.4), "RecallAtPrecision": dict(precision=0.4),
    "SensitivityAtSpecificity": dict(specificity=0.4), "SpecificityAtSensitivity": dict(sensitivity=0.4),
    "MeanMetricWrapper": dict(fn=metrics.huber),
}


@pytest.mark.parametrize("name", sorted(FIXTURE["directions"]))
def test_direction_matches_keras(name):
    """`_direction` is what Keras's callbacks read in mode="auto" (max for "up")."""
    metric = getattr(metrics, name)(**_REQUIRED.get(name, {}))
    assert getattr(metric, "_direction", None) == FIXTURE["directions"][name]
