"""`keras.ops.nn` on PyTorch: activations, convolutions, pooling, normalization, losses,
encodings, attention, CTC and block rearrangements (one module per family).

Where lamina differs from Keras 3.15 (each asserted by a test in tests/ops/test_nn.py):
- `sparsemax` is the Euclidean projection onto the simplex, rows summing to 1; Keras 3.15's rows
  do not sum to 1.
- `moments(synchronized=True)` pools the statistics over `torch.distributed` processes; Keras's
  torch backend refuses it.
- `ctc_decode(strategy="beam_search")` is a prefix beam search stepped in Python on the CPU
  (sequential by nature); it matches Keras's paths and scores on the tested cases.
- `dot_product_attention` with both `bias` and `is_causal=True` adds the causal mask to the bias.
"""

from lamina.ops.nn.activations import *  # noqa: F401,F403
from lamina.ops.nn.activations import __all__ as _activations
from lamina.ops.nn.attention import dot_product_attention
from lamina.ops.nn.conv import conv, conv_transpose, depthwise_conv, separable_conv
from lamina.ops.nn.ctc import ctc_decode, ctc_loss
from lamina.ops.nn.layout import depth_to_space, fold, space_to_depth, unfold
from lamina.ops.nn.losses import (
    binary_crossentropy,
    categorical_crossentropy,
    multi_hot,
    one_hot,
    polar,
    psnr,
    sparse_categorical_crossentropy,
)
from lamina.ops.nn.normalization import (
    batch_normalization,
    layer_normalization,
    moments,
    normalize,
    rms_normalization,
)
from lamina.ops.nn.pooling import adaptive_average_pool, adaptive_max_pool, average_pool, max_pool

__all__ = list(_activations) + [
    "dot_product_attention",
    "conv",
    "conv_transpose",
    "depthwise_conv",
    "separable_conv",
    "ctc_decode",
    "ctc_loss",
    "depth_to_space",
    "fold",
    "space_to_depth",
    "unfold",
    "binary_crossentropy",
    "categorical_crossentropy",
    "multi_hot",
    "one_hot",
    "polar",
    "psnr",
    "sparse_categorical_crossentropy",
    "batch_normalization",
    "layer_normalization",
    "moments",
    "normalize",
    "rms_normalization",
    "adaptive_average_pool",
    "adaptive_max_pool",
    "average_pool",
    "max_pool",
]
