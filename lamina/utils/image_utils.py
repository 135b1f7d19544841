"""Image files <-> arrays with Pillow: `load_img`, `img_to_array`, `array_to_img`, `save_img`.

Keras's functions with Keras's arguments; arrays are NumPy (channels last unless `data_format` says
otherwise, following `keras.config.image_data_format()`).
"""

import io
import os
import pathlib

import numpy as np

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img", "PIL_INTERPOLATION_METHODS"]


def _pil():
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow is a lamina dependency
        raise ImportError("keras.utils image functions need Pillow: `pip install pillow`.") from None
    return Image


def _interpolations():
    Image = _pil()
    resampling = getattr(Image, "Resampling", Image)
    return {"nearest": resampling.NEAREST, "bilinear": resampling.BILINEAR, "bicubic": resampling.BICUBIC,
            "hamming": resampling.HAMMING, "box": resampling.BOX, "lanczos": resampling.LANCZOS}


PIL_INTERPOLATION_METHODS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def _data_format(data_format, function):
    if data_format is None:
        from lamina.backend.config import image_data_format

        data_format = image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"{function}: data_format must be 'channels_last' or 'channels_first'; received "
                         f"{data_format!r}.")
    return data_format


def _float_dtype(dtype):
    if dtype is None:
        from lamina.backend.dtypes import floatx

        dtype = floatx()
    return dtype


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A 3D array (height, width, channels) -> a PIL image.

    Args:
        x: array or tensor of rank 3 with 1 (grayscale), 3 (RGB) or 4 (RGBA) channels.
        data_format: `"channels_last"` or `"channels_first"` (default: `image_data_format()`).
        scale: rescale the values to 0..255 (min to 0, max to 255) first.
        dtype: the dtype the array is cast to first (default: floatx).

    Returns:
        A `PIL.Image.Image`.

    Example:
        >>> array_to_img(np.random.rand(8, 8, 3)).size
        (8, 8)
    """
    Image = _pil()
    data_format = _data_format(data_format, "array_to_img")
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    x = np.asarray(x, dtype=_float_dtype(dtype))
    if x.ndim != 3:
        raise ValueError(f"array_to_img: expected an image array of rank 3 (height, width, channels); received "
                         f"shape {x.shape}.")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x = x / x_max
        x = x * 255
    channels = x.shape[2]
    if channels == 4:
        return Image.fromarray(x.astype("uint8"), "RGBA")
    if channels == 3:
        return Image.fromarray(x.astype("uint8"), "RGB")
    if channels == 1:
        if np.max(x) > 255:  # 32-bit signed integer grayscale
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"array_to_img: unsupported channel count {channels}; expected 1, 3 or 4 (shape {x.shape}).")


def img_to_array(img, data_format=None, dtype=None):
    """A PIL image -> a 3D NumPy array (height, width, channels), float32 by default.

    Args:
        img: a `PIL.Image.Image`.
        data_format: `"channels_last"` or `"channels_first"` (default: `image_data_format()`).
        dtype: the array's dtype (default: floatx).

    Example:
        >>> img_to_array(array_to_img(np.zeros((4, 5, 3)))).shape
        (4, 5, 3)
    """
    data_format = _data_format(data_format, "img_to_array")
    x = np.asarray(img, dtype=_float_dtype(dtype))
    if x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    elif x.ndim == 2:
        x = x[np.newaxis] if data_format == "channels_first" else x[..., np.newaxis]
    else:
        raise ValueError(f"img_to_array: unsupported image shape {x.shape}; expected (h, w) or (h, w, c).")
    return x


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Saves an image array to `path` (format from the extension unless `file_format` is given).

    Args:
        path: a path or file object.
        x: a 3D array or tensor.
        data_format, scale: as in `array_to_img`.
        file_format: e.g. `"png"`, `"jpeg"`; `"jpg"` is accepted for JPEG.
        **kwargs: passed to `PIL.Image.Image.save`.

    Example:
        >>> save_img("out.png", np.random.rand(8, 8, 3))
    """
    data_format = _data_format(data_format, "save_img")
    img = array_to_img(x, data_format=data_format, scale=scale)
    if file_format is None and isinstance(path, (str, os.PathLike)):
        file_format = pathlib.Path(path).suffix[1:].lower() or None
    if file_format == "jpg":
        file_format = "jpeg"
    if img.mode == "RGBA" and file_format == "jpeg":
        import warnings

        warnings.warn("save_img: JPEG does not support an alpha channel; the image is saved as RGB.", stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest", keep_aspect_ratio=False):
    """Loads an image file into a PIL image.

    Args:
        path: a path (str or `pathlib.Path`) or a binary file object (`io.BytesIO`).
        color_mode: `"grayscale"`, `"rgb"` or `"rgba"`.
        target_size: `(height, width)` to resize to, or None for the file's size.
        interpolation: `"nearest"`, `"bilinear"`, `"bicubic"`, `"hamming"`, `"box"` or `"lanczos"`.
        keep_aspect_ratio: crop the centre to the target aspect ratio before resizing.

    Returns:
        A `PIL.Image.Image`.

    Example:
        >>> img_to_array(load_img("cat.png", target_size=(64, 64))).shape
        (64, 64, 3)
    """
    Image = _pil()
    if color_mode not in ("grayscale", "rgb", "rgba"):
        raise ValueError(f"load_img: color_mode must be 'grayscale', 'rgb' or 'rgba'; received {color_mode!r}.")
    if isinstance(path, io.BytesIO) or hasattr(path, "read"):
        source, name = path, "the given file object"
    elif isinstance(path, (str, pathlib.Path, os.PathLike)):
        source = name = os.fspath(path)
        if not os.path.isfile(source):
            raise FileNotFoundError(f"load_img: no image file at {source!r}.")
    else:
        raise TypeError(f"load_img: path should be a path (str or pathlib.Path) or a file object; received "
                        f"{type(path).__name__}.")
    try:
        with Image.open(source) as opened:
            img = opened.copy() if opened.mode not in ("P",) else opened.convert("RGBA")
            img.load()
    except Exception as error:  # Pillow raises several types for unreadable data
        raise ValueError(f"load_img: could not read an image from {name}: {error}") from error
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode == "rgba":
        if img.mode != "RGBA":
            img = img.convert("RGBA")
    elif img.mode != "RGB":
        img = img.convert("RGB")
    if target_size is not None:
        width_height = (target_size[1], target_size[0])
        if img.size != width_height:
            methods = _interpolations()
            if interpolation not in methods:
                raise ValueError(f"load_img: interpolation {interpolation!r} is not supported; expected one of "
                                 f"{', '.join(methods)}.")
            resample = methods[interpolation]
            if keep_aspect_ratio:
                width, height = img.size
                target_width, target_height = width_height
                crop_height = (width * target_height) // target_width
                crop_width = (height * target_width) // target_height
                crop_height = min(height, crop_height)
                crop_width = min(width, crop_width)
                left = (width - crop_width) // 2
                top = (height - crop_height) // 2
                img = img.crop((left, top, left + crop_width, top + crop_height))
            img = img.resize(width_height, resample)
    return img
