"""Image galleries drawn with matplotlib: `plot_image_gallery`, `plot_segmentation_mask_gallery`."""

import functools
import math

import numpy as np

from lamina.visualization.segmentation import draw_segmentation_masks, to_numpy_images

__all__ = ["plot_image_gallery", "plot_segmentation_mask_gallery"]


def _pyplot():
    try:
        import matplotlib
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError("The gallery functions require the `matplotlib` package: pip install matplotlib "
                          "(or lamina[plot]).") from error
    return matplotlib, plt


def plot_image_gallery(images, y_true=None, y_pred=None, label_map=None, rows=None, cols=None,
                       value_range=(0, 255), scale=2, path=None, show=None, transparent=True, dpi=60,
                       legend_handles=None, data_format=None):
    """Draws a grid of images, titled with their true/predicted labels.

    Args:
        images: a batch `(N, H, W, C)` (or `channels_first`), values in `value_range`.
        y_true, y_pred: optional class ids per image (need `label_map`).
        label_map: `{class id: name}`.
        rows, cols: grid size (default: a square-ish grid for the batch).
        value_range: the range of the image values (rescaled to 0-255).
        scale: inches per image.
        path: save the figure there (PNG, SVG... by extension) instead of showing it.
        show: show the figure (default: when no `path`).
        transparent, dpi: passed to `savefig`.
        legend_handles: matplotlib handles for a figure legend.
        data_format: default `image_data_format()`.

    Example:
        >>> plot_image_gallery(np.random.rand(4, 8, 8, 3), value_range=(0, 1), path="gallery.png")
    """
    if path is not None and show:
        raise ValueError("plot_gallery() expects either `path` to be set, or `show` to be true.")
    if (y_true is not None or y_pred is not None) and label_map is None:
        raise ValueError("If `y_true` or `y_pred` are provided, a `label_map` must also be provided.")
    _, plt = _pyplot()
    show = show if show is not None else path is None
    images = to_numpy_images(images, data_format).astype("float32")
    batch_size = images.shape[0]
    rows = rows or int(math.ceil(math.sqrt(batch_size)))
    cols = cols or int(math.ceil(batch_size // rows))
    if rows * cols > batch_size:
        raise ValueError(f"plot_image_gallery: a {rows}x{cols} grid needs {rows * cols} images; received {batch_size}.")
    low, high = value_range
    images = (images - low) / (high - low) * 255.0
    fig, axes = plt.subplots(nrows=rows, ncols=cols, figsize=(cols * scale, rows * scale), frameon=False,
                             layout="tight", squeeze=False, sharex="row", sharey="col")
    fig.subplots_adjust(wspace=0, hspace=0)
    if legend_handles is not None:
        fig.legend(handles=legend_handles, loc="lower center")
    y_true = None if y_true is None else np.asarray(y_true)
    y_pred = None if y_pred is None else np.asarray(y_pred)
    for row in range(rows):
        for col in range(cols):
            index = row * cols + col
            axis = axes[row, col]
            image = images[index]
            axis.imshow(image[..., 0] if image.shape[-1] == 1 else image.astype("uint8"),
                        **({"cmap": "gray", "vmin": 0, "vmax": 255} if image.shape[-1] == 1 else {}))
            axis.margins(x=0, y=0)
            axis.axis("off")
            title = []
            if y_true is not None and index < len(y_true):
                title.append(f"Label: {label_map.get(_key(y_true[index]), 'Unknown')}")
            if y_pred is not None and index < len(y_pred):
                title.append(f"Pred: {label_map.get(_key(y_pred[index]), 'Unknown')}")
            if title:
                axis.set_title("  ".join(title), fontsize=8)
    if path is not None:
        plt.savefig(fname=path, pad_inches=0, bbox_inches="tight", transparent=transparent, dpi=dpi)
        plt.close(fig)
    elif show:
        plt.show()
        plt.close(fig)
    return fig


def _key(value):
    return value.item() if isinstance(value, np.generic) or (isinstance(value, np.ndarray) and value.ndim == 0) \
        else value


def plot_segmentation_mask_gallery(images, num_classes, value_range=(0, 255), y_true=None, y_pred=None,
                                   color_mapping=None, blend=True, alpha=0.8, ignore_index=-1, data_format=None,
                                   **kwargs):
    """One row per image: the image, then its true and/or predicted masks painted over it.

    Args:
        images: a batch `(N, H, W, C)` (or `channels_first`).
        num_classes: number of mask classes coloured.
        value_range: range of the image values.
        y_true, y_pred: integer masks `(N, H, W, 1)` (or `channels_first`).
        color_mapping, blend, alpha, ignore_index: as `draw_segmentation_masks`.
        data_format: default `image_data_format()`.
        **kwargs: passed to `plot_image_gallery` (`path`, `scale`, `dpi`, ...).
    """
    images_np = to_numpy_images(images, data_format)
    draw = functools.partial(draw_segmentation_masks, num_classes=num_classes, color_mapping=color_mapping,
                             alpha=alpha, ignore_index=ignore_index, blend=blend, data_format="channels_last")
    true_drawn = None if y_true is None else draw(images_np, to_numpy_images(y_true, data_format, "y_true").astype("int32"))
    pred_drawn = None if y_pred is None else draw(images_np, to_numpy_images(y_pred, data_format, "y_pred").astype("int32"))
    gallery = []
    for i in range(images_np.shape[0]):
        gallery.append(images_np[i])
        if true_drawn is not None:
            gallery.append(np.asarray(true_drawn[i]))
        if pred_drawn is not None:
            gallery.append(np.asarray(pred_drawn[i]))
    cols = 1 + (y_true is not None) + (y_pred is not None)
    return plot_image_gallery(np.stack(gallery).astype("float32"), value_range=value_range, rows=images_np.shape[0],
                              cols=cols, data_format="channels_last", **kwargs)
