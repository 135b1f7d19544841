"""Keras-computed values of keras.utils.bounding_boxes, for tests/utils/test_bounding_boxes.py.

KERAS_BACKEND=jax <keras venv>/bin/python bounding_boxes.py OUT.npz
"""

import sys

import numpy as np

from keras.utils import bounding_boxes as bb

FORMATS = ["xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw", "rel_xyxy", "rel_yxyx", "rel_xywh",
           "rel_center_xywh"]


def main(out):
    rng = np.random.default_rng(0)
    xy = rng.random((2, 5, 2)) * 40
    wh = rng.random((2, 5, 2)) * 30 + 1
    boxes = np.concatenate([xy, xy + wh], axis=-1).astype("float32")  # xyxy, batch 2, 5 boxes
    result = {"boxes": boxes}
    for target in FORMATS:
        converted = np.asarray(bb.convert_format(boxes, "xyxy", target, height=48, width=64))
        result[f"to_{target}"] = converted
        result[f"back_{target}"] = np.asarray(bb.convert_format(converted, target, "xyxy", height=48, width=64))
    labels = np.arange(10).reshape(2, 5).astype("int32")
    shifted = boxes - 20
    clipped = bb.clip_to_image_size({"boxes": shifted, "labels": labels}, height=48, width=64)
    result["clip_boxes"], result["clip_labels"] = np.asarray(clipped["boxes"]), np.asarray(clipped["labels"])
    params = {"angle": np.array([30.0, -45.0], "float32"), "translate_x": np.array([0.1, -0.2], "float32"),
              "translate_y": np.array([0.0, 0.3], "float32"), "scale": np.array([1.2, 0.8], "float32"),
              "shear_x": np.array([10.0, 0.0], "float32"), "shear_y": np.array([0.0, -5.0], "float32")}
    result["affine"] = np.asarray(bb.affine_transform(boxes, **params, height=48, width=64))
    result["crop"] = np.asarray(bb.crop(boxes, top=5, left=7, height=30, width=20))
    result["pad"] = np.asarray(bb.pad(boxes, top=5, left=7))
    result["iou"] = np.asarray(bb.compute_iou(boxes[0], boxes[1], "xyxy"))
    result["iou_batched"] = np.asarray(bb.compute_iou(boxes, boxes[::-1], "xyxy"))
    masked = boxes.copy()
    masked[0, 1] = -1
    result["masked"] = masked
    result["iou_masked"] = np.asarray(bb.compute_iou(masked, boxes, "xyxy", use_masking=True, mask_val=-3))
    result["ciou"] = np.asarray(bb.compute_ciou(boxes[0], boxes[1], "xyxy"))
    anchors = boxes[0]
    result["deltas"] = np.asarray(bb.encode_box_to_deltas(anchors, boxes, "xyxy", "xyxy",
                                                          variance=[0.1, 0.1, 0.2, 0.2]))
    result["decoded"] = np.asarray(bb.decode_deltas_to_boxes(anchors, result["deltas"], "xyxy", "xywh",
                                                             variance=[0.1, 0.1, 0.2, 0.2]))
    np.savez_compressed(out, **result)
    print(f"wrote {len(result)} arrays to {out}")


if __name__ == "__main__":
    main(sys.argv[1])
