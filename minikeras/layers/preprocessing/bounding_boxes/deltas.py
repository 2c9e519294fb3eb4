"""Boxes as deltas from anchors, the regression target of a detector's box head
(keras.utils.bounding_boxes.encode_box_to_deltas / decode_deltas_to_boxes).

In a centre format (centre c, size s; ``center_yxhw`` or ``center_xywh``):

    delta = ((c_box - c_anchor) / s_anchor, log(s_box / s_anchor)) / variance
    box   = (delta_c variance_c s_anchor + c_anchor, exp(delta_s variance_s) s_anchor)

with both sizes floored at ``backend.epsilon()`` when encoding. Anchors are (n, 4); boxes
or deltas are (n, 4) or (batch, n, 4).
"""
import numpy as np

from .... import backend, ops
from .formats import box_array, convert_format, image_height_width, standardize_format

_CENTRE_FORMATS = ("center_xywh", "center_yxhw")


def _variance(variance):
    """``variance`` as a float32 array of 4, or None."""
    if variance is None:
        return None
    array = np.asarray(ops.convert_to_numpy(variance), "float32")
    if array.shape[-1:] != (4,):
        raise ValueError(f"`variance` must hold 4 values (one per box coordinate). Received: "
                         f"variance={variance!r}")
    return array


def encode_box_to_deltas(anchors, boxes, anchor_format, box_format,
                         encoding_format="center_yxhw", variance=None, image_shape=None):
    """The deltas that move each anchor onto its box (formula in the module docstring).

    ``image_shape`` = (height, width[, channels]) is needed for relative formats.
    """
    variance = _variance(variance)
    encoding_format = standardize_format(encoding_format, _CENTRE_FORMATS, "encoding_format")
    height, width = image_height_width(image_shape)
    anchors = convert_format(box_array(anchors, "anchors"), anchor_format, encoding_format,
                             height, width)
    boxes = convert_format(box_array(boxes), box_format, encoding_format, height, width)
    anchor_size = ops.maximum(anchors[..., 2:], backend.epsilon())
    box_size = ops.maximum(boxes[..., 2:], backend.epsilon())
    deltas = ops.concatenate([(boxes[..., :2] - anchors[..., :2]) / anchor_size,
                              ops.log(box_size / anchor_size)], axis=-1)
    return deltas if variance is None else deltas / variance


def decode_deltas_to_boxes(anchors, boxes_delta, anchor_format, box_format,
                           encoded_format="center_yxhw", variance=None, image_shape=None):
    """The boxes (in ``box_format``) that ``boxes_delta`` make of the anchors: the inverse
    of ``encode_box_to_deltas``. ``anchors`` and ``boxes_delta`` may both be dicts of
    pyramid levels (same keys): the result is then a dict of boxes per level."""
    variance = _variance(variance)
    encoded_format = standardize_format(encoded_format, _CENTRE_FORMATS, "encoded_format")
    height, width = image_height_width(image_shape)

    def decode(anchor, delta):
        anchor = convert_format(box_array(anchor, "anchors"), anchor_format, encoded_format,
                                height, width)
        delta = box_array(delta, "boxes_delta")
        if variance is not None:
            delta = delta * variance
        box = ops.concatenate([delta[..., :2] * anchor[..., 2:] + anchor[..., :2],
                               ops.exp(delta[..., 2:]) * anchor[..., 2:]], axis=-1)
        return convert_format(box, encoded_format, box_format, height, width)

    if isinstance(anchors, dict) or isinstance(boxes_delta, dict):
        if not (isinstance(anchors, dict) and isinstance(boxes_delta, dict)) or (
                set(anchors) != set(boxes_delta)):
            raise ValueError("`anchors` and `boxes_delta` must both be arrays, or both dicts "
                             "with the same level keys. Received: "
                             f"{_levels(anchors)} and {_levels(boxes_delta)}")
        return {level: decode(anchor, boxes_delta[level]) for level, anchor in anchors.items()}
    return decode(anchors, boxes_delta)


def _levels(value):
    return f"dict with keys {sorted(value)}" if isinstance(value, dict) else type(value).__name__
