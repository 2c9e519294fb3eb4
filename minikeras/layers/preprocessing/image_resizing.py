"""Deterministic image geometry: Resizing and CenterCrop."""
import numpy as np

from ... import backend, ops
from ...ops import image as image_ops
from ..layer import LAYERS
from .bounding_boxes.formats import convert_format
from .bounding_boxes.geometry import clip_to_image_size
from .image_data import MovesPixels, transform_data
from .preprocessing_layer import ImagePreprocessingLayer


@LAYERS.register("Resizing")
class Resizing(MovesPixels, ImagePreprocessingLayer):
    """Resize images to (height, width) with ``keras.ops.image.resize``.

    Args:
        height, width: the output size.
        interpolation: "bilinear" (default), "nearest", "bicubic", "lanczos3", "lanczos5",
            "area".
        Integer images are resized in float and returned rounded in their own dtype.
        crop_to_aspect_ratio / pad_to_aspect_ratio: keep the aspect ratio by first cropping
            the centred box / padding with ``fill_value``.
        antialias: widen the kernel when shrinking.
        bounding_box_format: the format of the boxes of a dict input (image_data.py),
            scaled (and shifted) with their images.
    """

    _keeps_image_dtype = True

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0,
                 antialias=False, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if interpolation not in image_ops.RESIZE_INTERPOLATIONS:
            raise ValueError(f"Invalid value for argument `interpolation`. Expected one of "
                             f"{image_ops.RESIZE_INTERPOLATIONS}. Received: "
                             f"interpolation={interpolation!r}")
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be "
                             "`True`.")
        self.height, self.width = int(height), int(width)
        self.interpolation, self.antialias = interpolation, bool(antialias)
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode, self.fill_value = fill_mode, float(fill_value)

    def call(self, inputs):
        if isinstance(inputs, dict):
            return transform_data(self, inputs, training=True)
        return self.apply(self._checked_images(inputs, cast=False))

    def draw(self, images, training):
        return self._hw(images.shape)

    def apply(self, images, transformation=None, interpolation=None):
        floats = images if images.dtype == self.dtype else ops.cast(images, self.dtype)
        return _in_input_dtype(self._resized(floats, interpolation), images)

    def _resized(self, images, interpolation):
        return image_ops.resize(
            images, (self.height, self.width),
            interpolation=interpolation or self.interpolation, antialias=self.antialias,
            crop_to_aspect_ratio=self.crop_to_aspect_ratio,
            pad_to_aspect_ratio=self.pad_to_aspect_ratio, fill_mode=self.fill_mode,
            fill_value=self.fill_value, data_format=self.data_format)

    def move_boxes(self, boxes, transformation, height, width):
        """Boxes scaled with the image (and shifted by the padding or the crop), clipped to
        the output; boxes of all 0s or all -1s (padding) come out as all 0s, as in Keras."""
        padding = ops.expand_dims(ops.logical_or(ops.all(boxes["boxes"] == -1, axis=-1),
                                                 ops.all(boxes["boxes"] == 0, axis=-1)), -1)
        corners = convert_format(boxes["boxes"], self.bounding_box_format, "xyxy",
                                 height=height, width=width)
        corners = resized_corners(corners, (height, width), (self.height, self.width),
                                  self.crop_to_aspect_ratio, self.pad_to_aspect_ratio)
        clipped = clip_to_image_size({**boxes, "boxes": corners}, height=self.height,
                                     width=self.width)
        corners = ops.where(padding, 0.0, clipped["boxes"])
        return {**clipped, "boxes": convert_format(corners, "xyxy", self.bounding_box_format,
                                                   height=self.height, width=self.width)}

    def compute_output_shape(self, input_shape):
        return self._with_hw(input_shape, self.height, self.width)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width,
                "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "antialias": self.antialias}


def resized_corners(corners, input_size, output_size, crop_to_aspect_ratio,
                    pad_to_aspect_ratio):
    """Pixel corners (..., 4) of an image of ``input_size`` (height, width) resized to
    ``output_size`` as ``keras.ops.image.resize`` resizes it: stretched; or scaled by the
    smaller ratio and shifted by the padding, ``(output - input * ratio) // 2``; or scaled
    to cover the output and shifted by the crop, ``(scaled - output) // 2``."""
    (in_h, in_w), (out_h, out_w) = input_size, output_size
    if pad_to_aspect_ratio:
        ratio = np.float32(min(out_h / in_h, out_w / in_w))
        scale_x = scale_y = ratio
        shift_x, shift_y = -((out_w - in_w * ratio) // 2), -((out_h - in_h * ratio) // 2)
    elif crop_to_aspect_ratio:
        source, target = in_w / in_h, out_w / out_h
        new_w, new_h = (out_h * source, out_h) if source > target else (out_w, out_w / source)
        scale_x, scale_y = np.float32(new_w / in_w), np.float32(new_h / in_h)
        shift_x, shift_y = (new_w - out_w) // 2, (new_h - out_h) // 2
    else:
        scale_x, scale_y = np.float32(out_w / in_w), np.float32(out_h / in_h)
        shift_x = shift_y = 0.0
    x1, y1, x2, y2 = ops.split(corners, 4, axis=-1)
    return ops.concatenate([x1 * scale_x - shift_x, y1 * scale_y - shift_y,
                            x2 * scale_x - shift_x, y2 * scale_y - shift_y], axis=-1)


def _in_input_dtype(resized, inputs):
    """Integer images come back in their own dtype, as in Keras: rounded to the nearest
    integer (ties to even) and clipped to the dtype's range (uint8 bicubic overshoot
    becomes 0 / 255)."""
    dtype = getattr(inputs, "dtype", None) or np.asarray(inputs).dtype
    if np.dtype(backend.standardize_dtype(dtype)).kind not in "iu":
        return resized
    return ops.saturate_cast(ops.round(resized), dtype)


class TargetBox:
    """What the layers whose output is a fixed (height, width) box share (CenterCrop,
    RandomCrop): the size, the crop at an offset, the resize of the centred box of the
    target's aspect ratio (for an image too small to crop), the output shape, the config."""

    def _init_box(self, height, width):
        self.height, self.width = int(height), int(width)

    def _crop_box(self, images, top, left):
        return image_ops.crop_images(images, top_cropping=top, left_cropping=left,
                                     target_height=self.height, target_width=self.width,
                                     data_format=self.data_format)

    def _resize_to_box(self, images, interpolation="bilinear"):
        return image_ops.resize(images, (self.height, self.width), crop_to_aspect_ratio=True,
                                interpolation=interpolation, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        return self._with_hw(input_shape, self.height, self.width)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}


@LAYERS.register("CenterCrop")
class CenterCrop(MovesPixels, TargetBox, ImagePreprocessingLayer):
    """Crop the centre (height, width) box; a smaller image is first cropped to the target
    aspect ratio and resized up (bilinear), as Keras does.

    The box starts at ``(input - target) // 2`` on each axis. The boxes of a dict input
    (``bounding_box_format``, image_data.py) are cut to the cropped window and scaled
    with it.
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._init_box(height, width)

    def call(self, inputs):
        if isinstance(inputs, dict):
            return transform_data(self, inputs, training=True)
        return self.apply(self._checked_images(inputs))

    def draw(self, images, training):
        return self._hw(images.shape)

    def apply(self, images, transformation=None, interpolation=None):
        height, width = self._hw(images.shape)
        if height >= self.height and width >= self.width:
            return self._crop_box(images, (height - self.height) // 2,
                                  (width - self.width) // 2)
        return self._resize_to_box(images, interpolation or "bilinear")

    def _window(self, height, width):
        """(top, left, height, width) of the input that becomes the output."""
        if height >= self.height and width >= self.width:
            return (height - self.height) // 2, (width - self.width) // 2, self.height, self.width
        crop_h = max(min(height, int(width * self.height / self.width)), 1)
        crop_w = max(min(width, int(height * self.width / self.height)), 1)
        return (height - crop_h) // 2, (width - crop_w) // 2, crop_h, crop_w

    def move_boxes(self, boxes, transformation, height, width):
        """Corners clipped to the window and moved to its origin, scaled from the window to
        the output, clipped."""
        top, left, crop_h, crop_w = self._window(height, width)
        low = np.array([left, top, left, top], np.float32)
        high = low + np.array([crop_w, crop_h, crop_w, crop_h], np.float32)
        corners = convert_format(boxes["boxes"], self.bounding_box_format, "xyxy",
                                 height=height, width=width)
        corners = ops.clip(corners, low, high) - low
        if (crop_h, crop_w) != (self.height, self.width):
            sizes = np.array([crop_w, crop_h, crop_w, crop_h], np.float32)
            corners = corners / sizes * np.array([self.width, self.height] * 2, np.float32)
        clipped = clip_to_image_size({**boxes, "boxes": corners}, height=self.height,
                                     width=self.width)
        return {**clipped, "boxes": convert_format(clipped["boxes"], "xyxy",
                                                   self.bounding_box_format,
                                                   height=self.height, width=self.width)}
