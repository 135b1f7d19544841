"""`keras.utils.bounding_boxes`: box formats, clipping, affine moves, IoU and anchor deltas, in torch.

Boxes are `(..., 4)` tensors (or NumPy arrays/lists, converted) in one of Keras's formats:

| format | the four numbers |
|---|---|
| `xyxy` | left, top, right, bottom (pixels) |
| `yxyx` | top, left, bottom, right |
| `xywh` | left, top, width, height |
| `center_xywh` | centre x, centre y, width, height |
| `center_yxhw` | centre y, centre x, height, width |
| `rel_xyxy`, `rel_yxyx`, `rel_xywh`, `rel_center_xywh` | the same as fractions of the image size |

Every conversion goes through `xyxy`. A dict `{"boxes": ..., "labels": ...}` is accepted where
Keras accepts one, and its other keys are kept.
"""

import math

import torch

__all__ = ["affine_transform", "clip_to_image_size", "compute_ciou", "compute_iou", "convert_format", "crop",
           "decode_deltas_to_boxes", "encode_box_to_deltas", "pad"]

SUPPORTED_FORMATS = ("xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw", "rel_xyxy", "rel_yxyx", "rel_xywh",
                     "rel_center_xywh")
_EPSILON = 1e-7  # keras.backend.epsilon()


def _as_tensor(boxes, dtype=None):
    tensor = boxes if isinstance(boxes, torch.Tensor) else torch.as_tensor(boxes)
    if dtype is not None:
        from lamina.backend.dtypes import standardize_dtype

        tensor = tensor.to(standardize_dtype(dtype))
    elif not tensor.is_floating_point():
        tensor = tensor.to(torch.float32)
    return tensor


def _to_xyxy(boxes, source, height, width):
    a, b, c, d = boxes.unbind(-1)
    if source == "xyxy":
        x1, y1, x2, y2 = a, b, c, d
    elif source == "yxyx":
        y1, x1, y2, x2 = a, b, c, d
    elif source == "xywh":
        x1, y1, x2, y2 = a, b, a + c, b + d
    elif source == "center_xywh":
        x1, y1, x2, y2 = a - c / 2.0, b - d / 2.0, a + c / 2.0, b + d / 2.0
    elif source == "center_yxhw":
        x1, y1, x2, y2 = b - d / 2.0, a - c / 2.0, b + d / 2.0, a + c / 2.0
    else:  # the relative formats: their absolute twin, scaled
        x1, y1, x2, y2 = _to_xyxy(boxes, source[4:], None, None).unbind(-1)
        x1, y1, x2, y2 = x1 * width, y1 * height, x2 * width, y2 * height
    return torch.stack([x1, y1, x2, y2], dim=-1)


def _from_xyxy(boxes, target, height, width):
    x1, y1, x2, y2 = boxes.unbind(-1)
    if target.startswith("rel_"):
        x1, y1, x2, y2 = x1 / width, y1 / height, x2 / width, y2 / height
        target = target[4:]
    if target == "xyxy":
        values = (x1, y1, x2, y2)
    elif target == "yxyx":
        values = (y1, x1, y2, x2)
    elif target == "xywh":
        values = (x1, y1, x2 - x1, y2 - y1)
    elif target == "center_xywh":
        values = (x1 + (x2 - x1) / 2.0, y1 + (y2 - y1) / 2.0, x2 - x1, y2 - y1)
    else:  # center_yxhw
        values = (y1 + (y2 - y1) / 2.0, x1 + (x2 - x1) / 2.0, y2 - y1, x2 - x1)
    return torch.stack(values, dim=-1)


def convert_format(boxes, source, target, height=None, width=None, dtype="float32"):
    """Converts boxes between formats (see the module docstring for the list).

    Args:
        boxes: `(..., 4)` boxes, or a dict whose `"boxes"` are converted.
        source: the format of `boxes` (case-insensitive).
        target: the format wanted.
        height, width: the image size, needed when either format is relative.
        dtype: the dtype of the result.

    Returns:
        The converted boxes (a new dict when given a dict).

    Example:
        >>> convert_format([[10, 20, 30, 40]], source="xyxy", target="xywh")
        tensor([[10., 20., 20., 20.]])
    """
    if isinstance(boxes, dict):
        return {**boxes, "boxes": convert_format(boxes["boxes"], source, target, height, width, dtype)}
    boxes = _as_tensor(boxes, dtype)
    if boxes.dim() == 0 or boxes.shape[-1] != 4:
        raise ValueError(f"convert_format: `boxes` must have a last dimension of 4; received shape "
                         f"{tuple(boxes.shape)}.")
    source, target = str(source).lower(), str(target).lower()
    for argument, value in (("source", source), ("target", target)):
        if value not in SUPPORTED_FORMATS:
            raise ValueError(f"convert_format: `{argument}` must be one of {SUPPORTED_FORMATS}; received "
                             f"{argument}={value!r}.")
    if (source.startswith("rel_") or target.startswith("rel_")) and (height is None or width is None):
        raise ValueError(f"convert_format: `height` and `width` are needed to convert between relative and "
                         f"absolute formats; received source={source!r}, target={target!r}, height={height}, "
                         f"width={width}.")
    if source == target:
        return boxes
    if source.startswith("rel_") and target.startswith("rel_"):
        source, target = source[4:], target[4:]
    return _from_xyxy(_to_xyxy(boxes, source, height, width), target, height, width)


def clip_to_image_size(bounding_boxes, height=None, width=None, bounding_box_format="xyxy"):
    """Clips boxes to the image; boxes left with no area get label -1.

    Args:
        bounding_boxes: a dict with `"boxes"` `(..., N, 4)` and optionally `"labels"` `(..., N)`.
        height, width: the image size (needed for `"xyxy"`).
        bounding_box_format: `"xyxy"` or `"rel_xyxy"`.

    Example:
        >>> clip_to_image_size({"boxes": [[-10., 5., 150., 60.]], "labels": [3]}, 100, 120)["boxes"]
        tensor([[  0.,   5., 120.,  60.]])
    """
    if bounding_box_format not in ("xyxy", "rel_xyxy"):
        raise ValueError(f"clip_to_image_size: `bounding_box_format` must be 'xyxy' or 'rel_xyxy'; received "
                         f"{bounding_box_format!r} (convert with convert_format first).")
    if bounding_box_format == "xyxy" and (height is None or width is None):
        raise ValueError("clip_to_image_size: `height` and `width` must be given for bounding_box_format='xyxy'.")
    boxes = _as_tensor(bounding_boxes["boxes"])
    high_x, high_y = (1.0, 1.0) if bounding_box_format == "rel_xyxy" else (float(width), float(height))
    x1, y1, x2, y2 = boxes.unbind(-1)
    boxes = torch.stack([x1.clamp(0, high_x), y1.clamp(0, high_y), x2.clamp(0, high_x), y2.clamp(0, high_y)], -1)
    result = {**bounding_boxes, "boxes": boxes}
    if bounding_boxes.get("labels") is not None:
        labels = torch.as_tensor(bounding_boxes["labels"], device=boxes.device)
        area = (boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] - boxes[..., 1])
        result["labels"] = torch.where(area > 0, labels, torch.full_like(labels, -1))
    return result


def _inverse_affine_matrix(center_x, center_y, angle, translate_x, translate_y, scale, shear_x, shear_y,
                           height, width):
    """The `(batch, 3, 3)` matrix moving box corners as the image layers move pixels."""
    rot = -angle * (math.pi / 180.0)
    sx, sy = -shear_x * (math.pi / 180.0), -shear_y * (math.pi / 180.0)
    cx, cy = center_x * (width - 1), center_y * (height - 1)
    tx, ty = -translate_x * (width - 1), -translate_y * (height - 1)
    cos_sy, tan_sx = torch.cos(sy), torch.tan(sx)
    a = torch.cos(rot - sy) / cos_sy
    b = a * tan_sx + torch.sin(rot)
    c = -torch.sin(rot - sy) / cos_sy
    d = torch.cos(rot) - c * tan_sx
    a0, a1, b0, b1 = d * scale, -b * scale, -c * scale, a * scale
    a2 = cx - a0 * (cx + tx) - a1 * (cy + ty)
    b2 = cy - b0 * (cx + tx) - b1 * (cy + ty)
    zeros, ones = torch.zeros_like(a0), torch.ones_like(a0)
    return torch.stack([a0, a1, a2, b0, b1, b2, zeros, zeros, ones], dim=-1).reshape(-1, 3, 3)


def _move_boxes(boxes, matrices):
    """The boxes enclosing each `xyxy` box's corners moved by per-image 3x3 projective `matrices`
    `(batch, 3, 3)` (points as columns `[x, y, 1]`); boxes `(batch, N, 4)`."""
    x1, y1, x2, y2 = boxes.unbind(-1)
    corners = torch.stack([torch.stack(p, dim=-1) for p in ((x1, y1), (x2, y1), (x2, y2), (x1, y2))], dim=-2)
    corners = torch.cat([corners, torch.ones_like(corners[..., :1])], dim=-1)  # (B, N, 4, 3)
    moved = torch.einsum("bnkj,bij->bnki", corners, matrices.to(corners))
    moved = moved[..., :2] / moved[..., 2:]
    return torch.cat([moved.amin(dim=2), moved.amax(dim=2)], dim=-1)


def affine_transform(boxes, angle, translate_x, translate_y, scale, shear_x, shear_y, height, width,
                     center_x=None, center_y=None, bounding_box_format="xyxy"):
    """Moves `xyxy` boxes `(batch, N, 4)` by per-image rotations (degrees), translations
    (fractions of the size), scales and shears (degrees); returns the enclosing boxes.

    Example:
        >>> z = torch.zeros(1)
        >>> affine_transform(torch.tensor([[[0., 0., 2., 2.]]]), z, z, z, torch.ones(1), z, z, 10, 10).shape
        torch.Size([1, 1, 4])
    """
    if bounding_box_format != "xyxy":
        raise ValueError(f"affine_transform: only bounding_box_format='xyxy' is supported; received "
                         f"{bounding_box_format!r} (convert with convert_format first).")
    boxes = _as_tensor(boxes)
    params = [torch.as_tensor(p, dtype=boxes.dtype, device=boxes.device)
              for p in (angle, translate_x, translate_y, scale, shear_x, shear_y)]
    matrix = _inverse_affine_matrix(0.5 if center_x is None else center_x, 0.5 if center_y is None else center_y,
                                    *params, height, width)
    return _move_boxes(boxes, matrix)


def crop(boxes, top, left, height, width, bounding_box_format="xyxy"):
    """Boxes seen through the window `(top, left, height, width)`: shifted and clipped to it.

    Example:
        >>> crop(torch.tensor([[10., 10., 50., 50.]]), top=20, left=0, height=20, width=30)
        tensor([[10.,  0., 30., 20.]])
    """
    if bounding_box_format != "xyxy":
        raise ValueError(f"crop: only bounding_box_format='xyxy' is supported; received {bounding_box_format!r}.")
    x1, y1, x2, y2 = _as_tensor(boxes).unbind(-1)
    return torch.stack([(x1 - left).clamp(0, width), (y1 - top).clamp(0, height),
                        (x2 - left).clamp(0, width), (y2 - top).clamp(0, height)], dim=-1)


def pad(boxes, top, left, height=None, width=None, bounding_box_format="xyxy"):
    """Boxes of an image padded by `top` rows and `left` columns (shifted by them).

    Example:
        >>> pad(torch.tensor([[1., 2., 3., 4.]]), top=10, left=5)
        tensor([[ 6., 12.,  8., 14.]])
    """
    if bounding_box_format != "xyxy":
        raise ValueError(f"pad: only bounding_box_format='xyxy' is supported; received {bounding_box_format!r}.")
    x1, y1, x2, y2 = _as_tensor(boxes).unbind(-1)
    return torch.stack([x1 + left, y1 + top, x2 + left, y2 + top], dim=-1)


def _image_size(image_shape):
    return (None, None) if image_shape is None else tuple(image_shape)[:2]


def compute_iou(boxes1, boxes2, bounding_box_format, use_masking=False, mask_val=-1, image_shape=None):
    """Pairwise intersection over union: `(M, 4)` and `(N, 4)` give `(M, N)`; batched inputs
    `(B, M, 4)` give `(B, M, N)`.

    Args:
        boxes1, boxes2: boxes in `bounding_box_format`, batched or not.
        bounding_box_format: their format.
        use_masking: give `mask_val` for pairs where a box has all coordinates negative (padding).
        mask_val: the value of masked pairs.
        image_shape: `(height, width, channels)`, needed for relative formats.

    Example:
        >>> compute_iou(torch.tensor([[0., 0., 2., 2.]]), torch.tensor([[1., 1., 3., 3.]]), "xyxy")
        tensor([[0.1429]])
    """
    boxes1, boxes2 = _as_tensor(boxes1), _as_tensor(boxes2)
    for name, value in (("boxes1", boxes1), ("boxes2", boxes2)):
        if value.dim() not in (2, 3):
            raise ValueError(f"compute_iou: `{name}` must have rank 2 (N, 4) or 3 (batch, N, 4); received shape "
                             f"{tuple(value.shape)}.")
    if "rel" in bounding_box_format and image_shape is None:
        raise ValueError("compute_iou: relative bounding box formats need `image_shape` (height, width, channels).")
    height, width = _image_size(image_shape)
    a = convert_format(boxes1, bounding_box_format, "xyxy", height, width)
    b = convert_format(boxes2, bounding_box_format, "xyxy", height, width)
    a_, b_ = a.unsqueeze(-2), b.unsqueeze(-3)  # (.., M, 1, 4), (.., 1, N, 4)
    inter_w = (torch.minimum(a_[..., 2], b_[..., 2]) - torch.maximum(a_[..., 0], b_[..., 0])).clamp(min=0)
    inter_h = (torch.minimum(a_[..., 3], b_[..., 3]) - torch.maximum(a_[..., 1], b_[..., 1])).clamp(min=0)
    intersection = inter_w * inter_h
    area_a = ((a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])).unsqueeze(-1)
    area_b = ((b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])).unsqueeze(-2)
    iou = intersection / (area_a + area_b - intersection + _EPSILON)
    if not use_masking:
        return iou
    background = (a.amax(dim=-1) < 0).unsqueeze(-1) | (b.amax(dim=-1) < 0).unsqueeze(-2)
    return torch.where(background, torch.full_like(iou, float(mask_val)), iou)


def compute_ciou(boxes1, boxes2, bounding_box_format, image_shape=None):
    """Complete IoU of matching boxes `(..., 4)`: IoU minus the centre-distance and aspect-ratio
    penalties (Zheng et al., 2020); 1 for identical boxes.

    Example:
        >>> compute_ciou(torch.tensor([[0., 0., 2., 2.]]), torch.tensor([[0., 0., 2., 2.]]), "xyxy")
        tensor([1.0000])
    """
    if "rel" in bounding_box_format:
        raise ValueError("compute_ciou: relative bounding box formats are not supported (as in Keras); convert "
                         "the boxes to an absolute format first.")
    height, width = _image_size(image_shape)
    x1a, y1a, x2a, y2a = convert_format(boxes1, bounding_box_format, "xyxy", height, width).unbind(-1)
    x1b, y1b, x2b, y2b = convert_format(boxes2, bounding_box_format, "xyxy", height, width).unbind(-1)
    wa, ha = x2a - x1a, y2a - y1a + _EPSILON
    wb, hb = x2b - x1b, y2b - y1b + _EPSILON
    intersection = ((torch.minimum(x2a, x2b) - torch.maximum(x1a, x1b)).clamp(min=0)
                    * (torch.minimum(y2a, y2b) - torch.maximum(y1a, y1b)).clamp(min=0))
    union = wa * ha + wb * hb - intersection + _EPSILON
    iou = intersection / (union + _EPSILON)
    diagonal = ((torch.maximum(x2a, x2b) - torch.minimum(x1a, x1b)) ** 2
                + (torch.maximum(y2a, y2b) - torch.minimum(y1a, y1b)) ** 2 + _EPSILON)
    centres = ((x1a + x2a) / 2 - (x1b + x2b) / 2) ** 2 + ((y1a + y2a) / 2 - (y1b + y2b) / 2) ** 2
    v = (4 / math.pi ** 2) * (torch.atan(wb / hb) - torch.atan(wa / ha)) ** 2
    alpha = v / (v - iou + (1 + _EPSILON))
    return iou - (centres / diagonal + v * alpha)


def _check_encoding(variance, encoding, argument):
    if encoding not in ("center_xywh", "center_yxhw"):
        raise ValueError(f"`{argument}` must be 'center_xywh' or 'center_yxhw'; received {encoding!r}.")
    if variance is None:
        return None
    variance = torch.as_tensor(variance, dtype=torch.float32)
    if variance.shape[-1:] != (4,):
        raise ValueError(f"`variance` must have 4 values; received {variance.tolist()}.")
    return variance


def encode_box_to_deltas(anchors, boxes, anchor_format, box_format, encoding_format="center_yxhw", variance=None,
                         image_shape=None):
    """Encodes boxes as offsets from anchors: centre shifts over the anchor size and log size ratios.

    Example:
        >>> anchors = torch.tensor([[0., 0., 10., 10.]])
        >>> encode_box_to_deltas(anchors, anchors, "xyxy", "xyxy")
        tensor([[0., 0., 0., 0.]])
    """
    variance = _check_encoding(variance, encoding_format, "encoding_format")
    height, width = _image_size(image_shape)
    anchors = convert_format(anchors, anchor_format, encoding_format, height, width)
    boxes = convert_format(boxes, box_format, encoding_format, height, width)
    anchor_size = anchors[..., 2:].clamp(min=_EPSILON)
    box_size = boxes[..., 2:].clamp(min=_EPSILON)
    deltas = torch.cat([(boxes[..., :2] - anchors[..., :2]) / anchor_size, torch.log(box_size / anchor_size)], -1)
    return deltas if variance is None else deltas / variance.to(deltas.device)


def decode_deltas_to_boxes(anchors, boxes_delta, anchor_format, box_format, encoded_format="center_yxhw",
                           variance=None, image_shape=None):
    """Inverse of `encode_box_to_deltas`; dicts of anchors and deltas (one per feature level) give
    a dict of boxes.

    Example:
        >>> anchors = torch.tensor([[0., 0., 10., 10.]])
        >>> decode_deltas_to_boxes(anchors, torch.zeros(1, 4), "xyxy", "xyxy")
        tensor([[ 0.,  0., 10., 10.]])
    """
    variance = _check_encoding(variance, encoded_format, "encoded_format")
    height, width = _image_size(image_shape)

    def decode(anchor, delta):
        anchor = convert_format(anchor, anchor_format, encoded_format, height, width)
        delta = _as_tensor(delta)
        if variance is not None:
            delta = delta * variance.to(delta.device)
        box = torch.cat([delta[..., :2] * anchor[..., 2:] + anchor[..., :2], torch.exp(delta[..., 2:]) * anchor[..., 2:]],
                        dim=-1)
        return convert_format(box, encoded_format, box_format, height, width)

    if isinstance(anchors, dict) and isinstance(boxes_delta, dict):
        return {level: decode(anchor, boxes_delta[level]) for level, anchor in anchors.items()}
    return decode(anchors, boxes_delta)
