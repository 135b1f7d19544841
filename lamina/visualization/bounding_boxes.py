"""`draw_bounding_boxes` and `plot_bounding_box_gallery`, as `keras.visualization`'s.

Keras draws with OpenCV; lamina draws the rectangles with NumPy (lines `line_thickness` pixels
wide, centred on the box edges, clipped to the image) and the class labels with Pillow's
built-in bitmap font scaled by `font_scale` (Pillow is needed only when labels are drawn). The
picture is therefore not pixel-identical to OpenCV's, but the boxes cover the same pixels for
odd thicknesses and the label sits where Keras puts it.
"""

import functools

import numpy as np

from lamina.utils import bounding_boxes as _boxes

__all__ = ["draw_bounding_boxes", "plot_bounding_box_gallery"]


def _to_numpy(value):
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def _data_format(data_format, where):
    if data_format is None:
        from lamina.backend.config import image_data_format

        data_format = image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"{where}: `data_format` must be 'channels_last' or 'channels_first'. "
                         f"Received: data_format={data_format!r}.")
    return data_format


def _text_location(x, y, font_scale, thickness):
    # Keras's placement: above the box when there is room, else inside its top-left corner.
    font_height = int(font_scale * 12)
    if y - 8 - 2 * font_height > 0:
        return x, y - 8
    return x + 3, y + 2 * font_height + thickness + 3


def _draw_rectangle(image, x1, y1, x2, y2, color, thickness):
    height, width = image.shape[:2]
    low, high = (thickness - 1) // 2, thickness // 2 + 1  # the line covers edge-low .. edge+high-1
    x_lo, x_hi = sorted((x1, x2))
    y_lo, y_hi = sorted((y1, y2))

    def fill(ya, yb, xa, xb):
        ya, yb, xa, xb = max(ya, 0), min(yb, height), max(xa, 0), min(xb, width)
        if ya < yb and xa < xb:
            image[ya:yb, xa:xb] = color

    fill(y_lo - low, y_lo + high, x_lo - low, x_hi + high)  # top
    fill(y_hi - low, y_hi + high, x_lo - low, x_hi + high)  # bottom
    fill(y_lo - low, y_hi + high, x_lo - low, x_lo + high)  # left
    fill(y_lo - low, y_hi + high, x_hi - low, x_hi + high)  # right


def _draw_text(image, text, origin, color, font_scale):
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError as error:
        raise ImportError("draw_bounding_boxes needs Pillow to draw class labels: pip install pillow "
                          "(or pass no class_mapping to draw the boxes only).") from error
    try:
        font = ImageFont.load_default(size=max(int(round(12 * font_scale)), 6))
    except TypeError:  # Pillow < 10.1: one fixed-size bitmap font
        font = ImageFont.load_default()
    picture = Image.fromarray(image if image.shape[-1] != 1 else image[..., 0])
    # OpenCV's origin is the text's bottom-left corner; Pillow's "ls" anchor is the same point.
    fill = tuple(int(c) for c in color) if picture.mode != "L" else int(np.mean(color))
    try:
        ImageDraw.Draw(picture).text(origin, text, fill=fill, font=font, anchor="ls")
    except ValueError:  # bitmap fonts take no anchor
        ImageDraw.Draw(picture).text((origin[0], origin[1] - 11), text, fill=fill, font=font)
    drawn = np.asarray(picture)
    image[...] = drawn[..., None] if image.shape[-1] == 1 else drawn


def draw_bounding_boxes(images, bounding_boxes, bounding_box_format, class_mapping=None, color=(128, 128, 128),
                        line_thickness=2, text_thickness=1, font_scale=1.0, data_format=None):
    """Draws boxes (and class labels) on a batch of images; returns a uint8 NumPy array.

    Args:
        images: `(batch, height, width, channels)` (or channels_first) array or tensor; floats
            up to 1.0 are taken as 0-1 and scaled to 0-255, other floats clipped to 0-255.
        bounding_boxes: dict with `"boxes"` `(batch, num_boxes, 4)`, `"labels"` `(batch, num_boxes)`
            (-1: padding, not drawn) and optionally `"confidences"` `(batch, num_boxes)`.
        bounding_box_format: the format of the boxes ("xyxy", "yxyx", "xywh", "center_xywh",
            "center_yxhw", "rel_*"...).
        class_mapping: `{class id: name}`; labels are written for the ids it contains.
        color: RGB color of boxes and labels.
        line_thickness: width of the box lines in pixels.
        text_thickness: kept for Keras's signature (Pillow's font has one weight).
        font_scale: label size (1.0: about 12 pixels high).
        data_format: "channels_last" or "channels_first" (default: the global setting).

    Returns:
        uint8 array shaped like `images`.

    Example:
        >>> out = draw_bounding_boxes(np.zeros((1, 32, 32, 3)), {"boxes": [[[4, 4, 20, 20]]],
        ...                           "labels": [[0]]}, "xyxy")
        >>> out.shape, out.dtype
        ((1, 32, 32, 3), dtype('uint8'))
    """
    where = "draw_bounding_boxes"
    class_mapping = class_mapping or {}
    data_format = _data_format(data_format, where)
    images = _to_numpy(images)
    if images.ndim != 4:
        raise ValueError(f"{where}: `images` must be a batched 4D tensor. Received: images.shape={images.shape}.")
    if not isinstance(bounding_boxes, dict):
        raise TypeError(f"{where}: `bounding_boxes` should be a dict. Received: bounding_boxes of type "
                        f"{type(bounding_boxes).__name__}.")
    if "boxes" not in bounding_boxes or "labels" not in bounding_boxes:
        raise ValueError(f"{where}: `bounding_boxes` should be a dict containing 'boxes' and 'labels' keys. "
                         f"Received keys: {sorted(bounding_boxes)}.")
    if data_format == "channels_first":
        images = images.transpose(0, 2, 3, 1)
    height, width = images.shape[1], images.shape[2]
    boxes = _to_numpy(_boxes.convert_format(_to_numpy(bounding_boxes["boxes"]).astype("float32"),
                                            bounding_box_format, "xyxy", height=height, width=width))
    labels = _to_numpy(bounding_boxes["labels"])
    confidences = _to_numpy(bounding_boxes["confidences"]) if "confidences" in bounding_boxes else None
    if boxes.ndim != 3 or boxes.shape[0] != images.shape[0] or labels.shape != boxes.shape[:2]:
        raise ValueError(f"{where}: expected boxes of shape (batch, num_boxes, 4) and labels of shape "
                         f"(batch, num_boxes) for {images.shape[0]} images; received boxes {boxes.shape} and "
                         f"labels {labels.shape}.")
    if images.dtype.kind == "f" and images.size > 0:
        images = np.clip(images, 0, 1) * 255 if images.max() <= 1.0 else np.clip(images, 0, 255)
    images = np.ascontiguousarray(images.astype("uint8"))
    channels = images.shape[-1]
    paint = np.asarray(color, dtype=np.uint8)[:channels] if channels >= 3 else \
        np.asarray([int(np.mean(color))] * channels, dtype=np.uint8)
    for i in range(images.shape[0]):
        for j in range(boxes.shape[1]):
            label = int(labels[i, j])
            if label == -1:
                continue
            x1, y1, x2, y2 = (int(v) for v in boxes[i, j].astype("int32"))
            _draw_rectangle(images[i], x1, y1, x2, y2, paint, int(line_thickness))
            if label in class_mapping:
                text = str(class_mapping[label])
                if confidences is not None:
                    text = f"{text} | {float(confidences[i, j]):.2f}"
                origin = _text_location(x1, y1, font_scale, text_thickness or line_thickness)
                _draw_text(images[i], text, origin, paint if channels >= 3 else paint[:1], font_scale)
    if data_format == "channels_first":
        images = images.transpose(0, 3, 1, 2)
    return images


def plot_bounding_box_gallery(images, bounding_box_format, y_true=None, y_pred=None, value_range=(0, 255),
                              true_color=(0, 188, 212), pred_color=(255, 235, 59), line_thickness=2,
                              font_scale=1.0, text_thickness=None, class_mapping=None, ground_truth_mapping=None,
                              prediction_mapping=None, legend=False, legend_handles=None, rows=None, cols=None,
                              data_format=None, **kwargs):
    """A matplotlib gallery of images with their true and/or predicted boxes drawn.

    Args:
        images: `(batch, height, width, channels)` (or channels_first) images.
        bounding_box_format: format of the boxes in `y_true`/`y_pred`.
        y_true, y_pred: bounding-box dicts as `draw_bounding_boxes` takes them.
        value_range: range of the image values.
        true_color, pred_color: RGB colors of the true and predicted boxes.
        line_thickness, font_scale, text_thickness: as in `draw_bounding_boxes`.
        class_mapping: `{id: name}` for both; `ground_truth_mapping` / `prediction_mapping`
            override it per side.
        legend: add a "Ground Truth"/"Prediction" legend; `legend_handles`: your own handles
            (not both).
        rows, cols: grid size.
        data_format: "channels_last" or "channels_first".
        **kwargs: passed to `plot_image_gallery` (`path`, `show`, `scale`, `dpi`...).

    Example:
        >>> plot_bounding_box_gallery(images, "xyxy", y_true=boxes, path="boxes.png")  # doctest: +SKIP
    """
    from lamina.visualization.gallery import _pyplot, plot_image_gallery

    where = "plot_bounding_box_gallery"
    prediction_mapping = prediction_mapping or class_mapping
    ground_truth_mapping = ground_truth_mapping or class_mapping
    data_format = _data_format(data_format, where)
    images = _to_numpy(images)
    if images.ndim != 4:
        raise ValueError(f"{where}: `images` must be a batched 4D tensor. Received: images.shape={images.shape}.")
    if data_format == "channels_first":
        images = images.transpose(0, 2, 3, 1)
    if legend and legend_handles:
        raise ValueError(f"{where}: only pass `legend` OR `legend_handles`, not both.")
    draw = functools.partial(draw_bounding_boxes, bounding_box_format=bounding_box_format,
                             line_thickness=line_thickness, text_thickness=text_thickness, font_scale=font_scale,
                             data_format="channels_last")
    plotted = images
    if y_true is not None or y_pred is not None:
        low, high = value_range
        plotted = (np.clip(images.astype("float32"), low, high) - low) / max(high - low, 1e-12) * 255.0
        plotted = plotted.astype("uint8")
    if y_true is not None:
        plotted = draw(plotted, y_true, color=true_color, class_mapping=ground_truth_mapping)
    if y_pred is not None:
        plotted = draw(plotted, y_pred, color=pred_color, class_mapping=prediction_mapping)
    if y_true is not None or y_pred is not None:
        value_range = (0, 255)
    if legend:
        matplotlib, _ = _pyplot()
        from matplotlib import patches

        legend_handles = [patches.Patch(color=np.array(true_color) / 255.0, label="Ground Truth"),
                          patches.Patch(color=np.array(pred_color) / 255.0, label="Prediction")]
    return plot_image_gallery(plotted, value_range=value_range, legend_handles=legend_handles, rows=rows,
                              cols=cols, data_format="channels_last", **kwargs)
