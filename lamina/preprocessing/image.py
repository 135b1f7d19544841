"""`keras.preprocessing.image`: the image file helpers of `lamina.utils`, and `smart_resize`."""

from lamina.utils import array_to_img, img_to_array, load_img, save_img

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img", "smart_resize"]


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last", **kwargs):
    """Resizes an image or a batch to `size` without distorting it: the largest centred window of
    the target aspect ratio is cut out, then resized (`ops.image.resize(crop_to_aspect_ratio=True)`).

    Args:
        x: an image `(H, W, C)` or a batch `(N, H, W, C)` (channels first with `data_format`), a
            tensor or NumPy array.
        size: `(height, width)`.
        interpolation: `"bilinear"` (default), `"nearest"`, `"bicubic"`, `"lanczos3"`, `"lanczos5"`,
            `"area"`.
        data_format: `"channels_last"` (default) or `"channels_first"`.
        **kwargs: Keras's `backend_module` is accepted and ignored (lamina has one backend).

    Returns:
        A float tensor of the target size.

    Example:
        >>> smart_resize(torch.rand(40, 20, 3), (10, 10)).shape
        torch.Size([10, 10, 3])
    """
    from lamina.ops.image import resize

    unknown = set(kwargs) - {"backend_module"}
    if unknown:
        raise TypeError(f"smart_resize() got unexpected keyword arguments {sorted(unknown)}.")
    size = tuple(size) if isinstance(size, (tuple, list)) else ()
    if len(size) != 2 or not all(isinstance(s, int) and s > 0 for s in size):
        raise ValueError(f"smart_resize: `size` must be (height, width) with positive ints; received {size!r}.")
    return resize(x, size, interpolation=interpolation, crop_to_aspect_ratio=True, data_format=data_format)
