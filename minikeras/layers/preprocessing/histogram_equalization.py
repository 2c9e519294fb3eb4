"""Histogram equalization of images (Equalization), computed as Keras 3 computes it."""
import numpy as np

from ...autodiff.tensor import Tensor
from ..layer import LAYERS
from .image_augmentation import _value_range
from .image_data import ChangesPixelValues, transform_data
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
class Equalization(ChangesPixelValues, ImagePreprocessingLayer):
    """Spread each channel's values over the whole ``value_range`` by equalizing its
    histogram (``equalize_channel``); as in Keras 3, one histogram per channel over the
    whole batch, values mapped from ``value_range`` to 0..255 and back. Applied when training
    (the default of a direct call); ``training=False`` returns the images unchanged. A dict
    input's boxes and masks pass unchanged (image_data.py).

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
        if isinstance(inputs, dict):
            return transform_data(self, inputs, training)
        images = self._checked_images(inputs)
        return images if training is False else self.augment(images)

    def augment(self, images):
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


def clahe(images, clip_limit, tile_grid_size):
    """Contrast-limited adaptive histogram equalization of (batch, h, w, channels) float32
    images on the 0..255 scale, as Keras 3 computes it.

    The image is padded (symmetric) to a whole number of tiles on a ``tile_grid_size`` grid;
    each tile and channel gets a 256-bin histogram of ``int(v)``, clipped at
    ``clip_limit * tile_pixels / 256`` with the excess spread evenly over the bins (when
    ``clip_limit > 0``), and the map ``clip((cdf - min cdf) 255 / (tile_pixels - min cdf),
    0, 255)``. Each pixel's value is the bilinear blend of the maps of the four tiles whose
    centres surround it (edge tiles repeated beyond the border).
    """
    batch, height, width, channels = images.shape
    grid_h, grid_w = tile_grid_size
    tile_h, tile_w = -(-height // grid_h), -(-width // grid_w)
    padded = np.pad(images, [(0, 0), (0, tile_h * grid_h - height),
                             (0, tile_w * grid_w - width), (0, 0)], mode="symmetric")
    tiles = padded.reshape(batch, grid_h, tile_h, grid_w, tile_w, channels)
    tiles = tiles.transpose(0, 1, 3, 5, 2, 4).reshape(-1, tile_h * tile_w)
    bins = np.clip(tiles.astype(np.int32), 0, 255) + 256 * np.arange(len(tiles))[:, None]
    hists = np.bincount(bins.ravel(), minlength=256 * len(tiles)).reshape(
        batch, grid_h, grid_w, channels, 256).astype(np.float32)
    pixels = np.float32(tile_h * tile_w)
    if clip_limit > 0:
        clipped = np.minimum(hists, np.float32(clip_limit * tile_h * tile_w / 256.0))
        hists = clipped + (hists - clipped).sum(-1, keepdims=True) / np.float32(256)
    cdf = np.cumsum(hists, axis=-1)
    cdf_min = cdf.min(axis=-1, keepdims=True)
    denominator = pixels - cdf_min
    maps = np.clip((cdf - cdf_min) * np.float32(255) /
                   np.where(denominator == 0, np.float32(1), denominator), 0, 255)
    maps = np.pad(maps, [(0, 0), (1, 1), (1, 1), (0, 0), (0, 0)], mode="edge")

    def corners(size, tile, grid):
        """Per padded row (or column): the two surrounding tile indices and the weight."""
        position = (np.arange(size * grid, dtype=np.float32) - np.float32(tile / 2.0)) \
            / np.float32(tile) + np.float32(1)
        low = np.floor(position)
        weight = position - low
        return (np.clip(low, 0, grid + 1).astype(int),
                np.clip(low + 1, 0, grid + 1).astype(int), weight)

    y0, y1, wy = corners(tile_h, tile_h, grid_h)
    x0, x1, wx = corners(tile_w, tile_w, grid_w)
    value = np.clip(padded, 0, 255).astype(np.int32)                 # (batch, H, W, c)
    b = np.arange(batch)[:, None, None, None]
    c = np.arange(channels)[None, None, None, :]

    def lookup(ys, xs):
        return maps[b, ys[None, :, None, None], xs[None, None, :, None], c, value]

    wx, wy = wx[None, None, :, None], wy[None, :, None, None]
    top = lookup(y0, x0) * (1 - wx) + lookup(y0, x1) * wx
    bottom = lookup(y1, x0) * (1 - wx) + lookup(y1, x1) * wx
    return (top * (1 - wy) + bottom * wy)[:, :height, :width]


@LAYERS.register("ContrastLimitedAdaptiveHistogramEqualization")
class ContrastLimitedAdaptiveHistogramEqualization(ImagePreprocessingLayer):
    """Equalize each tile of a grid separately, with a clipped histogram, and blend the tiles'
    maps bilinearly (CLAHE, see ``clahe``); images are mapped from ``value_range`` to 0..255
    and back. Deterministic, and applied in training and inference alike, as in Keras 3.
    Integer images come back in their own dtype (the result truncated), as in Keras.

    Args:
        value_range: the images' range, (0, 255) by default.
        clip_limit: the histogram's clip, in multiples of the mean bin count (4.0); 0 or
            less: no clipping (plain adaptive equalization).
        tile_grid_size: (rows, columns) of tiles ((8, 8)).
    """

    def __init__(self, value_range=(0, 255), clip_limit=4.0, tile_grid_size=(8, 8),
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = _value_range(self, value_range)
        if isinstance(clip_limit, bool) or not isinstance(clip_limit, (int, float)):
            raise ValueError(f"`clip_limit` must be a number. Received: clip_limit="
                             f"{clip_limit!r}")
        grid = tile_grid_size
        if not (isinstance(grid, (tuple, list)) and len(grid) == 2 and all(
                isinstance(g, (int, np.integer)) and not isinstance(g, bool) and g > 0
                for g in grid)):
            raise ValueError("`tile_grid_size` must be two positive integers (rows, columns)."
                             f" Received: tile_grid_size={tile_grid_size!r}")
        self.clip_limit, self.tile_grid_size = clip_limit, tuple(int(g) for g in grid)

    def call(self, inputs):
        given = np.asarray(inputs).dtype
        images = self._checked_images(inputs).data
        batched = images.ndim == 4
        x = images if batched else images[None]
        if self.data_format == "channels_first":
            x = x.transpose(0, 2, 3, 1)
        low, high = (np.float32(v) for v in self.value_range)
        x = x.astype(np.float32)
        if (low, high) != (0, 255):
            x = (x - low) / (high - low) * np.float32(255)
        out = clahe(x, self.clip_limit, self.tile_grid_size)
        if (low, high) != (0, 255):
            out = out / np.float32(255) * (high - low) + low
        if self.data_format == "channels_first":
            out = out.transpose(0, 3, 1, 2)
        dtype = given if given.kind in "iu" else self.dtype
        return Tensor((out if batched else out[0]).astype(dtype))

    def get_config(self):
        return {**super().get_config(), "value_range": list(self.value_range),
                "clip_limit": self.clip_limit, "tile_grid_size": list(self.tile_grid_size)}
