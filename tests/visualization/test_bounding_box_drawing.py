"""keras.visualization.draw_bounding_boxes / plot_bounding_box_gallery (NumPy + Pillow drawing)."""

import numpy as np
import pytest
import torch

import lamina as keras
from lamina.visualization import draw_bounding_boxes, plot_bounding_box_gallery

RED = (255, 0, 0)


def test_box_edges_are_drawn_and_padding_is_skipped():
    images = np.zeros((2, 40, 50, 3), dtype="float32")
    boxes = {"boxes": np.array([[[10, 12, 30, 25], [0, 0, 5, 5]], [[1, 1, 2, 2], [0, 0, 0, 0]]], "float32"),
             "labels": np.array([[0, -1], [-1, -1]])}
    out = draw_bounding_boxes(images, boxes, "xyxy", color=RED, line_thickness=1)
    assert out.shape == images.shape and out.dtype == np.uint8
    first = out[0]
    assert (first[12, 10:31] == RED).all() and (first[25, 10:31] == RED).all()  # top, bottom
    assert (first[12:26, 10] == RED).all() and (first[12:26, 30] == RED).all()  # left, right
    assert (first[13:25, 11:30] == 0).all()  # inside untouched
    assert first[2, 2].sum() == 0  # the -1 box
    assert out[1].sum() == 0


def test_thickness_formats_and_channels_first():
    images = torch.zeros(1, 3, 20, 20)
    # rel_yxyx: (y1, x1, y2, x2) as fractions of the size
    boxes = {"boxes": torch.tensor([[[0.25, 0.5, 0.75, 0.9]]]), "labels": torch.tensor([[3]])}
    out = draw_bounding_boxes(images, boxes, "rel_yxyx", color=RED, line_thickness=3, data_format="channels_first")
    assert out.shape == (1, 3, 20, 20)
    red = out[0, 0]
    assert (red[4:7, 10] == 255).all()  # y1=5, thickness 3 covers rows 4..6
    assert red[5, 8] == 0 and red[5, 9] == 255
    assert (out[0, 1] == 0).all()  # green channel untouched


def test_float_images_in_0_1_are_scaled_and_labels_are_written():
    images = np.full((1, 64, 64, 3), 0.5, dtype="float32")
    boxes = {"boxes": [[[8, 40, 56, 60]]], "labels": [[1]], "confidences": [[0.875]]}
    out = draw_bounding_boxes(images, boxes, "xyxy", class_mapping={1: "cat"}, color=RED, line_thickness=1)
    assert out[0, 0, 0].tolist() == [127, 127, 127]
    above = out[0, 10:40, 8:60]  # the label goes above the box (room above y=40)
    reddish = (above[..., 0] > 180) & (above[..., 1] < 90)  # text is anti-aliased
    assert reddish.sum() > 10
    no_label = draw_bounding_boxes(images, boxes, "xyxy", color=RED, line_thickness=1)
    assert ((no_label[0, 10:40, 8:60, 0] > 180) & (no_label[0, 10:40, 8:60, 1] < 90)).sum() == 0


@pytest.mark.parametrize("images, boxes, error, match", [
    (np.zeros((8, 8, 3)), {"boxes": [], "labels": []}, ValueError, "batched 4D"),
    (np.zeros((1, 8, 8, 3)), [[0, 0, 1, 1]], TypeError, "should be a dict"),
    (np.zeros((1, 8, 8, 3)), {"boxes": [[[0, 0, 1, 1]]]}, ValueError, "'boxes' and 'labels'"),
    (np.zeros((1, 8, 8, 3)), {"boxes": [[[0, 0, 1, 1]]], "labels": [[0, 1]]}, ValueError, r"labels \(1, 2\)"),
])
def test_bad_input_is_named(images, boxes, error, match):
    with pytest.raises(error, match=match):
        draw_bounding_boxes(images, boxes, "xyxy")
    with pytest.raises(ValueError, match="data_format"):
        draw_bounding_boxes(np.zeros((1, 8, 8, 3)), {"boxes": [[[0, 0, 1, 1]]], "labels": [[0]]}, "xyxy",
                            data_format="nhwc")


def test_gallery_writes_a_picture(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    images = np.random.default_rng(0).uniform(0, 1, (4, 32, 32, 3)).astype("float32")
    truth = {"boxes": np.tile([[[2.0, 2.0, 20.0, 20.0]]], (4, 1, 1)), "labels": np.zeros((4, 1), "int64")}
    pred = {"boxes": np.tile([[[4.0, 4.0, 28.0, 28.0]]], (4, 1, 1)), "labels": np.ones((4, 1), "int64"),
            "confidences": np.full((4, 1), 0.5)}
    path = tmp_path / "boxes.png"
    plot_bounding_box_gallery(images, "xyxy", y_true=truth, y_pred=pred, value_range=(0, 1),
                              class_mapping={0: "a", 1: "b"}, legend=True, rows=2, cols=2, path=str(path))
    assert path.stat().st_size > 1000
    with pytest.raises(ValueError, match="`legend` OR `legend_handles`"):
        plot_bounding_box_gallery(images, "xyxy", y_true=truth, legend=True, legend_handles=[1], path=str(path))
    assert keras.visualization.draw_bounding_boxes is draw_bounding_boxes
