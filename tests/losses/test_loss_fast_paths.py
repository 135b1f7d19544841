"""The per-step shortcuts of `Loss.__call__` give the values of the general path."""

import numpy as np
import torch

from lamina.losses import SparseCategoricalCrossentropy, get
from lamina.losses.loss import LossFunctionWrapper


def _probabilities_with_logits(seed=0):
    gen = torch.Generator().manual_seed(seed)
    logits = torch.randn(16, 5, generator=gen)
    probs = torch.softmax(logits, -1)
    probs._keras_logits = logits
    probs._keras_activation = "softmax"
    return probs, torch.randint(0, 5, (16,), generator=gen)


def test_fused_mean_matches_per_sample_mean():
    probs, labels = _probabilities_with_logits()
    fused = SparseCategoricalCrossentropy()(labels, probs)
    per_sample = get("sparse_categorical_crossentropy")(labels, probs)
    np.testing.assert_allclose(fused.numpy(), per_sample.mean().numpy(), rtol=1e-6)
    ones = SparseCategoricalCrossentropy()(labels, probs, sample_weight=torch.ones(16))
    np.testing.assert_allclose(fused.numpy(), ones.numpy(), rtol=1e-6)


def test_fused_mean_without_logits_and_with_ignore_class():
    probs, labels = _probabilities_with_logits(1)
    plain = probs.detach().clone()  # no attached logits: the clipped-probability formula
    expected = get("sparse_categorical_crossentropy")(labels, plain).mean()
    np.testing.assert_allclose(SparseCategoricalCrossentropy()(labels, plain).numpy(), expected.numpy(), rtol=1e-6)
    labels[:4] = 3
    masked = SparseCategoricalCrossentropy(ignore_class=3)(labels, plain)
    values = get("sparse_categorical_crossentropy")(labels, plain)
    keep = labels != 3
    np.testing.assert_allclose(masked.numpy(), (values[keep].sum() / keep.sum()).numpy(), rtol=1e-6)


def test_wrapped_sparse_function_keeps_integer_labels_and_rank():
    probs, labels = _probabilities_with_logits(2)
    wrapper = LossFunctionWrapper(get("sparse_categorical_crossentropy"), name="scce")
    assert wrapper._keeps_integer_labels
    np.testing.assert_allclose(wrapper(labels, probs).numpy(),
                               wrapper(labels.float().unsqueeze(-1), probs).numpy(), rtol=1e-6)
