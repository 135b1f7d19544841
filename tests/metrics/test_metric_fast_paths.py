"""The unweighted per-step path of `MeanMetricWrapper` accumulates what the general path does."""

import numpy as np
import torch

from lamina.metrics import MeanSquaredError, SparseCategoricalAccuracy


def test_sparse_accuracy_fast_path_matches_weighted_path():
    gen = torch.Generator().manual_seed(0)
    preds, labels = torch.randn(32, 7, generator=gen), torch.randint(0, 7, (32,), generator=gen)
    fast, general = SparseCategoricalAccuracy(), SparseCategoricalAccuracy()
    fast.to("cpu")
    for _ in range(3):
        fast.update_state(labels, preds)
        general.update_state(labels, preds, sample_weight=torch.ones(32))
    np.testing.assert_allclose(fast.result().numpy(), general.result().numpy())
    np.testing.assert_allclose(fast.count.numpy(), 96.0)


def test_sequence_labels_still_average_per_sample():
    gen = torch.Generator().manual_seed(1)
    preds, labels = torch.randn(4, 6, 3, generator=gen), torch.randint(0, 3, (4, 6), generator=gen)
    metric = SparseCategoricalAccuracy()
    metric.to("cpu")
    metric.update_state(labels, preds)
    expected = (labels == preds.argmax(-1)).float().mean()
    np.testing.assert_allclose(metric.result().numpy(), expected.numpy(), rtol=1e-6)
    np.testing.assert_allclose(metric.count.numpy(), 4.0)


def test_generic_function_fast_path():
    y, p = torch.zeros(8, 2), torch.ones(8, 2)
    metric = MeanSquaredError()
    metric.to("cpu")
    metric.update_state(y, p)
    np.testing.assert_allclose(metric.result().numpy(), 1.0)
