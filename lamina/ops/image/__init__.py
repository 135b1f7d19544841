"""`keras.ops.image` on PyTorch: colour spaces, resizing, geometric transforms, patches,
padding/cropping and filters (one module per family).

Values follow Keras 3.15 on JAX (TensorFlow agrees), checked case by case in
tests/ops/test_image.py. Where Keras 3.15 itself is inconsistent, lamina does what Keras documents:
- `resize(interpolation="bicubic")` uses the Keys kernel with a = -0.5 (JAX, TensorFlow); Keras's
  torch backend uses torch's a = -0.75. `"lanczos3"`/`"lanczos5"` work (Keras's torch backend
  refuses them).
- `affine_transform` with projective terms `c0, c1 != 0` divides by `c0 x + c1 y + 1` as its
  docstring says; Keras 3.15 adds `c0, c1` times the channel index instead.
- `gaussian_blur` on channels_last images and with non-square kernels is the separable Gaussian;
  Keras 3.15's JAX result there does not sum to 1.
- `elastic_transform(seed=int)` is repeatable (its own `torch.Generator`); the values are not
  Keras's (a different random stream).
"""

from lamina.ops.image.color import hsv_to_rgb, rgb_to_grayscale, rgb_to_hsv
from lamina.ops.image.filters import gaussian_blur, sobel_edges, ssim
from lamina.ops.image.patches import crop_images, extract_patches, extract_patches_3d, pad_images
from lamina.ops.image.resize import resize, scale_and_translate
from lamina.ops.image.transforms import (
    affine_transform,
    elastic_transform,
    map_coordinates,
    perspective_transform,
)

__all__ = [
    "affine_transform",
    "crop_images",
    "elastic_transform",
    "extract_patches",
    "extract_patches_3d",
    "gaussian_blur",
    "hsv_to_rgb",
    "map_coordinates",
    "pad_images",
    "perspective_transform",
    "resize",
    "rgb_to_grayscale",
    "rgb_to_hsv",
    "scale_and_translate",
    "sobel_edges",
    "ssim",
]
