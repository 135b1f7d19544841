"""`keras.ops.image` on PyTorch: colour spaces, resizing, geometric transforms, patches,
padding/cropping and filters (one module per family)."""

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
