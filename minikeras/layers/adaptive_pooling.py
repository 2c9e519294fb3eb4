"""Adaptive pooling: average or max pooling to a fixed output size, whatever the input size."""
import numpy as np

from .. import ops
from ..ops.convolution import standardize_data_format
from .layer import LAYERS, InputSpec, Layer


def adaptive_windows(length, size):
    """PyTorch's (and Keras's) windows: output i pools input positions
    ``[floor(i L / n), ceil((i + 1) L / n))`` of an axis of length L into n outputs."""
    i = np.arange(size)
    return (i * length) // size, -((-(i + 1) * length) // size)


class BaseAdaptivePooling(Layer):
    """Pools each spatial axis of a (batch, *spatial, channels) input (channels first with
    ``data_format="channels_first"``) into ``output_size`` windows, one axis at a time (a
    box average or maximum is the same taken axis by axis)."""

    rank = None

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.output_size = self._checked_size(output_size)
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _checked_size(self, output_size):
        names = {1: "an integer or (length,) tuple", 2: "an integer or (height, width) tuple",
                 3: "an integer or (depth, height, width) tuple"}[self.rank]
        sizes = output_size
        if isinstance(sizes, (int, np.integer)) and not isinstance(sizes, bool):
            sizes = (int(sizes),) * self.rank
        if not (isinstance(sizes, (tuple, list)) and len(sizes) == self.rank
                and all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0
                        for s in sizes)):
            raise TypeError(f"`output_size` must be {names} of positive integers. Received: "
                            f"{output_size!r} of type {type(output_size)}")
        return tuple(int(s) for s in sizes)

    def _spatial_axes(self):
        first = 2 if self.data_format == "channels_first" else 1
        return range(first, first + self.rank)

    def call(self, inputs):
        out = inputs
        for axis, size in zip(self._spatial_axes(), self.output_size):
            if out.shape[axis] < 1:
                raise ValueError(f"Layer '{self.name}': cannot pool an empty axis {axis} of "
                                 f"input shape {tuple(inputs.shape)}.")
            out = self.pool_axis(out, axis, size)
        return out

    def pool_axis(self, x, axis, size):
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, size in zip(self._spatial_axes(), self.output_size):
            shape[axis] = size
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "output_size": self.output_size,
                "data_format": self.data_format}


class BaseAdaptiveAveragePooling(BaseAdaptivePooling):
    def pool_axis(self, x, axis, size):
        start, end = adaptive_windows(x.shape[axis], size)
        positions = np.arange(x.shape[axis])
        inside = (positions >= start[:, None]) & (positions < end[:, None])   # (size, L)
        weights = (inside / (end - start)[:, None]).astype(x.dtype)
        moved = ops.moveaxis(x, axis, -1)                                      # (..., L)
        return ops.moveaxis(ops.matmul(moved, weights.T), -1, axis)           # (..., size)


class BaseAdaptiveMaxPooling(BaseAdaptivePooling):
    def pool_axis(self, x, axis, size):
        start, end = adaptive_windows(x.shape[axis], size)
        width = int((end - start).max())
        # each window's positions, its last one repeated to the widest window's width
        index = np.minimum(start[:, None] + np.arange(width), end[:, None] - 1)
        windows = ops.take(x, index, axis=axis)          # axis -> (size, width)
        return ops.max(windows, axis=axis + 1)


def _adaptive_layer(kind, base, rank, layout):
    """The registered class ``Adaptive<kind>Pooling<rank>D``."""
    name = f"Adaptive{kind}Pooling{rank}D"
    doc = (f"{kind} pooling of {layout} to ``output_size`` (an integer, or {rank} integers) on "
           "the spatial axes;\n    channels first with ``data_format=\"channels_first\"``.")
    return LAYERS.register(name)(type(name, (base,), {
        "rank": rank, "__doc__": doc, "__module__": __name__, "__qualname__": name}))


_LAYOUTS = {1: "(batch, steps, channels)", 2: "(batch, height, width, channels)",
            3: "(batch, depth, height, width, channels)"}
AdaptiveAveragePooling1D = _adaptive_layer("Average", BaseAdaptiveAveragePooling, 1, _LAYOUTS[1])
AdaptiveAveragePooling2D = _adaptive_layer("Average", BaseAdaptiveAveragePooling, 2, _LAYOUTS[2])
AdaptiveAveragePooling3D = _adaptive_layer("Average", BaseAdaptiveAveragePooling, 3, _LAYOUTS[3])
AdaptiveMaxPooling1D = _adaptive_layer("Max", BaseAdaptiveMaxPooling, 1, _LAYOUTS[1])
AdaptiveMaxPooling2D = _adaptive_layer("Max", BaseAdaptiveMaxPooling, 2, _LAYOUTS[2])
AdaptiveMaxPooling3D = _adaptive_layer("Max", BaseAdaptiveMaxPooling, 3, _LAYOUTS[3])
