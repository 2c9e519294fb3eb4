"""Bounding-box formats and ``keras.utils.bounding_boxes.convert_format``.

A box is four numbers on the last axis of an array ``(..., 4)``. Its format names their
meaning (lower or upper case, as Keras accepts):

    xyxy            left, top, right, bottom              (pixels)
    yxyx            top, left, bottom, right
    xywh            left, top, width, height
    center_xywh     centre x, centre y, width, height
    center_yxhw     centre y, centre x, height, width
    rel_<format>    <format> in fractions of the image's width (x, width) and height
                    (y, height), for xyxy, yxyx, xywh and center_xywh

Every conversion goes through the corners (left, top, right, bottom) in pixels.
"""
import numpy as np

from .... import ops

_X, _Y = 0, 1  # which image side (width or height) a coordinate is measured along


def _corners_from_xywh(x, y, w, h):
    return x, y, x + w, y + h


def _xywh_from_corners(x1, y1, x2, y2):
    return x1, y1, x2 - x1, y2 - y1


def _corners_from_center(cx, cy, w, h):
    return cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0


def _center_from_corners(x1, y1, x2, y2):
    w, h = x2 - x1, y2 - y1
    return x1 + w / 2.0, y1 + h / 2.0, w, h


def _corners_from_center_yx(cy, cx, h, w):
    return _corners_from_center(cx, cy, w, h)


def _center_yx_from_corners(x1, y1, x2, y2):
    cx, cy, w, h = _center_from_corners(x1, y1, x2, y2)
    return cy, cx, h, w


def _swap_pairs(a, b, c, d):
    """yxyx <-> xyxy: each (x, y) pair read or written as (y, x)."""
    return b, a, d, c


def _same(a, b, c, d):
    return a, b, c, d


# base format: (its coordinates -> corners, corners -> its coordinates, axis of each value)
_BASE_FORMATS = {
    "xyxy": (_same, _same, (_X, _Y, _X, _Y)),
    "yxyx": (_swap_pairs, _swap_pairs, (_Y, _X, _Y, _X)),
    "xywh": (_corners_from_xywh, _xywh_from_corners, (_X, _Y, _X, _Y)),
    "center_xywh": (_corners_from_center, _center_from_corners, (_X, _Y, _X, _Y)),
    "center_yxhw": (_corners_from_center_yx, _center_yx_from_corners, (_Y, _X, _Y, _X)),
}
RELATIVE_BASES = ("xyxy", "yxyx", "xywh", "center_xywh")
FORMATS = tuple(_BASE_FORMATS) + tuple(f"rel_{base}" for base in RELATIVE_BASES)


def standardize_format(bounding_box_format, allowed=FORMATS, name="bounding_box_format"):
    """``bounding_box_format`` in lower case, checked against ``allowed``."""
    if not isinstance(bounding_box_format, str) or bounding_box_format.lower() not in allowed:
        raise ValueError(f"`{name}` must be one of {list(allowed)} (any case). Received: "
                         f"{name}={bounding_box_format!r}")
    return bounding_box_format.lower()


def require_xyxy(bounding_box_format, function):
    """Keras's crop, pad and affine_transform read only pixel corners."""
    if bounding_box_format != "xyxy":
        raise NotImplementedError(
            f"{function}() supports only bounding_box_format='xyxy' (as Keras); convert the "
            f"boxes first with keras.utils.bounding_boxes.convert_format. Received: "
            f"bounding_box_format={bounding_box_format!r}")


def box_array(boxes, name="boxes", ranks=None):
    """``boxes`` as a Tensor whose last axis holds the 4 coordinates (of one of ``ranks``)."""
    if isinstance(boxes, dict):
        raise TypeError(f"`{name}` must be an array of boxes here, not a dict. Received keys: "
                        f"{sorted(boxes)}")
    boxes = ops.convert_to_tensor(boxes)
    shape = tuple(boxes.shape)
    if not shape or shape[-1] != 4:
        raise ValueError(f"`{name}` must have a last axis of 4 coordinates, shape (..., 4). "
                         f"Received: {name}.shape={shape}")
    if ranks is not None and len(shape) not in ranks:
        raise ValueError(f"`{name}` must have rank {' or '.join(map(str, ranks))} (shape "
                         f"(num_boxes, 4) or (batch, num_boxes, 4)). Received: "
                         f"{name}.shape={shape}")
    return boxes


def boxes_of(bounding_boxes, function, keys=("boxes",)):
    """The dict ``{"boxes", "labels", ...}`` that ``function`` reads, checked for ``keys``."""
    if not isinstance(bounding_boxes, dict):
        raise TypeError(f"{function}() expects `bounding_boxes` to be a dict with keys "
                        f"{list(keys)}. Received: {type(bounding_boxes).__name__}")
    missing = [key for key in keys if key not in bounding_boxes]
    if missing:
        raise ValueError(f"{function}() expects `bounding_boxes` to have the keys "
                         f"{list(keys)}; {missing} missing. Received keys: "
                         f"{sorted(bounding_boxes)}")
    return bounding_boxes


def image_height_width(image_shape):
    """(height, width) of ``image_shape`` = (height, width[, channels]), or (None, None)."""
    if image_shape is None:
        return None, None
    if len(image_shape) not in (2, 3):
        raise ValueError("`image_shape` must be (height, width) or (height, width, channels)."
                         f" Received: image_shape={image_shape!r}")
    return image_shape[0], image_shape[1]


def split_coordinates(boxes):
    """The four coordinates of ``boxes`` (..., 4), each (..., 1)."""
    return ops.split(boxes, 4, axis=-1)


def _to_corners(coordinates, source, sizes):
    relative = source.startswith("rel_")
    read, _, _ = _BASE_FORMATS[source[4:] if relative else source]
    corners = read(*coordinates)
    if relative:  # fractions of the image's sides -> pixels
        corners = tuple(value * sizes[axis] for value, axis in zip(corners, (_X, _Y, _X, _Y)))
    return corners


def _from_corners(corners, target, sizes):
    relative = target.startswith("rel_")
    _, write, axes = _BASE_FORMATS[target[4:] if relative else target]
    values = write(*corners)
    if relative:  # pixels -> fractions of the image's sides
        values = tuple(value / sizes[axis] for value, axis in zip(values, axes))
    return values


def convert_format(boxes, source, target, height=None, width=None, dtype="float32"):
    """Convert boxes (``(..., 4)``, or the ``"boxes"`` of a dict) from format ``source`` to
    ``target`` (see the module docstring for the formats), cast to ``dtype``.

    A relative format needs the image's ``height`` and ``width``. Two relative formats
    convert without them (the fractions map directly). Given a dict, its ``"boxes"`` entry
    is replaced in place and the same dict returned, as Keras does.
    """
    if isinstance(boxes, dict):
        boxes_of(boxes, "convert_format")
        boxes["boxes"] = convert_format(boxes["boxes"], source, target, height, width, dtype)
        return boxes
    boxes = box_array(boxes)
    source = standardize_format(source, name="source")
    target = standardize_format(target, name="target")
    both_relative = source.startswith("rel_") and target.startswith("rel_")
    if both_relative:
        source, target = source[4:], target[4:]
    if (source.startswith("rel_") or target.startswith("rel_")) and (
            height is None or width is None):
        raise ValueError(f"convert_format() needs the image's `height` and `width` to "
                         f"convert between relative and pixel formats. Received: "
                         f"source={source!r}, target={target!r}, height={height}, "
                         f"width={width}")
    boxes = ops.cast(boxes, dtype)
    if source == target:
        return boxes
    sizes = {_X: None if width is None else np.asarray(width, dtype),
             _Y: None if height is None else np.asarray(height, dtype)}
    corners = _to_corners(split_coordinates(boxes), source, sizes)
    return ops.concatenate(list(_from_corners(corners, target, sizes)), axis=-1)
