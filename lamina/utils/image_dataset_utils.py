"""`image_dataset_from_directory`: a folder of class sub-folders of images -> batches of torch tensors."""

import os

import numpy as np

from lamina.utils.batched_dataset import BatchedDataset
from lamina.utils.dataset_utils import (check_validation_split_arg, get_training_or_validation_split,
                                        index_directory, labels_to_targets)
from lamina.utils.timeseries_dataset_utils import check_format

__all__ = ["image_dataset_from_directory", "ALLOWLIST_FORMATS"]

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_FUNCTION = "image_dataset_from_directory"
_CHANNELS = {"rgb": 3, "rgba": 4, "grayscale": 1}


def _resize_to(img, image_size, interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio):
    """A float32 (h, w, c) array of `image_size`, cropped or padded to its aspect ratio as asked."""
    from lamina.utils.image_utils import _interpolations

    height, width = image_size
    if crop_to_aspect_ratio or pad_to_aspect_ratio:
        in_width, in_height = img.size
        if crop_to_aspect_ratio:
            crop_height = min(in_height, (in_width * height) // width)
            crop_width = min(in_width, (in_height * width) // height)
            top, left = (in_height - crop_height) // 2, (in_width - crop_width) // 2
            img = img.crop((left, top, left + crop_width, top + crop_height))
        else:
            pad_height = max(in_height, (in_width * height) // width)
            pad_width = max(in_width, (in_height * width) // height)
            from PIL import Image

            canvas = Image.new(img.mode, (pad_width, pad_height))
            canvas.paste(img, ((pad_width - in_width) // 2, (pad_height - in_height) // 2))
            img = canvas
    if img.size != (width, height):
        img = img.resize((width, height), _interpolations()[interpolation])
    array = np.asarray(img, dtype="float32")
    return array[..., None] if array.ndim == 2 else array


def image_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                 color_mode="rgb", batch_size=32, image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear", follow_links=False,
                                 crop_to_aspect_ratio=False, pad_to_aspect_ratio=False, data_format=None,
                                 format="tf", verbose=True):
    """Batches of images (float32, 0..255) and labels from a folder tree `directory/<class>/<image>`.

    Args:
        directory: the folder; with `labels="inferred"` each sub-folder is a class.
        labels: `"inferred"`, None (images only) or a list of integer labels, one per file in alphanumeric
            path order.
        label_mode: `"int"` (int32 `(batch,)`), `"categorical"` (float32 one-hot), `"binary"` (float32
            `(batch, 1)`, 2 classes) or None (no labels).
        class_names: the class folders to use, in the order of their label numbers.
        color_mode: `"grayscale"`, `"rgb"` or `"rgba"` (1, 3 or 4 channels).
        batch_size: images per batch; None yields single images.
        image_size: `(height, width)` every image is resized to; None keeps the file sizes (all images
            must then have one size, or batch_size must be None).
        shuffle, seed: shuffle the files (once, with `seed`) and the batches each epoch.
            The next batch's images are decoded in up to 4 threads while the model runs on the current one.
        validation_split, subset: a fraction kept for validation; subset `"training"`, `"validation"`
            or `"both"` (returns the pair).
        interpolation: the resize method (`"bilinear"`, `"nearest"`, `"bicubic"`, `"lanczos"`, ...).
        follow_links: follow symbolic links to folders.
        crop_to_aspect_ratio: crop the centre to `image_size`'s aspect ratio before resizing.
        pad_to_aspect_ratio: pad with black to `image_size`'s aspect ratio before resizing.
        data_format: `"channels_last"` or `"channels_first"` (default: `image_data_format()`).
        format: `"tf"` (Keras's default; also None): lamina returns a `BatchedDataset`, its iterable
            of torch-tensor batches with the `tf.data` methods keras.io programs call (map, take,
            skip, prefetch, cache). `"grain"` is refused.
        verbose: print how many files and classes were found.

    Returns:
        A `BatchedDataset` of `(images, labels)` torch batches with a `class_names` attribute (or a pair of
        them for `subset="both"`). Images are `(batch, height, width, channels)` float32.

    Example:
        >>> train, val = image_dataset_from_directory("photos", validation_split=0.2, subset="both",
        ...                                           seed=1, image_size=(180, 180))
        >>> model.fit(train, validation_data=val, epochs=10)
    """
    check_format(format, _FUNCTION)
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple, np.ndarray)):
        raise ValueError(f"{_FUNCTION}: `labels` must be 'inferred', None or a list of integer labels; received "
                         f"labels={labels!r}.")
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(f"{_FUNCTION}: label_mode must be 'int', 'categorical', 'binary' or None; received "
                         f"label_mode={label_mode!r}.")
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    if class_names is not None and labels != "inferred":
        raise ValueError(f"{_FUNCTION}: `class_names` is only used with labels='inferred'; received "
                         f"labels={labels!r}.")
    if color_mode not in _CHANNELS:
        raise ValueError(f"{_FUNCTION}: color_mode must be 'rgb', 'rgba' or 'grayscale'; received "
                         f"color_mode={color_mode!r}.")
    from lamina.utils.image_utils import PIL_INTERPOLATION_METHODS, _data_format

    if interpolation not in PIL_INTERPOLATION_METHODS:
        raise ValueError(f"{_FUNCTION}: interpolation must be one of {', '.join(PIL_INTERPOLATION_METHODS)}; "
                         f"received interpolation={interpolation!r}.")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(f"{_FUNCTION}: only one of crop_to_aspect_ratio and pad_to_aspect_ratio can be True.")
    data_format = _data_format(data_format, _FUNCTION)
    check_validation_split_arg(validation_split, subset, shuffle, seed, _FUNCTION)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, file_labels, class_names = index_directory(directory, labels, ALLOWLIST_FORMATS, class_names,
                                                      shuffle=shuffle, seed=seed, follow_links=follow_links,
                                                      function=_FUNCTION)
    if not paths:
        raise ValueError(f"{_FUNCTION}: no images found in directory {directory!r}. Allowed formats: "
                         f"{ALLOWLIST_FORMATS}.")
    num_classes = len(class_names) if class_names else 0
    if label_mode == "binary" and num_classes != 2:
        raise ValueError(f"{_FUNCTION}: label_mode='binary' needs exactly 2 classes; found {num_classes} "
                         f"({class_names}). Use label_mode='int' or 'categorical'.")
    if verbose:
        print(f"Found {len(paths)} files" + (f" belonging to {num_classes} classes." if labels is not None else "."))

    def build(subset_name):
        files, file_label_subset = get_training_or_validation_split(paths, file_labels, validation_split,
                                                                    subset_name)
        if verbose and validation_split:
            print(f"Using {len(files)} files for {subset_name}.")
        targets = (labels_to_targets(file_label_subset, label_mode, num_classes, _FUNCTION)
                   if label_mode is not None else None)

        def get_item(index):
            image = _load(files[index])
            return image if targets is None else (image, targets[index])

        return BatchedDataset(len(files), get_item, batch_size=batch_size, shuffle=shuffle, seed=seed,
                              class_names=class_names, workers=min(4, os.cpu_count() or 1))

    def _load(path):
        from lamina.utils.image_utils import load_img

        try:
            img = load_img(path, color_mode=color_mode)
        except ValueError as error:
            raise ValueError(f"{_FUNCTION}: could not decode image file {path!r}: {error.__cause__ or error}") \
                from error
        if image_size is None:
            array = np.asarray(img, dtype="float32")
            array = array[..., None] if array.ndim == 2 else array
        else:
            array = _resize_to(img, tuple(image_size), interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio)
        return array.transpose(2, 0, 1) if data_format == "channels_first" else array

    if subset == "both":
        return build("training"), build("validation")
    return build(subset)
