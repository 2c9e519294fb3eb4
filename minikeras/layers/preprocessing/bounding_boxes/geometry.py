"""Boxes through image geometry: clipping to the image, cropping, padding and the affine
map of a rotated, shifted, scaled and sheared image (keras.utils.bounding_boxes)."""
import numpy as np

from .... import ops
from .formats import box_array, boxes_of, require_xyxy, split_coordinates, standardize_format


def _clip_corners(boxes, left, top, width, height):
    """Corners (``xyxy``) shifted by (-left, -top), then clipped to [0, width] x [0, height]
    (an upper bound of None leaves that side open)."""
    x1, y1, x2, y2 = split_coordinates(boxes)
    xs = [ops.clip(x - left, 0, width) for x in (x1, x2)]
    ys = [ops.clip(y - top, 0, height) for y in (y1, y2)]
    return ops.concatenate([xs[0], ys[0], xs[1], ys[1]], axis=-1)


def clip_to_image_size(bounding_boxes, height=None, width=None, bounding_box_format="xyxy"):
    """Clip ``{"boxes", "labels"}`` to the image: corners into [0, width] x [0, height]
    (``"xyxy"``) or [0, 1] x [0, 1] (``"rel_xyxy"``); a box left with no area gets label -1.

    Returns a new dict (other entries kept); ``labels`` is optional.
    """
    fmt = standardize_format(bounding_box_format, ("xyxy", "rel_xyxy"))
    boxes = box_array(boxes_of(bounding_boxes, "clip_to_image_size")["boxes"])
    if fmt == "xyxy" and (height is None or width is None):
        raise ValueError("clip_to_image_size() needs the image's `height` and `width` for "
                         f"bounding_box_format='xyxy'. Received: height={height}, "
                         f"width={width}")
    if fmt == "rel_xyxy":
        height, width = 1.0, 1.0
    boxes = _clip_corners(boxes, 0, 0, width, height)
    result = dict(bounding_boxes, boxes=boxes)
    if "labels" in bounding_boxes:
        x1, y1, x2, y2 = split_coordinates(boxes)
        area = ops.squeeze((x2 - x1) * (y2 - y1), axis=-1)
        result["labels"] = ops.where(area > 0, bounding_boxes["labels"], -1)
    return result


def crop(boxes, top, left, height, width, bounding_box_format="xyxy"):
    """The boxes of the crop of the image that starts at (``top``, ``left``) and is
    ``height`` x ``width``: corners moved by (-left, -top) and clipped to the crop (a
    ``height`` or ``width`` of None clips only at 0)."""
    require_xyxy(bounding_box_format, "crop")
    return _clip_corners(box_array(boxes), left, top, width, height)


def pad(boxes, top, left, height=None, width=None, bounding_box_format="xyxy"):
    """The boxes of the image padded by ``top`` rows and ``left`` columns: corners moved by
    (left, top).

    ``height`` and ``width`` (the padded image's size) are part of Keras's signature; a
    shift does not depend on them, so Keras does not read them and neither does this.
    """
    require_xyxy(bounding_box_format, "pad")
    x1, y1, x2, y2 = split_coordinates(box_array(boxes))
    return ops.concatenate([x1 + left, y1 + top, x2 + left, y2 + top], axis=-1)


def _per_image(value, batch, name):
    """A transform parameter as a float32 vector of one value per image."""
    value = np.asarray(ops.convert_to_numpy(value), "float32")
    if value.ndim > 1 or (value.ndim == 1 and value.shape[0] not in (1, batch)):
        raise ValueError(f"`{name}` must be a number or one value per image (shape "
                         f"({batch},)). Received: shape {value.shape}")
    return np.broadcast_to(value, (batch,))


def affine_matrix(angle, translate_x, translate_y, scale, shear_x, shear_y, height, width,
                  center_x, center_y):
    """Per image, the 2 x 3 matrix (batch, 2, 3) that Keras applies to box corners for these
    RandomAffine parameters (angles in degrees, shifts and centre in fractions of the image
    side, measured on (side - 1) pixels).

    With r = -angle, sx = -shear_x, sy = -shear_y (radians) the rotation-shear part is

        [[a, b], [c, d]],  a = cos(r - sy) / cos(sy),  b = a tan(sx) + sin(r),
                           c = -sin(r - sy) / cos(sy), d = cos(r) - c tan(sx)

    (determinant 1), whose inverse times ``scale`` is the linear part M; the offset keeps
    the centre c0 fixed after the shift t: offset = c0 - M (c0 + t), with
    t = -(translate_x (width - 1), translate_y (height - 1)).
    """
    r, sx, sy = (np.radians(-np.asarray(v, "float32")) for v in (angle, shear_x, shear_y))
    a = np.cos(r - sy) / np.cos(sy)
    b = a * np.tan(sx) + np.sin(r)
    c = -np.sin(r - sy) / np.cos(sy)
    d = np.cos(r) - c * np.tan(sx)
    linear = np.stack([np.stack([d, -b], -1), np.stack([-c, a], -1)], -2) * scale[:, None, None]
    centre = np.stack([center_x * (width - 1), center_y * (height - 1)], -1)   # (batch, 2)
    shifted = centre + np.stack([-translate_x * (width - 1), -translate_y * (height - 1)], -1)
    offset = centre - np.einsum("bij,bj->bi", linear, shifted)
    return np.concatenate([linear, offset[:, :, None]], axis=-1).astype("float32")


def affine_transform(boxes, angle, translate_x, translate_y, scale, shear_x, shear_y, height,
                     width, center_x=None, center_y=None, bounding_box_format="xyxy"):
    """The boxes of an image moved by Keras's RandomAffine map: each box's four corners
    go through ``affine_matrix`` and the result is the smallest box holding them.

    ``boxes`` is (batch, n, 4) or (n, 4); every parameter is a number or one value per
    image. ``center_x`` / ``center_y`` (fractions, default 0.5) fix the centre of rotation.
    """
    require_xyxy(bounding_box_format, "affine_transform")
    boxes = box_array(boxes, ranks=(2, 3))
    unbatched = len(boxes.shape) == 2
    if unbatched:
        boxes = ops.expand_dims(boxes, 0)
    batch = boxes.shape[0]
    params = {name: _per_image(value, batch, name) for name, value in (
        ("angle", angle), ("translate_x", translate_x), ("translate_y", translate_y),
        ("scale", scale), ("shear_x", shear_x), ("shear_y", shear_y),
        ("center_x", 0.5 if center_x is None else center_x),
        ("center_y", 0.5 if center_y is None else center_y))}
    matrix = affine_matrix(height=height, width=width, **params)
    x1, y1, x2, y2 = split_coordinates(ops.cast(boxes, "float32"))
    corners = ops.stack([ops.concatenate(pair, axis=-1)                  # (batch, n, 4, 2)
                         for pair in ((x1, y1), (x2, y1), (x2, y2), (x1, y2))], axis=2)
    moved = ops.einsum("bnkj,bij->bnki", corners, matrix[:, :, :2]) + matrix[:, None, None, :, 2]
    result = ops.concatenate([ops.min(moved, axis=2), ops.max(moved, axis=2)], axis=-1)
    return result[0] if unbatched else result

