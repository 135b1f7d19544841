"""Filtering ops of `keras.ops.image`: `gaussian_blur`, `sobel_edges`, `ssim` (depthwise
`F.conv2d` with TensorFlow's "SAME" padding where Keras pads)."""

import torch
import torch.nn.functional as F

from lamina.layers._conv_args import same_pads
from lamina.ops._args import int_tuple
from lamina.ops._dtypes import convert_to_tensor
from lamina.ops._op import keras_op
from lamina.ops.image._common import as_image_batch, restore_layout

__all__ = ["gaussian_blur", "sobel_edges", "ssim"]


def _gaussian_1d(size, sigma, dtype, device):
    x = torch.arange(size, dtype=dtype, device=device) - (size - 1) / 2
    kernel = torch.exp(-0.5 * (x / sigma) ** 2)
    return kernel / kernel.sum()


def _depthwise_same(nchw, kernel):
    """Depthwise conv of `(N, C, H, W)` with one `(kh, kw)` kernel, TF "SAME" zero padding."""
    kh, kw = kernel.shape
    channels = nchw.shape[1]
    (top, bottom), (left, right) = same_pads(nchw.shape[2], kh, 1, 1), same_pads(nchw.shape[3], kw, 1, 1)
    padded = F.pad(nchw, (left, right, top, bottom))
    weight = kernel.to(nchw.dtype).expand(channels, 1, kh, kw)
    return F.conv2d(padded, weight, groups=channels)


def _float(batch):
    return batch if batch.is_floating_point() else batch.to(torch.float32)


@keras_op("GaussianBlur", config=("kernel_size", "sigma", "data_format"), module="image")
def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Gaussian blur per channel with "SAME" zero padding (`tfa.image.gaussian_filter2d`;
    torch depthwise `F.conv2d`).

    Args:
        images: Image `(H, W, C)` or batch `(N, H, W, C)` (or channels_first).
        kernel_size: `(size_x, size_y)`: the kernel's width, then its height (Keras's order).
        sigma: `(sigma_x, sigma_y)`, the standard deviations along width and height.
        data_format: `"channels_last"` or `"channels_first"`; default the global image format.

    Example:
        >>> gaussian_blur(torch.ones(1, 5, 5, 1))[0, 2, 2, 0]
        tensor(1.)
    """
    batch, layout = as_image_batch("gaussian_blur", images, data_format)
    size_x, size_y = int_tuple(tuple(kernel_size) if isinstance(kernel_size, (list, tuple))
                               else kernel_size, 2, "kernel_size", "gaussian_blur")
    sigma = convert_to_tensor(sigma, device=batch.device).reshape(-1)
    if sigma.numel() == 1:
        sigma = sigma.expand(2)
    if sigma.numel() != 2:
        raise ValueError(f"gaussian_blur: `sigma` must be a number or a pair, received {sigma.tolist()}.")
    x = _float(batch)
    kernel = torch.outer(_gaussian_1d(size_y, sigma[1].to(x.dtype), x.dtype, x.device),
                         _gaussian_1d(size_x, sigma[0].to(x.dtype), x.dtype, x.device))
    out = _depthwise_same(x.permute(0, 3, 1, 2), kernel).permute(0, 2, 3, 1)
    return restore_layout(out.to(batch.dtype) if batch.is_floating_point() else out, layout)


@keras_op("SobelEdges", config=("data_format",), module="image")
def sobel_edges(images, data_format=None):
    """Sobel gradients per channel, `(dy, dx)` stacked on a new last axis
    (`tf.image.sobel_edges`; torch depthwise `F.conv2d`, "SAME" zero padding).

    Args:
        images: Batch `(N, H, W, C)` (or channels_first).
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        `(N, H, W, C, 2)` (channels_first: `(N, C, H, W, 2)`).

    Example:
        >>> sobel_edges(torch.ones(1, 4, 4, 1)).shape
        torch.Size([1, 4, 4, 1, 2])
    """
    batch, layout = as_image_batch("sobel_edges", images, data_format)
    x = _float(batch).permute(0, 3, 1, 2)
    sobel_x = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]],
                           dtype=x.dtype, device=x.device)
    edges = torch.stack([_depthwise_same(x, sobel_x.T), _depthwise_same(x, sobel_x)], dim=-1)
    unbatched, data_format = layout
    if data_format == "channels_last":
        edges = edges.permute(0, 2, 3, 1, 4)
    return edges.squeeze(0) if unbatched else edges


@keras_op("SSIM", config=("max_val", "filter_size", "filter_sigma", "k1", "k2", "data_format"),
          module="image")
def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         data_format=None):
    """Structural similarity per image, averaged over channels (`tf.image.ssim`; torch
    depthwise `F.conv2d` with a "valid" Gaussian window).

    Args:
        image1, image2: Images or batches of the same shape.
        max_val: Dynamic range of the pixel values.
        filter_size: Size of the Gaussian window.
        filter_sigma: Its standard deviation.
        k1, k2: The SSIM stability constants.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        `(N,)` (a scalar for single images).

    Example:
        >>> x = torch.rand(1, 16, 16, 3)
        >>> float(ssim(x, x))
        1.0
    """
    a, layout = as_image_batch("ssim", image1, data_format, "image1")
    b, _ = as_image_batch("ssim", image2, data_format, "image2")
    if a.shape != b.shape:
        raise ValueError(
            f"ssim: `image1` and `image2` must have the same shape, received {tuple(a.shape)} and "
            f"{tuple(b.shape)} (channels-last)."
        )
    if a.shape[1] < filter_size or a.shape[2] < filter_size:
        raise ValueError(
            f"ssim: the images ({a.shape[1]}x{a.shape[2]}) are smaller than the filter "
            f"(filter_size={filter_size})."
        )
    dtype = torch.promote_types(_float(a).dtype, _float(b).dtype)
    a = a.to(dtype).permute(0, 3, 1, 2)
    b = b.to(dtype).permute(0, 3, 1, 2).to(a.device)
    g = _gaussian_1d(filter_size, filter_sigma, dtype, a.device)
    weight = torch.outer(g, g).expand(a.shape[1], 1, filter_size, filter_size)

    def blur(x):
        return F.conv2d(x, weight, groups=x.shape[1])

    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    mu1, mu2 = blur(a), blur(b)
    sigma1 = blur(a * a) - mu1 * mu1
    sigma2 = blur(b * b) - mu2 * mu2
    sigma12 = blur(a * b) - mu1 * mu2
    ssim_map = ((2 * mu1 * mu2 + c1) * (2 * sigma12 + c2)) / (
        (mu1 * mu1 + mu2 * mu2 + c1) * (sigma1 + sigma2 + c2))
    result = ssim_map.mean(dim=(1, 2, 3))
    unbatched, _ = layout
    result = result.squeeze(0) if unbatched else result
    original = convert_to_tensor(image1).dtype
    return result.to(original) if original.is_floating_point else result
