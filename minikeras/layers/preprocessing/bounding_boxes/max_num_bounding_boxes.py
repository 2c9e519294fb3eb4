"""Bounding-box batches: MaxNumBoundingBoxes pads or cuts each image's boxes to one count."""
import numpy as np

from ....autodiff.tensor import Tensor
from ...layer import LAYERS
from ..preprocessing_layer import ImagePreprocessingLayer, as_array
from .formats import standardize_format


@LAYERS.register("MaxNumBoundingBoxes")
class MaxNumBoundingBoxes(ImagePreprocessingLayer):
    """Give every image exactly ``max_number`` boxes, as Keras 3 does: in a dict
    ``{"images": ..., "bounding_boxes": {"boxes": (batch, n, 4), "labels": (batch, n)}}``
    the boxes and labels past ``max_number`` are dropped and missing ones are filled with
    ``fill_value``; the other entries (and plain image inputs) pass unchanged.

    Args:
        max_number: the number of boxes per image.
        fill_value: the value of the padding boxes and labels (-1). (Keras's config omits
            it; minikeras saves it so that a reloaded layer pads the same way.)
        bounding_box_format: the boxes' format ("xyxy", ...); required, as in Keras, when
            the inputs hold ``bounding_boxes`` (the count does not depend on it).
    """

    def __init__(self, max_number, fill_value=-1, bounding_box_format=None, **kwargs):
        super().__init__(bounding_box_format=None if bounding_box_format is None else
                         standardize_format(bounding_box_format), **kwargs)
        for name, value in (("max_number", max_number), ("fill_value", fill_value)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise ValueError(f"`{name}` must be an integer. Received: {name}={value!r}")
        if max_number < 0:
            raise ValueError(f"`max_number` must be at least 0. Received: max_number="
                             f"{max_number}")
        self.max_number, self.fill_value = int(max_number), int(fill_value)

    def call(self, inputs):
        if not isinstance(inputs, dict) or "bounding_boxes" not in inputs:
            return inputs
        if self.bounding_box_format is None:
            raise ValueError(
                f"Layer '{self.name}' (MaxNumBoundingBoxes): you passed an input with a "
                "'bounding_boxes' key, but you didn't specify a bounding box format. Pass a "
                "`bounding_box_format` argument to your MaxNumBoundingBoxes layer, e.g. "
                "`bounding_box_format='xyxy'`.")
        boxes = inputs["bounding_boxes"]
        extra = sorted(set(boxes) - {"boxes", "labels"})
        if extra:
            raise KeyError(f"There are unsupported keys in `bounding_boxes`: {extra}. Only "
                           "`boxes` and `labels` are supported.")
        fixed = {key: Tensor(self._fixed_count(as_array(value)))
                 for key, value in boxes.items()}
        return {**inputs, "bounding_boxes": fixed}

    def _fixed_count(self, array):
        """``array`` (batch, n, ...) cut or padded with fill_value to (batch, max_number,
        ...)."""
        kept = array[:, :self.max_number]
        pad = [(0, 0), (0, self.max_number - kept.shape[1])] + [(0, 0)] * (array.ndim - 2)
        return np.pad(kept, pad, constant_values=self.fill_value)

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, dict) or "bounding_boxes" not in input_shape:
            return input_shape
        fixed = {key: (shape[0], self.max_number) + tuple(shape[2:])
                 for key, shape in input_shape["bounding_boxes"].items()}
        return {**input_shape, "bounding_boxes": fixed}

    def get_config(self):
        return {**super().get_config(), "max_number": self.max_number,
                "fill_value": self.fill_value}
