"""Histogram equalization of images (Equalization), computed as Keras 3 computes it."""
import numpy as np

from ...autodiff.tensor import Tensor
from ..layer import LAYERS
from .image_augmentation import _value_range
from .preprocessing_layer import ImagePreprocessingLayer


def equalize_channel(channel, bins):
    """Equalize the values (on the 0..255 scale) of one channel of the whole batch.

    Histogram: ``bins`` bins of ``int(v (bins - 1) / 255)`` clipped to the bins. With the
    cumulative counts ``cdf`` and ``m`` the first non-zero one, the lookup table is
    ``clip(round((cdf - m) 255 / (cdf[-1] - m)), 0, 255)`` (a zero denominator counts as
    1) and each value becomes ``table[int(clip(v / 255 (bins - 1), 0, bins - 1))]``. A
    channel whose values fill at most one bin is returned unchanged.
    """
    values = channel.astype(np.float32)
    index = np.clip((values * np.float32(bins - 1) / np.float32(255)).astype(np.int32), 0,
                    bins - 1)
    histogram = np.bincount(index.ravel(), minlength=bins)
    if np.count_nonzero(histogram) <= 1:
        return channel
    cdf = np.cumsum(histogram)
    cdf_min = cdf[np.nonzero(cdf)[0][0]]
    denominator = cdf[-1] - cdf_min
    # float32 division, as Keras computes it (a float64 one rounds some halves differently)
    table = np.clip(np.round(((cdf - cdf_min) * 255).astype(np.float32) /
                             np.float32(denominator or 1)), 0, 255)
    lookup = np.clip(channel / 255.0 * (bins - 1), 0, bins - 1).astype(np.int32)
    return table[lookup].astype(channel.dtype)


@LAYERS.register("Equalization")
class Equalization(ImagePreprocessingLayer):
    """Spread each channel's values over the whole ``value_range`` by equalizing its
    histogram (``equalize_channel``); as in Keras 3, one histogram per channel over the
    whole batch, values mapped from ``value_range`` to 0..255 and back. Applied when training
    (the default of a direct call); ``training=False`` returns the images unchanged.

    Args:
        value_range: the images' range, (0, 255) by default.
        bins: the number of histogram bins (256).
    """

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 2:
            raise ValueError(f"`bins` must be an integer of at least 2. Received: bins={bins!r}")
        self.bins = int(bins)
        self.value_range = _value_range(self, value_range)

    def call(self, inputs, training=True):
        images = self._checked_images(inputs)
        if training is False:
            return images
        low, high = (float(v) for v in self.value_range)
        scale = 255.0 / (high - low)
        x = images.data * np.asarray(scale, images.dtype) + np.asarray(-low * scale,
                                                                       images.dtype)
        axis = -3 if self.data_format == "channels_first" else -1
        channels = [equalize_channel(np.take(x, c, axis=axis), self.bins)
                    for c in range(x.shape[axis])]
        out = np.stack(channels, axis=axis)
        out = out * np.asarray(1.0 / scale, out.dtype) + np.asarray(low, out.dtype)
        return Tensor(out.astype(self.dtype))

    def get_config(self):
        return {**super().get_config(), "bins": self.bins, "value_range": list(self.value_range)}
