"""Overlap of boxes: the pairwise IoU table and the complete IoU (CIoU) of matched boxes
(keras.utils.bounding_boxes.compute_iou / compute_ciou)."""
import math

from .... import backend, ops
from .formats import box_array, convert_format, image_height_width, split_coordinates


def _area(x1, y1, x2, y2):
    return (x2 - x1) * (y2 - y1)


def _overlap(low1, high1, low2, high2):
    """Length of the overlap of [low1, high1] and [low2, high2] (0 when apart)."""
    return ops.maximum(ops.minimum(high1, high2) - ops.maximum(low1, low2), 0.0)


def _rows_against_columns(coordinate1, coordinate2):
    """(..., m, 1) and (..., n, 1) -> (..., m, 1) and (..., 1, n) that broadcast to a table."""
    return coordinate1, ops.swapaxes(coordinate2, -1, -2)


def compute_iou(boxes1, boxes2, bounding_box_format, use_masking=False, mask_val=-1,
                image_shape=None):
    """The table of intersection over union of every box of ``boxes1`` with every box of
    ``boxes2``:

        iou[..., i, j] = |b1_i ∩ b2_j| / (|b1_i| + |b2_j| - |b1_i ∩ b2_j| + epsilon)

    Shapes: (m, 4) and (n, 4) -> (m, n); when either is batched, (batch, m, n). With
    ``use_masking``, pairs where either box has all coordinates below 0 (padding) get
    ``mask_val``. ``image_shape`` = (height, width[, channels]) is needed for relative
    formats.
    """
    boxes1 = box_array(boxes1, "boxes1", ranks=(2, 3))
    boxes2 = box_array(boxes2, "boxes2", ranks=(2, 3))
    if "rel" in str(bounding_box_format).lower() and image_shape is None:
        raise ValueError("compute_iou() needs `image_shape` for a relative "
                         f"bounding_box_format. Received: bounding_box_format="
                         f"{bounding_box_format!r}, image_shape=None")
    height, width = image_height_width(image_shape)
    boxes1 = convert_format(boxes1, bounding_box_format, "xyxy", height, width)
    boxes2 = convert_format(boxes2, bounding_box_format, "xyxy", height, width)
    pairs = [_rows_against_columns(c1, c2)
             for c1, c2 in zip(split_coordinates(boxes1), split_coordinates(boxes2))]
    (x1a, x1b), (y1a, y1b), (x2a, x2b), (y2a, y2b) = pairs
    intersection = _overlap(y1a, y2a, y1b, y2b) * _overlap(x1a, x2a, x1b, x2b)
    union = _area(x1a, y1a, x2a, y2a) + _area(x1b, y1b, x2b, y2b) - intersection
    iou = intersection / (union + backend.epsilon())
    if not use_masking:
        return iou
    padding1, padding2 = _rows_against_columns(ops.max(boxes1, axis=-1, keepdims=True) < 0,
                                               ops.max(boxes2, axis=-1, keepdims=True) < 0)
    return ops.where(ops.logical_or(padding1, padding2), float(mask_val), iou)


def compute_ciou(boxes1, boxes2, bounding_box_format, image_shape=None):
    """Complete IoU of matched boxes (Zheng et al., 2020), shapes (..., 4) -> (...):

        ciou = iou - ρ² / c² - α v,   v = 4/π² (atan(w2/h2) - atan(w1/h1))²,
        α = v / (v - iou + 1 + ε)

    ρ: distance of the centres, c: diagonal of the smallest box holding both; heights get
    +ε, the union and c² +ε, as in Keras. Relative formats are refused, as Keras refuses
    them.
    """
    if "rel" in str(bounding_box_format).lower():
        raise ValueError("compute_ciou() does not take relative formats (as Keras); convert "
                         "the boxes to pixels first. Received: bounding_box_format="
                         f"{bounding_box_format!r}")
    height, width = image_height_width(image_shape)
    eps = backend.epsilon()
    x1a, y1a, x2a, y2a = split_coordinates(convert_format(
        box_array(boxes1, "boxes1"), bounding_box_format, "xyxy", height, width))
    x1b, y1b, x2b, y2b = split_coordinates(convert_format(
        box_array(boxes2, "boxes2"), bounding_box_format, "xyxy", height, width))
    w1, h1 = x2a - x1a, y2a - y1a + eps
    w2, h2 = x2b - x1b, y2b - y1b + eps
    intersection = _overlap(x1a, x2a, x1b, x2b) * _overlap(y1a, y2a, y1b, y2b)
    union = w1 * h1 + w2 * h2 - intersection + eps
    iou = ops.squeeze(intersection / (union + eps), axis=-1)
    hull_w = ops.maximum(x2a, x2b) - ops.minimum(x1a, x1b)
    hull_h = ops.maximum(y2a, y2b) - ops.minimum(y1a, y1b)
    hull_diagonal2 = ops.squeeze(hull_w ** 2 + hull_h ** 2 + eps, axis=-1)
    centre_distance2 = ops.squeeze(((x1a + x2a) / 2 - (x1b + x2b) / 2) ** 2
                                   + ((y1a + y2a) / 2 - (y1b + y2b) / 2) ** 2, axis=-1)
    v = ops.squeeze((4 / math.pi ** 2) * (ops.arctan(w2 / h2) - ops.arctan(w1 / h1)) ** 2,
                    axis=-1)
    alpha = v / (v - iou + (1 + eps))
    return iou - (centre_distance2 / hull_diagonal2 + v * alpha)
