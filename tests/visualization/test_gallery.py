"""keras.visualization image helpers: draw_segmentation_masks (values printed by Keras 3.15.1 on the
same inputs; `tools/keras_crosscheck/namespace_values.py` prints them), plot_image_gallery and
plot_segmentation_mask_gallery (files written)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from lamina import visualization as v  # noqa: E402

IMAGES = np.arange(12, dtype="float32").reshape(1, 2, 2, 3) * 20
MASKS = np.array([[[[0], [1]], [[2], [-1]]]], dtype="int32")


def test_draw_segmentation_masks_matches_keras():
    assert v.draw_segmentation_masks(IMAGES, MASKS).tolist() == \
        [[[[0, 4, 8], [12, 117, 44]], [[120, 140, 160], [180, 200, 220]]]]
    assert v.draw_segmentation_masks(IMAGES, MASKS, num_classes=3, alpha=0.5).tolist() == \
        [[[[0, 10, 20], [30, 103, 65]], [[61, 197, 111], [180, 200, 220]]]]
    painted = v.draw_segmentation_masks(torch.from_numpy(IMAGES), torch.from_numpy(MASKS), num_classes=3, blend=False)
    assert isinstance(painted, torch.Tensor)
    assert painted.tolist() == [[[[0.0, 0.0, 0.0], [1.0, 127.0, 31.0]], [[2.0, 254.0, 62.0], [180.0, 200.0, 220.0]]]]
    first = v.draw_segmentation_masks(IMAGES.transpose(0, 3, 1, 2), MASKS.transpose(0, 3, 1, 2),
                                      data_format="channels_first")
    assert first.tolist() == v.draw_segmentation_masks(IMAGES, MASKS).tolist()


def test_draw_segmentation_masks_errors():
    with pytest.raises(TypeError, match="must be in integer dtype"):
        v.draw_segmentation_masks(IMAGES, MASKS.astype("float32"))
    with pytest.raises(ValueError, match="must be batched 4D tensor"):
        v.draw_segmentation_masks(IMAGES[0], MASKS)


def test_plot_image_gallery_writes_a_file(tmp_path):
    images = np.random.default_rng(0).random((4, 8, 8, 3))
    path = tmp_path / "gallery.png"
    v.plot_image_gallery(images, y_true=[0, 1, 0, 1], label_map={0: "cat", 1: "dog"}, value_range=(0, 1), path=path)
    assert path.stat().st_size > 0
    v.plot_image_gallery(images[:, :, :, :1], value_range=(0, 1), rows=1, cols=2, path=tmp_path / "g.png")
    with pytest.raises(ValueError, match="a `label_map` must also be provided"):
        v.plot_image_gallery(images, y_true=[0, 1, 0, 1], path=path)
    with pytest.raises(ValueError, match="either `path` to be set, or `show`"):
        v.plot_image_gallery(images, path=path, show=True)
    with pytest.raises(ValueError, match="needs 9 images"):
        v.plot_image_gallery(images, rows=3, cols=3, path=path)


def test_plot_segmentation_mask_gallery(tmp_path):
    images = np.random.default_rng(0).random((2, 8, 8, 3)) * 255
    masks = np.random.default_rng(1).integers(0, 3, (2, 8, 8, 1))
    path = tmp_path / "masks.png"
    figure = v.plot_segmentation_mask_gallery(images, num_classes=3, y_true=masks, y_pred=masks, path=path)
    assert path.stat().st_size > 0 and len(figure.axes) == 6
