"""keras.utils.bounding_boxes against Keras 3 (values from tools/keras_crosscheck/bounding_boxes.py)."""

import pathlib

import numpy as np
import pytest
import torch

from lamina.utils import bounding_boxes as bb

K = np.load(pathlib.Path(__file__).parent / "keras_values" / "bounding_boxes.npz")
BOXES = torch.from_numpy(K["boxes"])
TOL = dict(atol=1e-4, rtol=1e-5)


@pytest.mark.parametrize("target", bb.SUPPORTED_FORMATS)
def test_convert_format_both_ways(target):
    converted = bb.convert_format(BOXES, "xyxy", target, height=48, width=64)
    np.testing.assert_allclose(converted.numpy(), K[f"to_{target}"], **TOL)
    back = bb.convert_format(torch.from_numpy(K[f"to_{target}"]), target, "xyxy", height=48, width=64)
    np.testing.assert_allclose(back.numpy(), K[f"back_{target}"], **TOL)


def test_clip_marks_empty_boxes():
    labels = torch.arange(10, dtype=torch.int32).reshape(2, 5)
    clipped = bb.clip_to_image_size({"boxes": BOXES - 20, "labels": labels}, height=48, width=64)
    np.testing.assert_allclose(clipped["boxes"].numpy(), K["clip_boxes"], **TOL)
    np.testing.assert_array_equal(clipped["labels"].numpy(), K["clip_labels"])


def test_affine_crop_pad():
    params = {"angle": torch.tensor([30.0, -45.0]), "translate_x": torch.tensor([0.1, -0.2]),
              "translate_y": torch.tensor([0.0, 0.3]), "scale": torch.tensor([1.2, 0.8]),
              "shear_x": torch.tensor([10.0, 0.0]), "shear_y": torch.tensor([0.0, -5.0])}
    np.testing.assert_allclose(bb.affine_transform(BOXES, **params, height=48, width=64).numpy(), K["affine"],
                               atol=1e-3)
    np.testing.assert_allclose(bb.crop(BOXES, top=5, left=7, height=30, width=20).numpy(), K["crop"], **TOL)
    np.testing.assert_allclose(bb.pad(BOXES, top=5, left=7).numpy(), K["pad"], **TOL)


def test_iou_family():
    np.testing.assert_allclose(bb.compute_iou(BOXES[0], BOXES[1], "xyxy").numpy(), K["iou"], **TOL)
    np.testing.assert_allclose(bb.compute_iou(BOXES, BOXES.flip(0), "xyxy").numpy(), K["iou_batched"], **TOL)
    masked = torch.from_numpy(K["masked"])
    np.testing.assert_allclose(bb.compute_iou(masked, BOXES, "xyxy", use_masking=True, mask_val=-3).numpy(),
                               K["iou_masked"], **TOL)
    np.testing.assert_allclose(bb.compute_ciou(BOXES[0], BOXES[1], "xyxy").numpy(), K["ciou"], **TOL)


def test_deltas_round_trip_as_keras():
    variance = [0.1, 0.1, 0.2, 0.2]
    deltas = bb.encode_box_to_deltas(BOXES[0], BOXES, "xyxy", "xyxy", variance=variance)
    np.testing.assert_allclose(deltas.numpy(), K["deltas"], **TOL)
    decoded = bb.decode_deltas_to_boxes(BOXES[0], deltas, "xyxy", "xywh", variance=variance)
    np.testing.assert_allclose(decoded.numpy(), K["decoded"], atol=1e-3)
    levels = bb.decode_deltas_to_boxes({"p3": BOXES[0]}, {"p3": deltas}, "xyxy", "xywh", variance=variance)
    assert set(levels) == {"p3"}


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"convert_format: `target` must be one of .*received target='xyzw'"):
        bb.convert_format(BOXES, "xyxy", "xyzw")
    with pytest.raises(ValueError, match=r"`height` and `width` are needed .* source='rel_xyxy'"):
        bb.convert_format(BOXES, "rel_xyxy", "xyxy")
    with pytest.raises(ValueError, match=r"last dimension of 4; received shape \(2, 3\)"):
        bb.convert_format(torch.zeros(2, 3), "xyxy", "yxyx")
    with pytest.raises(ValueError, match=r"compute_iou: `boxes1` must have rank 2"):
        bb.compute_iou(torch.zeros(4), BOXES, "xyxy")
    with pytest.raises(ValueError, match=r"`variance` must have 4 values"):
        bb.encode_box_to_deltas(BOXES[0], BOXES, "xyxy", "xyxy", variance=[1, 2])
