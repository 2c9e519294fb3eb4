"""Deterministic image geometry: Resizing and CenterCrop."""
import numpy as np

from ... import backend, ops
from ...ops import image as image_ops
from ..layer import LAYERS
from .preprocessing_layer import ImagePreprocessingLayer


@LAYERS.register("Resizing")
class Resizing(ImagePreprocessingLayer):
    """Resize images to (height, width) with ``keras.ops.image.resize``.

    Args:
        height, width: the output size.
        interpolation: "bilinear" (default), "nearest", "bicubic", "lanczos3", "lanczos5",
            "area".
        Integer images are resized in float and returned rounded in their own dtype.
        crop_to_aspect_ratio / pad_to_aspect_ratio: keep the aspect ratio by first cropping
            the centred box / padding with ``fill_value``.
        antialias: widen the kernel when shrinking.
    """

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
        resized = image_ops.resize(
            self._checked_images(inputs), (self.height, self.width),
            interpolation=self.interpolation, antialias=self.antialias,
            crop_to_aspect_ratio=self.crop_to_aspect_ratio,
            pad_to_aspect_ratio=self.pad_to_aspect_ratio, fill_mode=self.fill_mode,
            fill_value=self.fill_value, data_format=self.data_format)
        return _in_input_dtype(resized, inputs)

    def compute_output_shape(self, input_shape):
        return self._with_hw(input_shape, self.height, self.width)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width,
                "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "antialias": self.antialias}


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

    def _resize_to_box(self, images):
        return image_ops.resize(images, (self.height, self.width), crop_to_aspect_ratio=True,
                                data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        return self._with_hw(input_shape, self.height, self.width)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}


@LAYERS.register("CenterCrop")
class CenterCrop(TargetBox, ImagePreprocessingLayer):
    """Crop the centre (height, width) box; a smaller image is first cropped to the target
    aspect ratio and resized up (bilinear), as Keras does.

    The box starts at ``(input - target) // 2`` on each axis.
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._init_box(height, width)

    def call(self, inputs):
        images = self._checked_images(inputs)
        height, width = self._hw(images.shape)
        if height >= self.height and width >= self.width:
            return self._crop_box(images, (height - self.height) // 2,
                                  (width - self.width) // 2)
        return self._resize_to_box(images)
