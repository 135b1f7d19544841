"""`keras.ops.nn` on PyTorch: activations, convolutions, pooling, normalization, losses,
encodings, attention, CTC and block rearrangements (one module per family)."""

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
