"""Random image filters: Gaussian blur and sharpness, each a small kernel slid over every
channel with zero padding ("same" size), as Keras 3 computes them."""
import numpy as np

from ... import ops
from ...autodiff.tensor import Tensor
from ..layer import LAYERS
from .image_augmentation import (RandomImageLayer, _unit_factor, _value_range, keras_pair,
                                 kept_range)


def filter_same(images, kernel, h_axis, w_axis):
    """Correlate every channel of ``images`` with the 2-D ``kernel`` (kh, kw), zero-padded
    so the output keeps the input's size: ``(kh - 1) // 2`` rows before, the rest after."""
    kh, kw = kernel.shape
    pads = [(0, 0)] * images.ndim
    pads[h_axis], pads[w_axis] = ((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2)
    padded = ops.pad(images, pads)
    height, width = images.shape[h_axis], images.shape[w_axis]
    out = None
    for i in range(kh):
        for j in range(kw):
            if kernel[i, j] == 0:
                continue
            window = [slice(None)] * images.ndim
            window[h_axis], window[w_axis] = slice(i, i + height), slice(j, j + width)
            term = ops.multiply(padded[tuple(window)], np.asarray(kernel[i, j], images.dtype))
            out = term if out is None else ops.add(out, term)
    return out


def gaussian_kernel1d(size, sigma):
    """exp(-x² / 2σ²) at x = -(size - 1)/2 .. (size - 1)/2, normalized to sum 1."""
    x = np.arange(size) - (size - 1) / 2.0
    kernel = np.exp(-0.5 * (x / sigma) ** 2)
    return kernel / kernel.sum()


def _applied(rng, factor, batch):
    """Keras's per-image coin: apply where ``uniform(0, 1) < p``, p drawn from ``factor``."""
    probability = rng.uniform(factor[0], factor[1], batch)
    return rng.uniform(0.0, 1.0, batch) < probability


@LAYERS.register("RandomGaussianBlur")
class RandomGaussianBlur(RandomImageLayer):
    """Blur each image, with probability p (drawn per image from ``factor``), by a Gaussian
    kernel of ``kernel_size`` (width, height) and standard deviations (σx, σy) drawn once per
    batch from ``sigma`` (+1e-6); every image is then clipped to ``value_range``.

    Args:
        factor: the probability range: f -> [0, f], or a pair; in [0, 1] (1.0).
        kernel_size: an odd integer, or a pair of odd integers (width, height) (3).
        sigma: f -> [0, f], or a pair; in [0, 1], as Keras 3 allows (1.0).
        value_range: the images' range, (0, 255) by default. seed: integer seed.
    """

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255),
                 data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _unit_factor(self, factor)
        self.kernel_size = _odd_sizes(kernel_size)
        self.sigma = _unit_factor(self, sigma, "sigma")
        self.value_range = _value_range(self, value_range)
        self._given = {"factor": factor, "kernel_size": kernel_size, "sigma": sigma,
                       "value_range": value_range}

    def augment(self, images):
        rng = self._rng()
        apply = _applied(rng, self.factor, images.shape[0])
        sigma_x, sigma_y = rng.uniform(self.sigma[0], self.sigma[1], 2) + 1e-6
        h_axis, w_axis = self._hw_axes(images.ndim)
        column = gaussian_kernel1d(self.kernel_size[1], sigma_y)[:, None]   # (kh, 1)
        row = gaussian_kernel1d(self.kernel_size[0], sigma_x)[None, :]      # (1, kw)
        blurred = filter_same(filter_same(images, column, h_axis, w_axis), row, h_axis, w_axis)
        out = ops.where(Tensor(apply.reshape(-1, 1, 1, 1)), blurred, images)
        return ops.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self):
        given = self._given
        size = given["kernel_size"]
        return {**super().get_config(), "factor": keras_pair(given["factor"], 0),
                "kernel_size": tuple(size) if isinstance(size, (tuple, list)) else (size, size),
                "sigma": keras_pair(given["sigma"], 0),
                "value_range": kept_range(given["value_range"], False), "seed": self.seed}


def _odd_sizes(kernel_size):
    message = ("`kernel_size` must be an odd integer or a list of two odd integers "
               f"(width, height). Received: kernel_size={kernel_size!r}")
    sizes = list(kernel_size) if isinstance(kernel_size, (tuple, list)) else [kernel_size] * 2
    if len(sizes) != 2 or any(isinstance(k, bool) or not isinstance(k, (int, np.integer)) or
                              k < 1 or k % 2 == 0 for k in sizes):
        raise ValueError(message)
    return tuple(int(k) for k in sizes)


# PIL's smoothing kernel, as Keras 3 uses it: centre 5/13, the 8 neighbours 1/13 each
_SMOOTH = np.array([[1, 1, 1], [1, 5, 1], [1, 1, 1]]) / 13.0


@LAYERS.register("RandomSharpness")
class RandomSharpness(RandomImageLayer):
    """Sharpen or soften each image: ``x + (1 - 2u) (smooth(x) - x)``, clipped to
    ``value_range``, with u drawn per image from ``factor`` (u = 0.5 keeps the image, 0 gives
    the smoothed one, 1 sharpens) and ``smooth`` the 3x3 kernel [[1,1,1],[1,5,1],[1,1,1]]/13
    with zero padding.

    Args:
        factor: f -> [0, f], or a pair; in [0, 1].
        value_range: the images' range, (0, 255) by default. seed: integer seed.
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _unit_factor(self, factor)
        self.value_range = _value_range(self, value_range)
        self._given = {"factor": factor, "value_range": value_range}

    def augment(self, images):
        u = self._rng().uniform(self.factor[0], self.factor[1], images.shape[0])
        weight = (1.0 - 2.0 * u).astype(self.dtype).reshape(-1, 1, 1, 1)
        h_axis, w_axis = self._hw_axes(images.ndim)
        smoothed = filter_same(images, _SMOOTH, h_axis, w_axis)
        out = ops.add(images, ops.multiply(weight, ops.subtract(smoothed, images)))
        return ops.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self):
        return {**super().get_config(), "factor": keras_pair(self._given["factor"], 0),
                "value_range": kept_range(self._given["value_range"], True), "seed": self.seed}
