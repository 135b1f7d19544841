"""metrics.get / serialize / deserialize and the compile-time resolution helpers."""

import pytest
import torch

import lamina.losses as losses
import lamina.metrics as metrics
from lamina.metrics import Metric


@pytest.mark.parametrize("identifier, cls", [
    ("accuracy", metrics.Accuracy), ("acc", metrics.Accuracy), ("AUC", metrics.AUC), ("auc", metrics.AUC),
    ("binary_accuracy", metrics.BinaryAccuracy), ("BinaryAccuracy", metrics.BinaryAccuracy),
    ("sparse_top_k_categorical_accuracy", metrics.SparseTopKCategoricalAccuracy),
    ("mse", metrics.MeanSquaredError), ("MAE", metrics.MeanAbsoluteError), ("bce", metrics.BinaryCrossentropy),
    ("root_mean_squared_error", metrics.RootMeanSquaredError), ("kl_divergence", metrics.KLDivergence),
])
def test_get_names_give_instances(identifier, cls):
    assert type(metrics.get(identifier)) is cls


def test_get_other_identifiers():
    assert metrics.get("huber") is losses.huber  # a loss function, averaged by get_metric
    assert metrics.get("sparse_categorical_accuracy") is not None
    instance = metrics.Mean()
    assert metrics.get(instance) is instance
    assert isinstance(metrics.get(metrics.Recall), metrics.Recall)
    assert metrics.get(None) is None
    config = metrics.serialize(metrics.TopKCategoricalAccuracy(k=3))
    assert metrics.get(config).k == 3
    with pytest.raises(ValueError, match=r"Could not interpret metric identifier: 'accuracyy'.*binary_accuracy"):
        metrics.get("accuracyy")
    with pytest.raises(ValueError, match="Could not interpret metric identifier: 3"):
        metrics.get(3)


# Keras classes whose constructors have required arguments.
_REQUIRED = {
    "IoU": dict(num_classes=3, target_class_ids=[1]), "MeanIoU": dict(num_classes=3),
    "OneHotIoU": dict(num_classes=3, target_class_ids=[0, 2]), "OneHotMeanIoU": dict(num_classes=3),
    "PrecisionAtRecall": dict(recall=0.4), "RecallAtPrecision": dict(precision=0.4),
    "SensitivityAtSpecificity": dict(specificity=0.4), "SpecificityAtSensitivity": dict(sensitivity=0.4),
}


@pytest.mark.parametrize("cls", [c for c in metrics.ALL_OBJECTS if c not in (Metric, metrics.MeanMetricWrapper)])
def test_serialize_round_trip(cls):
    m = cls(**_REQUIRED.get(cls.__name__, {}))
    config = metrics.serialize(m)
    assert config["module"] == "keras.metrics" and config["class_name"] == cls.__name__
    clone = metrics.deserialize(config)
    assert type(clone) is cls and clone.get_config() == m.get_config()


def test_deserialize_keras_function_entry():
    entry = {"module": "keras.metrics", "class_name": "function", "config": "sparse_categorical_accuracy",
             "registered_name": "sparse_categorical_accuracy"}
    assert metrics.deserialize(entry) is metrics.sparse_categorical_accuracy


@pytest.mark.parametrize("y_true, y_pred, cls", [
    ((32, 1), (32, 1), metrics.BinaryAccuracy),
    ((32,), (32, 1), metrics.BinaryAccuracy),
    ((32,), (32, 10), metrics.SparseCategoricalAccuracy),
    ((32, 1), (32, 10), metrics.SparseCategoricalAccuracy),
    ((32, 10), (32, 10), metrics.CategoricalAccuracy),
    ((4, 7), (4, 7, 5), metrics.SparseCategoricalAccuracy),
])
@pytest.mark.parametrize("name", ["accuracy", "acc", "Accuracy"])
def test_resolve_accuracy_keras_rule_keeps_display_name(y_true, y_pred, cls, name):
    m = metrics.resolve_accuracy(name, y_true, y_pred)
    assert type(m) is cls and m.name == name
    m = metrics.get_metric(name, torch.zeros(y_true), torch.zeros(y_pred))
    assert type(m) is cls and m.name == name


def test_resolve_accuracy_rejects_other_names():
    with pytest.raises(ValueError, match="'accuracy' and 'acc' only.*identifier='auc'"):
        metrics.resolve_accuracy("auc", (2,), (2, 3))


def test_get_metric_names_and_wraps():
    assert metrics.get_metric("mse", (4, 1), (4, 1)).name == "mse"
    auc = metrics.get_metric("auc", (4, 1), (4, 1))
    assert isinstance(auc, metrics.AUC) and auc.name == "auc"
    huber = metrics.get_metric("huber", (4, 1), (4, 1))
    assert isinstance(huber, metrics.MeanMetricWrapper) and huber.name == "huber"
    fn_metric = metrics.get_metric(losses.mean_absolute_error, (4, 1), (4, 1))
    assert fn_metric.name == "mean_absolute_error"
    loss_metric = metrics.get_metric(losses.Huber(), (4, 1), (4, 1))
    assert isinstance(loss_metric, metrics.MeanMetricWrapper) and loss_metric.name == "huber_loss"
    custom = metrics.Precision(name="prec")
    assert metrics.get_metric(custom, (4, 1), (4, 1)) is custom and custom.name == "prec"
    assert metrics.get_metric(None, (4, 1), (4, 1)) is None
    # Losses used as metrics: the values are the loss averaged over samples.
    m = metrics.get_metric("mean_squared_logarithmic_error", (2, 1), (2, 1))
    m.update_state(torch.zeros(2, 1), torch.tensor([[1.0], [0.0]]))
    assert float(m.result()) == pytest.approx(float(torch.log(torch.tensor(2.0)) ** 2 / 2), rel=1e-6)
    assert metrics.is_binary_or_sparse_categorical((8,), (8, 3)) == (False, True)


def test_every_keras_metric_case_has_a_parametrized_test():
    from . import test_accuracy
    from _training_refs import cases

    covered = set(test_accuracy.ACCURACY) | {"AUC", "Precision", "Recall"} | {
        "MeanAbsoluteError", "MeanSquaredError", "RootMeanSquaredError"}
    assert {c["class"] for c in cases("metric")} <= covered
    assert len(cases("metric")) == 12
