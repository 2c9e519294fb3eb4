"""Permute, RepeatVector, ZeroPadding1D/2D/3D and UpSampling1D/2D/3D."""
import numpy as np

from .. import ops
from ..autodiff import conv as C
from .convolutional import check_rank, spatial_dims, standardize_data_format, with_spatial
from .layer import LAYERS, InputSpec, Layer


@LAYERS.register("Permute")
class Permute(Layer):
    """Reorder the non-batch axes: ``dims`` is a permutation of 1..rank (1-indexed).

    Formula: ``output = transpose(inputs, (0,) + dims)``
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(
                f"Invalid permutation argument `dims` for Permute Layer. The set of indices in "
                f"`dims` must be consecutive and start from 1. Received dims={dims}")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs):
        return ops.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}


@LAYERS.register("RepeatVector")
class RepeatVector(Layer):
    """Repeat a (batch, features) input ``n`` times: (batch, n, features)."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
            raise TypeError(f"Expected an integer value for `n` (> 0). Received: n={n!r}")
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        expanded = ops.expand_dims(inputs, 1)                         # (batch, 1, features)
        return ops.broadcast_to(expanded, (inputs.shape[0], self.n, inputs.shape[1]))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}


class BaseZeroPadding(Layer):
    """Add rows/columns of zeros at the start and end of each spatial axis.

    ``padding``: an int (the same on every side), one int per axis (symmetric), or one
    (before, after) pair per axis.
    """

    rank = None

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        if isinstance(padding, (int, np.integer)):
            padding = ((int(padding),) * 2,) * self.rank
        padding = tuple((p, p) if isinstance(p, (int, np.integer)) else tuple(p)
                        for p in padding)
        if len(padding) != self.rank or any(len(p) != 2 or min(p) < 0 for p in padding):
            raise ValueError(
                f"`padding` should be an int, a tuple of {self.rank} ints or a tuple of "
                f"{self.rank} (before, after) pairs of non-negative ints. "
                f"Received: padding={padding}")
        self.padding = tuple((int(a), int(b)) for a, b in padding)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def build(self, input_shape):
        check_rank(self, input_shape, self.rank)
        self.built = True

    def call(self, inputs):
        first = 1 if self.data_format == "channels_last" else 2
        x = inputs
        for i, (before, after) in enumerate(self.padding):
            axis = first + i
            parts = [x]
            for size, where in ((before, 0), (after, 1)):
                if size:
                    shape = list(x.shape)
                    shape[axis] = size
                    parts.insert(where * len(parts), ops.zeros(shape, x.dtype))
            x = ops.concatenate(parts, axis=axis) if len(parts) > 1 else x
        return x

    def compute_output_shape(self, input_shape):
        spatial = tuple(None if n is None else n + a + b for n, (a, b) in
                        zip(spatial_dims(input_shape, self.data_format), self.padding))
        channels = input_shape[-1 if self.data_format == "channels_last" else 1]
        return with_spatial(input_shape, spatial, channels, self.data_format)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}


class BaseUpSampling(Layer):
    """Repeat each element ``size`` times along each spatial axis (nearest neighbour)."""

    rank = None

    def __init__(self, size=2, data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.size = C.normalize_tuple(size, self.rank, "size")
        self.data_format = standardize_data_format(data_format)
        if interpolation != "nearest":
            raise NotImplementedError(
                f"UpSampling interpolation={interpolation!r} is not supported by minikeras yet; "
                "use interpolation='nearest'.")
        self.interpolation = interpolation
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def build(self, input_shape):
        check_rank(self, input_shape, self.rank)
        self.built = True

    def call(self, inputs):
        first = 1 if self.data_format == "channels_last" else 2
        shape = list(inputs.shape)
        # (..., n, ...) -> (..., n, 1, ...) -> broadcast (..., n, size, ...) -> (..., n*size, ...)
        split, wide, final = [], [], list(shape)
        for axis, n in enumerate(shape):
            i = axis - first
            split += [n, 1] if 0 <= i < self.rank else [n]
            wide += [n, self.size[i]] if 0 <= i < self.rank else [n]
            if 0 <= i < self.rank:
                final[axis] = n * self.size[i]
        x = ops.broadcast_to(ops.reshape(inputs, split), wide)
        return ops.reshape(x, final)

    def compute_output_shape(self, input_shape):
        spatial = tuple(None if n is None else n * s for n, s in
                        zip(spatial_dims(input_shape, self.data_format), self.size))
        channels = input_shape[-1 if self.data_format == "channels_last" else 1]
        return with_spatial(input_shape, spatial, channels, self.data_format)

    def get_config(self):
        config = {**super().get_config(), "size": self.size, "data_format": self.data_format}
        if self.rank == 2:
            config["interpolation"] = self.interpolation
        return config


@LAYERS.register("ZeroPadding1D")
class ZeroPadding1D(BaseZeroPadding):
    """(batch, steps, channels) -> (batch, before + steps + after, channels)."""

    rank = 1


@LAYERS.register("ZeroPadding2D")
class ZeroPadding2D(BaseZeroPadding):
    """(batch, rows, cols, channels) padded with zero rows (top, bottom) and columns."""

    rank = 2


@LAYERS.register("ZeroPadding3D")
class ZeroPadding3D(BaseZeroPadding):
    """Zero padding of the three spatial axes of (batch, d1, d2, d3, channels)."""

    rank = 3


@LAYERS.register("UpSampling1D")
class UpSampling1D(BaseUpSampling):
    """(batch, steps, channels) -> (batch, steps * size, channels), each step repeated."""

    rank = 1

    def __init__(self, size=2, **kwargs):
        super().__init__(size=size, data_format="channels_last", **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["data_format"]
        return {**config, "size": self.size[0]}


@LAYERS.register("UpSampling2D")
class UpSampling2D(BaseUpSampling):
    """(batch, rows, cols, channels) -> (batch, rows*sh, cols*sw, channels), nearest only."""

    rank = 2


@LAYERS.register("UpSampling3D")
class UpSampling3D(BaseUpSampling):
    """Nearest-neighbour upsampling of the three spatial axes."""

    rank = 3
