"""ImageNet helpers shared by the application families: `preprocess_input`, `decode_predictions`.

`preprocess_input(x, mode=...)` implements the three input conventions of Keras's pretrained
weights: `"caffe"` (RGB->BGR, minus the ImageNet mean pixel, no scaling), `"tf"` (scaled to
[-1, 1]) and `"torch"` (scaled to [0, 1], then standardised per channel). NumPy arrays come back
as NumPy arrays (float arrays are changed in place, as Keras does), torch tensors as new tensors.

`decode_predictions` reads Keras's `imagenet_class_index.json` from Keras's cache folder; nothing
is downloaded.
"""

import json
import os

import numpy as np
import torch

from lamina.applications import _weights

__all__ = ["preprocess_input", "decode_predictions"]

_MODES = ("caffe", "tf", "torch")
_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
_TORCH_MEAN = (0.485, 0.456, 0.406)
_TORCH_STD = (0.229, 0.224, 0.225)

CLASS_INDEX_FILE = "imagenet_class_index.json"
CLASS_INDEX_URL = "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"
_class_index = None


def preprocess_input(x, data_format=None, mode="caffe"):
    """Preprocesses a batch of images (NumPy array or torch tensor) for an ImageNet model.

    Args:
        x: images with 3 colour channels, `(H, W, 3)` or `(N, H, W, 3)` in channels_last
            (`(3, H, W)` / `(N, 3, H, W)` with `data_format="channels_first"`), values in [0, 255].
        data_format: `"channels_last"` (the default, `None`) or `"channels_first"`.
        mode: `"caffe"` (RGB->BGR then minus the mean pixel), `"tf"` (to [-1, 1]) or
            `"torch"` (to [0, 1], then per-channel ImageNet mean/std).

    Returns:
        The preprocessed images, same type and shape; integer NumPy input becomes float32.

    Example:
        >>> preprocess_input(np.full((1, 2, 2, 3), 255.0), mode="tf")[0, 0, 0]
        array([1., 1., 1.])
    """
    if mode not in _MODES:
        raise ValueError(f"preprocess_input: expected `mode` to be one of `caffe`, `tf` or `torch`. "
                         f"Received: mode={mode!r}")
    data_format = _standardize_data_format(data_format, "preprocess_input")
    if isinstance(x, torch.Tensor):
        return _preprocess_tensor(x, data_format, mode)
    if not isinstance(x, np.ndarray):
        x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype("float32", copy=False)
    return _preprocess_numpy(x, data_format, mode)


def _standardize_data_format(data_format, where):
    if data_format is None:
        return "channels_last"
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"{where}: expected `data_format` to be one of `channels_first` or `channels_last`. "
                         f"Received: data_format={data_format!r}")
    return data_format


def _channel_axis(ndim, data_format):
    if data_format == "channels_last":
        return ndim - 1
    return 0 if ndim == 3 else 1


def _check_channels(shape, data_format):
    axis = _channel_axis(len(shape), data_format)
    if len(shape) < 3 or shape[axis] != 3:
        raise ValueError(f"preprocess_input: expected images with 3 colour channels on axis {axis} "
                         f"({data_format}), received an array of shape {tuple(shape)}.")
    return axis


def _broadcast_shape(ndim, axis):
    shape = [1] * ndim
    shape[axis] = 3
    return shape


def _preprocess_numpy(x, data_format, mode):
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    axis = _check_channels(x.shape, data_format)
    if mode == "torch":
        x /= 255.0
        mean, std = _TORCH_MEAN, _TORCH_STD
    else:
        x = np.flip(x, axis=axis)  # RGB -> BGR (a view, as Keras's x[..., ::-1])
        mean, std = _CAFFE_MEAN_BGR, None
    x -= np.asarray(mean, dtype=x.dtype).reshape(_broadcast_shape(x.ndim, axis))
    if std is not None:
        x /= np.asarray(std, dtype=x.dtype).reshape(_broadcast_shape(x.ndim, axis))
    return x


def _preprocess_tensor(x, data_format, mode):
    if not torch.is_floating_point(x):
        x = x.to(torch.float32)
    if mode == "tf":
        return x / 127.5 - 1.0
    axis = _check_channels(x.shape, data_format)
    if mode == "torch":
        x = x / 255.0
        mean, std = _TORCH_MEAN, _TORCH_STD
    else:
        x = torch.flip(x, dims=(axis,))
        mean, std = _CAFFE_MEAN_BGR, None
    shape = _broadcast_shape(x.ndim, axis)
    x = x - torch.tensor(mean, dtype=x.dtype, device=x.device).reshape(shape)
    if std is not None:
        x = x / torch.tensor(std, dtype=x.dtype, device=x.device).reshape(shape)
    return x


def decode_predictions(preds, top=5):
    """Turns ImageNet class scores into `(class_name, description, score)` tuples, best first.

    Reads `imagenet_class_index.json` from Keras's cache (`$KERAS_HOME/models/` or
    `~/.keras/models/`); raises `FileNotFoundError` saying where to put it when absent.

    Args:
        preds: scores of shape `(samples, 1000)` (NumPy array or torch tensor).
        top: how many classes to return per sample (default 5).

    Returns:
        One list of `top` tuples per sample.

    Example:
        >>> decode_predictions(model.predict(images), top=3)[0]
        [('n02123045', 'tabby', 0.61), ...]
    """
    if isinstance(preds, torch.Tensor):
        preds = preds.detach().cpu().numpy()
    preds = np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError("`decode_predictions` expects a batch of predictions (i.e. a 2D array of shape "
                         f"(samples, 1000)). Received array with shape: {preds.shape}")
    index = _load_class_index()
    results = []
    for pred in preds:
        best = pred.argsort()[-top:][::-1]
        row = [tuple(index[str(i)]) + (pred[i],) for i in best]
        row.sort(key=lambda item: item[2], reverse=True)
        results.append(row)
    return results


def _load_class_index():
    global _class_index
    if _class_index is None:
        path = _weights.cached_file(CLASS_INDEX_FILE, CLASS_INDEX_URL, what="decode_predictions needs the ImageNet class index")
        try:
            with open(path) as handle:
                index = json.load(handle)
        except (OSError, ValueError) as error:
            raise ValueError(f"decode_predictions: could not read the class index {path!r}: {error}. "
                             f"Replace it with the file from {CLASS_INDEX_URL}.") from error
        if not isinstance(index, dict) or "999" not in index:
            raise ValueError(f"decode_predictions: {path!r} is not ImageNet's class index (expected a JSON "
                             f"object with keys '0'..'999'). Replace it with the file from {CLASS_INDEX_URL}.")
        _class_index = index
    return _class_index


def obtain_input_shape(input_shape, default_size, min_size, require_flatten, weights=None):
    """The model's input shape (channels_last), validated as Keras's applications validate it."""
    import warnings

    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        if input_shape[-1] not in {1, 3}:
            warnings.warn("This model usually expects 1 or 3 input channels. However, it was passed an "
                          f"input_shape with {input_shape[-1]} input channels.", stacklevel=3)
        default_shape = (default_size, default_size, input_shape[-1])
    else:
        default_shape = (default_size, default_size, 3)
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and tuple(input_shape) != default_shape:
            raise ValueError("When setting `include_top=True` and loading `imagenet` weights, `input_shape` "
                             f"should be {default_shape}.  Received: input_shape={input_shape}")
        return default_shape
    if input_shape:
        input_shape = tuple(input_shape)
        if len(input_shape) != 3:
            raise ValueError("`input_shape` must be a tuple of three integers. "
                             f"Received: input_shape={input_shape}")
        if input_shape[-1] != 3 and weights == "imagenet":
            raise ValueError(f"The input must have 3 channels; Received `input_shape={input_shape}`")
        if ((input_shape[0] is not None and input_shape[0] < min_size)
                or (input_shape[1] is not None and input_shape[1] < min_size)):
            raise ValueError(f"Input size must be at least {min_size}x{min_size}; Received: "
                             f"input_shape={input_shape}")
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError("If `include_top` is True, you should specify a static `input_shape`. "
                         f"Received: input_shape={input_shape}")
    return input_shape


def correct_pad(inputs, kernel_size):
    """Zero-padding `((top, bottom), (left, right))` that makes a stride-2 'valid' conv act as TF 'same'."""
    size = inputs.shape[1:3]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if size[0] is None else (1 - size[0] % 2, 1 - size[1] % 2)
    correct = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1]))
