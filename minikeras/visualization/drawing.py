"""Drawing into image arrays: box outlines with their labels (``draw_bounding_boxes``) and
coloured segmentation masks (``draw_segmentation_masks``), in numpy.

Keras draws boxes with OpenCV's ``cv2.rectangle``; the outlines here cover exactly the
pixels it covers (checked against it): a thickness-t outline is every pixel within
(t + 1) // 2 (Euclidean) of the rectangle's edges, so its outer corners are rounded; t <= 1
is the one-pixel edge and t < 0 fills the box. Text labels are drawn with Pillow's
default font (the ``images`` extra) where Keras uses OpenCV's Hershey font, at the same
place and about the same size, so their pixels differ.
"""
import numpy as np

from .. import ops
from ..ops.convolution import standardize_data_format
from ..utils.bounding_boxes import convert_format

_PIXELS_PER_FONT_SCALE = 30  # Pillow font size matching Hershey simplex's width at scale 1


def batched_images(images, function):
    """``images`` as a numpy array, checked to be a batch (rank 4)."""
    images = ops.convert_to_numpy(images)
    if images.ndim != 4:
        raise ValueError(f"{function}() expects a batch of images, shape (batch, height, "
                         f"width, channels) (or channels first). Received: images.shape="
                         f"{images.shape}")
    return images


def channels_last(array, data_format):
    """(batch, channels, height, width) -> (batch, height, width, channels) if channels
    first, else ``array``."""
    return array.transpose(0, 2, 3, 1) if data_format == "channels_first" else array


def _restore_layout(array, data_format):
    return array.transpose(0, 3, 1, 2) if data_format == "channels_first" else array


def to_uint8(images):
    """Images as uint8, as Keras's drawing does: floats with max <= 1 are taken as [0, 1]
    and scaled by 255, other floats clipped to [0, 255]; then truncated."""
    if images.dtype.kind == "f" and images.size:
        images = np.clip(images, 0, 1) * 255 if images.max() <= 1.0 else np.clip(images, 0, 255)
    return images.astype("uint8")


def outline(height, width, x1, y1, x2, y2, thickness):
    """Boolean (height, width) mask of cv2.rectangle's pixels for corners (x1, y1), (x2, y2)
    (integers, any order, may lie outside the image)."""
    left, right, top, bottom = min(x1, x2), max(x1, x2), min(y1, y2), max(y1, y2)
    rows, cols = np.arange(height)[:, None], np.arange(width)[None, :]
    # distance components from each pixel to the rectangle (0 inside it)
    dx = np.maximum(np.maximum(left - cols, cols - right), 0)
    dy = np.maximum(np.maximum(top - rows, rows - bottom), 0)
    inside = (dx == 0) & (dy == 0)
    if thickness < 0:
        return inside
    radius = 0 if thickness <= 1 else (thickness + 1) // 2
    to_edge = np.minimum(np.minimum(cols - left, right - cols),
                         np.minimum(rows - top, bottom - rows))   # for pixels inside
    return np.where(inside, to_edge ** 2, dx ** 2 + dy ** 2) <= radius ** 2


def _text_origin(x, y, font_scale, thickness):
    """Keras's label place (the text's bottom-left): 8 pixels above the box's top-left
    corner, or inside the box when that would leave the image."""
    font_height = int(font_scale * 12)
    if y - 8 - 2 * font_height > 0:
        return x, y - 8
    return x + 3, y + 2 * font_height + thickness + 3


def _draw_text(image, text, origin, color, font_scale, thickness):
    """``text`` drawn into the uint8 (height, width, 3) ``image`` with its baseline's left
    end at ``origin``."""
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError as exc:
        raise ImportError('Drawing box labels (class_mapping) needs Pillow: pip install '
                          '"minikeras[images]" (or pip install pillow).') from exc
    size = max(1, round(font_scale * _PIXELS_PER_FONT_SCALE))
    try:
        font = ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: one bitmap size only
        font = ImageFont.load_default()
    rgb = image.shape[-1] >= 3
    canvas = Image.fromarray(np.ascontiguousarray(image[..., :3] if rgb else image[..., 0]))
    fill = tuple(int(c) for c in color[:3]) if rgb else int(color[0])
    ImageDraw.Draw(canvas).text(origin, text, fill=fill, font=font, anchor="ls",
                                stroke_width=(thickness - 1) // 2, stroke_fill=fill)
    image[..., :3 if rgb else 1] = np.asarray(canvas).reshape(image.shape[:2] + (-1,))


def _pixel_value(color, channels):
    """An RGB ``color`` for an image of ``channels``: cut, or padded with 0 (as OpenCV)."""
    value = np.zeros(channels)
    value[:min(channels, len(color))] = np.asarray(color, "float64")[:channels]
    return value


def draw_bounding_boxes(images, bounding_boxes, bounding_box_format, class_mapping=None,
                        color=(128, 128, 128), line_thickness=2, text_thickness=1,
                        font_scale=1.0, data_format=None):
    """Draw each image's boxes (and, with ``class_mapping``, their class names) onto a copy
    of the images; returns a uint8 numpy array of the images' shape.

    Args:
        images: a batch of images (float images with max <= 1 are taken as [0, 1]).
        bounding_boxes: ``{"boxes": (batch, n, 4), "labels": (batch, n)}`` plus optional
            ``"confidences"`` (batch, n), printed after the class name. Boxes labelled -1
            are padding and not drawn.
        bounding_box_format: the boxes' format (see ``convert_format``).
        class_mapping: ``{class id: name}``; classes not in it get no text.
        color: the RGB colour of outlines and text.
        line_thickness: outline width in pixels (as OpenCV: -1 fills the box).
        text_thickness: stroke width of the text; 0 or None: ``line_thickness``.
        font_scale: text size (1.0: about 22 pixels for a capital letter).
        data_format: "channels_last" or "channels_first"; None: the global setting.
    """
    data_format = standardize_data_format(data_format)
    images = channels_last(batched_images(images, "draw_bounding_boxes"), data_format)
    if not isinstance(bounding_boxes, dict):
        raise TypeError("draw_bounding_boxes() expects `bounding_boxes` to be a dict with "
                        f"keys 'boxes' and 'labels'. Received: {type(bounding_boxes).__name__}")
    if "boxes" not in bounding_boxes or "labels" not in bounding_boxes:
        raise ValueError("draw_bounding_boxes() expects `bounding_boxes` to have the keys "
                         f"'boxes' and 'labels'. Received keys: {sorted(bounding_boxes)}")
    batch, height, width = images.shape[:3]
    boxes = ops.convert_to_numpy(convert_format(bounding_boxes["boxes"], bounding_box_format,
                                                "xyxy", height, width))
    labels = ops.convert_to_numpy(bounding_boxes["labels"])
    confidences = bounding_boxes.get("confidences")
    confidences = None if confidences is None else ops.convert_to_numpy(confidences)
    if boxes.shape[:-1] != (batch, labels.shape[-1]) or labels.shape[0] != batch:
        raise ValueError(f"draw_bounding_boxes() expects boxes (batch, n, 4) and labels "
                         f"(batch, n) for {batch} images. Received: boxes.shape="
                         f"{boxes.shape}, labels.shape={labels.shape}")
    class_mapping = class_mapping or {}
    text_thickness = text_thickness or line_thickness
    drawn = to_uint8(images)   # a new array: the caller's images stay as they were
    colour = _pixel_value(color, drawn.shape[-1])
    for i in range(batch):
        for j in range(boxes.shape[1]):
            label = int(labels[i, j])
            if label == -1:
                continue
            x1, y1, x2, y2 = (int(v) for v in boxes[i, j].astype("int32"))
            drawn[i][outline(height, width, x1, y1, x2, y2, line_thickness)] = colour
            if label in class_mapping:
                text = str(class_mapping[label])
                if confidences is not None:
                    text = f"{text} | {confidences[i, j]:.2f}"
                _draw_text(drawn[i], text, _text_origin(x1, y1, font_scale, text_thickness),
                           color, font_scale, text_thickness)
    return _restore_layout(drawn, data_format)


def color_palette(num_classes):
    """Keras's default class colours: class i is (i * (2^25 - 1, 2^15 - 1, 2^21 - 1)) mod 255."""
    spread = np.array([2 ** 25 - 1, 2 ** 15 - 1, 2 ** 21 - 1])
    return [(i * spread % 255).tolist() for i in range(num_classes)]


def _class_colors(num_classes, color_mapping):
    if color_mapping is None:
        return np.asarray(color_palette(num_classes), "float32").reshape(-1, 3)
    missing = [i for i in range(num_classes) if i not in color_mapping]
    if missing:
        raise ValueError(f"`color_mapping` must give a colour to every class 0..{num_classes - 1}"
                         f"; missing: {missing}")
    return np.asarray([color_mapping[i] for i in range(num_classes)], "float32").reshape(-1, 3)


def class_id_masks(masks, batch_shape, data_format):
    """Integer masks (batch, height, width[, 1]) (or (batch, 1, height, width) channels first)
    as (batch, height, width), checked against the images' (batch, height, width)."""
    masks = ops.convert_to_numpy(masks)
    if masks.dtype.kind not in "iu":
        raise TypeError("`segmentation_masks` must hold integer class ids. Received dtype: "
                        f"{masks.dtype}")
    if masks.ndim == 4:
        masks = channels_last(masks, data_format)
        masks = masks[..., 0] if masks.shape[-1] == 1 else masks
    if masks.shape != tuple(batch_shape):
        raise ValueError(f"`segmentation_masks` must be (batch, height, width) or (batch, "
                         f"height, width, 1) for images of (batch, height, width) = "
                         f"{tuple(batch_shape)}. Received shape: {masks.shape}")
    return masks


def draw_segmentation_masks(images, segmentation_masks, num_classes=None, color_mapping=None,
                            alpha=0.8, blend=True, ignore_index=-1, data_format=None):
    """Paint each pixel of class k (0 <= k < num_classes, k != ignore_index) with class k's
    colour.

    With ``blend`` the result is ``(1 - alpha) image + alpha colour`` on those pixels,
    truncated to uint8; without it, the colours replace the pixels in a float32 array.
    Pixels of other values keep the image. ``num_classes`` None: the largest class id
    (as Keras, so that id itself gets no colour). ``color_mapping``: ``{class id: RGB}``
    for every class; None: Keras's palette (``color_palette``). Returns numpy arrays in
    the images' layout.
    """
    data_format = standardize_data_format(data_format)
    images = channels_last(batched_images(images, "draw_segmentation_masks"), data_format)
    images = images.astype("float32")
    masks = class_id_masks(segmentation_masks, images.shape[:3], data_format)
    if num_classes is None:
        num_classes = int(masks.max())
    colors = _class_colors(num_classes, color_mapping)
    painted = (masks >= 0) & (masks < num_classes) & (masks != ignore_index)
    drawn = images.copy()
    drawn[painted] = colors[masks[painted]]
    if blend:
        mixed = images * (1 - alpha) + drawn * alpha
        drawn = np.where((masks != ignore_index)[..., None], mixed, images)
        drawn = np.clip(drawn, 0, 255).astype("uint8")
    return _restore_layout(drawn, data_format)
