"""Mean / Sum / MeanMetricWrapper and the Metric state contract (devices, no sync)."""

import numpy as np
import pytest
import torch

import lamina.losses as losses
import lamina.metrics as metrics


def test_mean_and_sum_keras_examples():
    m = metrics.Mean()
    m.update_state([1, 3, 5, 7])
    assert float(m.result()) == 4.0
    m.reset_state()
    m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert float(m.result()) == 2.0
    s = metrics.Sum()
    s.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert float(s.result()) == 4.0


def test_mean_of_scalars_and_rank_two_weights():
    m = metrics.Mean()
    m.update_state(torch.tensor(2.0), sample_weight=3)
    m.update_state(torch.tensor(4.0))
    assert float(m.result()) == pytest.approx((2 * 3 + 4) / 4)
    m = metrics.Mean()
    values = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    m.update_state(values, sample_weight=torch.tensor([[1.0, 0.0], [1.0, 1.0]]))
    # Per-sample means of weighted values / per-sample mean weights.
    assert float(m.result()) == pytest.approx((0.5 + 3.5) / (0.5 + 1.0))
    assert float(metrics.Mean().result()) == 0.0  # divide_no_nan before any update


def test_mean_metric_wrapper_with_loss_function_and_loss_instance():
    wrapper = metrics.MeanMetricWrapper(losses.mean_squared_error, name="mse")
    wrapper.update_state([[0.0, 1.0]], [[1.0, 1.0]])
    assert float(wrapper.result()) == 0.5 and wrapper.name == "mse"
    huber = metrics.MeanMetricWrapper(losses.huber, delta=0.5)
    assert huber.name == "mean_metric_wrapper"
    huber.update_state(torch.zeros(2, 1), torch.tensor([[2.0], [0.2]]))
    assert float(huber.result()) == pytest.approx((0.5 * (2 - 0.25) + 0.5 * 0.04) / 2)
    config = huber.get_config()
    assert config["fn"]["config"] == "huber" and config["delta"] == 0.5
    clone = metrics.MeanMetricWrapper.from_config(config)
    clone.update_state(torch.zeros(2, 1), torch.tensor([[2.0], [0.2]]))
    assert float(clone.result()) == pytest.approx(float(huber.result()))
    # A Loss instance returns one reduced value per batch: each batch counts once.
    per_batch = metrics.MeanMetricWrapper(losses.MeanAbsoluteError())
    per_batch.update_state(torch.zeros(2, 1), torch.tensor([[1.0], [3.0]]))
    per_batch.update_state(torch.zeros(1, 1), torch.tensor([[6.0]]))
    assert float(per_batch.result()) == pytest.approx(4.0)
    with pytest.raises(ValueError, match="`fn` of MeanMetricWrapper must be a callable"):
        metrics.MeanMetricWrapper("mse")


def test_prediction_mask_excludes_entries():
    y_pred = torch.tensor([[1.0], [0.0], [1.0]])
    y_pred._keras_mask = torch.tensor([True, True, False])
    m = metrics.BinaryAccuracy()
    m.update_state(torch.tensor([[1.0], [1.0], [0.0]]), y_pred)
    assert float(m.result()) == 0.5


def test_variables_are_sum_reducible_and_keep_identity():
    m = metrics.AUC(num_thresholds=5)
    names = m.variable_names
    assert names == ["true_positives", "false_positives", "true_negatives", "false_negatives"]
    before = m.variables
    # Summing the state of two replicas equals one metric over both halves.
    a, b, both = metrics.AUC(num_thresholds=5), metrics.AUC(num_thresholds=5), metrics.AUC(num_thresholds=5)
    y, p = torch.tensor([0, 1, 1, 0, 1, 0]), torch.tensor([0.1, 0.8, 0.4, 0.6, 0.9, 0.3])
    a.update_state(y[:3], p[:3])
    b.update_state(y[3:], p[3:])
    both.update_state(y, p)
    for va, vb in zip(a.variables, b.variables):
        va.add_(vb)  # what an all_reduce(SUM) does in place
    assert float(a.result()) == pytest.approx(float(both.result()))
    m.update_state(y, p)
    assert all(x is y_ for x, y_ in zip(before, m.variables))
    m.reset_state()
    assert all(float(v.abs().sum()) == 0.0 for v in m.variables)


ALL_UPDATES = [
    (metrics.Mean, ("values",)), (metrics.Sum, ("values",)),
    (metrics.SparseCategoricalAccuracy, ("ids", "scores")), (metrics.CategoricalAccuracy, ("onehot", "scores")),
    (metrics.SparseTopKCategoricalAccuracy, ("ids", "scores")), (metrics.TopKCategoricalAccuracy, ("onehot", "scores")),
    (metrics.BinaryAccuracy, ("binary", "scores")), (metrics.Accuracy, ("binary", "scores")),
    (metrics.AUC, ("binary", "scores")), (lambda: metrics.AUC(curve="PR"), ("binary", "scores")),
    (lambda: metrics.AUC(multi_label=True), ("binary", "scores")),
    (lambda: metrics.AUC(thresholds=[0.3, 0.4]), ("binary", "scores")),
    (metrics.Precision, ("binary", "scores")), (lambda: metrics.Recall(top_k=2), ("binary", "scores")),
    (lambda: metrics.Precision(class_id=1, thresholds=[0.0, 0.5, 1.0]), ("binary", "scores")),
    (metrics.TruePositives, ("binary", "scores")), (metrics.MeanSquaredError, ("scores", "scores")),
    (metrics.RootMeanSquaredError, ("scores", "scores")), (metrics.CosineSimilarity, ("scores", "scores")),
    (metrics.SparseCategoricalCrossentropy, ("ids", "scores")), (metrics.Hinge, ("binary", "scores")),
]


@pytest.mark.parametrize("factory, kinds", ALL_UPDATES, ids=lambda v: getattr(v, "__name__", "metric"))
def test_state_follows_the_data_device_without_host_sync(factory, kinds):
    # The "meta" device refuses every host read (`.item()`, `bool(tensor)`, ...):
    # updating and reading a metric there proves neither synchronizes.
    data = {
        "values": torch.rand(8, device="meta"), "scores": torch.rand(8, 4, device="meta"),
        "ids": torch.randint(0, 4, (8,), device="meta"), "binary": torch.rand(8, 4, device="meta"),
        "onehot": torch.rand(8, 4, device="meta"),
    }
    m = factory()
    m.update_state(*(data[k] for k in kinds), sample_weight=torch.rand(8, device="meta"))
    assert m.result().device.type == "meta"
    assert all(v.device.type == "meta" for v in m.variables)


def test_to_moves_state_and_auto_names():
    m = metrics.Mean().to("meta")
    assert all(v.device.type == "meta" for v in m.variables)
    metrics.reset_name_counters()
    assert [metrics.AUC().name, metrics.AUC().name, metrics.Precision().name] == ["auc", "auc_1", "precision"]
    with pytest.raises(ValueError, match="argument `aggregation`"):
        metrics.Mean().add_variable((), "zeros", aggregation="max")


def test_custom_metric_subclass():
    class Maximum(metrics.Metric):
        def __init__(self, name="maximum"):
            super().__init__(name=name)
            self.best = self.add_variable((), initializer=-1e9, name="best")

        def update_state(self, values):
            values = self._prepare(values)
            torch.maximum(self.best, values.max().to(self.best.dtype), out=self.best)

        def result(self):
            return self.best.clone()

    m = Maximum()
    m.update_state(np.array([1.0, 5.0]))
    assert float(m(torch.tensor([3.0]))) == 5.0
    assert m.get_config() == {"name": "maximum", "dtype": "float32"}
