"""Block rearrangements of `keras.ops.nn`: `unfold`/`fold` (im2col/col2im) and
`depth_to_space`/`space_to_depth`."""

import torch.nn.functional as F

from lamina.ops._args import check_rank, int_tuple, standardize_data_format
from lamina.ops._dtypes import convert_to_tensor
from lamina.ops._op import keras_op

__all__ = ["unfold", "fold", "depth_to_space", "space_to_depth"]


@keras_op("Unfold", config=("kernel_size", "dilation", "padding", "stride"), module="nn")
def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding local blocks of a channels_first image batch, as columns (im2col)
    (torch `F.unfold`).

    Args:
        x: Tensor of shape `(N, C, H, W)`.
        kernel_size: Int or pair, the block size.
        dilation: Int or pair.
        padding: Int or pair of zero padding on both sides.
        stride: Int or pair.

    Returns:
        Tensor of shape `(N, C * kh * kw, L)`, `L` the number of blocks.

    Example:
        >>> unfold(torch.ones(1, 2, 3, 3), 2).shape
        torch.Size([1, 8, 4])
    """
    x = convert_to_tensor(x)
    check_rank(x, 4, "x", "unfold", "It takes channels_first images (N, C, H, W).")
    return F.unfold(x, int_tuple(kernel_size, 2, "kernel_size", "unfold"),
                    int_tuple(dilation, 2, "dilation", "unfold"),
                    int_tuple(padding, 2, "padding", "unfold", allow_zero=True),
                    int_tuple(stride, 2, "stride", "unfold"))


@keras_op("Fold", config=("output_size", "kernel_size", "dilation", "padding", "stride"),
          module="nn")
def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sums columns of sliding blocks back into an image (col2im), the adjoint of `unfold`
    (torch `F.fold`).

    Args:
        x: Tensor of shape `(N, C * kh * kw, L)`.
        output_size: Int or pair, the image size `(H, W)`.
        kernel_size, dilation, padding, stride: As in `unfold`.

    Returns:
        Tensor of shape `(N, C, H, W)`.

    Example:
        >>> fold(torch.ones(1, 8, 4), 3, 2)[0, 0]
        tensor([[1., 2., 1.],
                [2., 4., 2.],
                [1., 2., 1.]])
    """
    x = convert_to_tensor(x)
    check_rank(x, 3, "x", "fold", "It takes columns (N, C * kh * kw, L) as `unfold` returns.")
    return F.fold(x, int_tuple(output_size, 2, "output_size", "fold"),
                  int_tuple(kernel_size, 2, "kernel_size", "fold"),
                  int_tuple(dilation, 2, "dilation", "fold"),
                  int_tuple(padding, 2, "padding", "fold", allow_zero=True),
                  int_tuple(stride, 2, "stride", "fold"))


def _block(op, block_size):
    if not isinstance(block_size, int) or isinstance(block_size, bool) or block_size < 2:
        raise ValueError(f"{op}: `block_size` must be an int >= 2, received {block_size!r}.")
    return block_size


@keras_op("DepthToSpace", config=("block_size", "data_format"), module="nn")
def depth_to_space(x, block_size, data_format="channels_last"):
    """Moves channel blocks into `block_size x block_size` spatial blocks (`tf.nn.depth_to_space`;
    torch `F.pixel_shuffle` for channels_first).

    Args:
        x: Tensor of shape `(N, H, W, C)` (or `(N, C, H, W)`), `C` divisible by `block_size**2`.
        block_size: Int >= 2.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        Tensor of shape `(N, H * b, W * b, C / b**2)` (or channels_first).

    Example:
        >>> depth_to_space(torch.arange(4.0).reshape(1, 1, 1, 4), 2)[0, :, :, 0]
        tensor([[0., 1.],
                [2., 3.]])
    """
    x = convert_to_tensor(x)
    b = _block("depth_to_space", block_size)
    check_rank(x, 4, "x", "depth_to_space")
    data_format = standardize_data_format(data_format, "depth_to_space")
    channels = x.shape[-1] if data_format == "channels_last" else x.shape[1]
    if channels % (b * b):
        raise ValueError(
            f"depth_to_space: the channels ({channels}) must be divisible by block_size**2 "
            f"({b * b}), received x.shape={tuple(x.shape)}."
        )
    if data_format == "channels_first":
        return F.pixel_shuffle(x, b)
    n, h, w, c = x.shape
    x = x.reshape(n, h, w, b, b, c // (b * b)).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(n, h * b, w * b, c // (b * b))


@keras_op("SpaceToDepth", config=("block_size", "data_format"), module="nn")
def space_to_depth(x, block_size, data_format="channels_last"):
    """Moves `block_size x block_size` spatial blocks into channels, the inverse of
    `depth_to_space` (`tf.nn.space_to_depth`; torch `F.pixel_unshuffle` for channels_first).

    Args:
        x: Tensor of shape `(N, H, W, C)` (or `(N, C, H, W)`), `H` and `W` divisible by
            `block_size`.
        block_size: Int >= 2.
        data_format: `"channels_last"` or `"channels_first"`.

    Example:
        >>> space_to_depth(torch.arange(4.0).reshape(1, 2, 2, 1), 2).flatten()
        tensor([0., 1., 2., 3.])
    """
    x = convert_to_tensor(x)
    b = _block("space_to_depth", block_size)
    check_rank(x, 4, "x", "space_to_depth")
    data_format = standardize_data_format(data_format, "space_to_depth")
    h, w = (x.shape[1], x.shape[2]) if data_format == "channels_last" else (x.shape[2], x.shape[3])
    if h % b or w % b:
        raise ValueError(
            f"space_to_depth: the spatial size ({h}, {w}) must be divisible by block_size={b}, "
            f"received x.shape={tuple(x.shape)}."
        )
    if data_format == "channels_first":
        return F.pixel_unshuffle(x, b)
    n, _, _, c = x.shape
    x = x.reshape(n, h // b, b, w // b, b, c).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(n, h // b, w // b, c * b * b)
