"""Reshaping layers: Flatten, Reshape, Permute, RepeatVector, and the spatial
ZeroPadding, UpSampling and Cropping layers (1D/2D/3D)."""
import numpy as np

from .. import ops
from ..arguments import is_integer
from ..autodiff import conv as C
from ..autodiff import primitives as P
from ..ops.image import RESIZE_INTERPOLATIONS
from .convolutional import check_rank, spatial_dims, standardize_data_format, with_spatial
from .layer import LAYERS, InputSpec, Layer


@LAYERS.register("Flatten")
class Flatten(Layer):
    """(batch, d1, d2, ...) -> (batch, d1*d2*...); a rank-1 input gives (batch, 1)."""

    _accepts_strings = True

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)  # None: the global format

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = P.transpose(inputs, (0,) + tuple(range(2, inputs.ndim)) + (1,))
        # the sizes, not -1: a batch of 0 leaves -1 open
        return P.reshape(inputs, (inputs.shape[0], int(np.prod(inputs.shape[1:]))))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else int(np.prod(rest))
        return (input_shape[0], size)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


@LAYERS.register("Reshape")
class Reshape(Layer):
    """Reshape each sample to ``target_shape`` (batch axis excluded; one -1 allowed)."""

    _accepts_strings = True
    _keras_builds_at_init = True  # see Layer.get_build_config

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)
        if sum(d == -1 for d in self.target_shape) > 1:
            raise ValueError(
                "There must be at most one unknown dimension (-1) in `target_shape`. "
                f"Received: target_shape={self.target_shape}.")

    def build(self, input_shape):
        self.compute_output_shape(input_shape)  # validates the element count early

    def call(self, inputs):
        return P.reshape(inputs, (inputs.shape[0],) + self._resolved(inputs.shape[1:]))

    def _resolved(self, sample_shape):
        known = int(np.prod([d for d in self.target_shape if d != -1]))
        size = int(np.prod(sample_shape))
        if -1 in self.target_shape:
            if known == 0 or size % known:
                raise self._mismatch(sample_shape)
            return tuple(size // known if d == -1 else d for d in self.target_shape)
        if known != size:
            raise self._mismatch(sample_shape)
        return self.target_shape

    def _mismatch(self, sample_shape):
        return ValueError(  # Keras's words, then the sizes
            "The total size of the tensor must be unchanged. Received: input_shape="
            f"{tuple(sample_shape)}, target_shape={self.target_shape} (layer '{self.name}': "
            f"{int(np.prod(sample_shape))} values per sample).")

    def compute_output_shape(self, input_shape):
        if any(d is None for d in input_shape[1:]):  # the -1 axis is unknown too
            return (input_shape[0],) + tuple(None if d == -1 else d for d in self.target_shape)
        return (input_shape[0],) + self._resolved(input_shape[1:])

    def get_config(self):
        return {**super().get_config(), "target_shape": tuple(self.target_shape)}


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
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"Expected an integer value for `n`, got {type(n)}.")
        if n <= 0:
            raise ValueError(f"Argument `n` should be a positive integer. Received: n={n}")
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        expanded = ops.expand_dims(inputs, 1)                         # (batch, 1, features)
        return ops.broadcast_to(expanded, (inputs.shape[0], self.n, inputs.shape[1]))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}


# Keras's words for a ZeroPadding2D / 3D padding of another length than the spatial axes
_PADDING_COUNT = {2: "`padding` should have two elements. Received: padding={}.",
                  3: "`padding` should have 3 elements. Received: {}."}


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
        elif self.rank in _PADDING_COUNT and hasattr(padding, "__len__") \
                and len(padding) != self.rank:
            raise ValueError(_PADDING_COUNT[self.rank].format(padding))
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
        no_pad = ((0, 0),)
        if self.data_format == "channels_last":
            return P.pad_constant(inputs, no_pad + self.padding + no_pad)
        return P.pad_constant(inputs, no_pad * 2 + self.padding)

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
        interpolation = str(interpolation).lower()
        # UpSampling2D resizes with every image.resize method but "area" (Keras refuses it)
        resizing = tuple(i for i in RESIZE_INTERPOLATIONS if i != "area")
        allowed = ("nearest",) + (resizing if self.rank == 2 else ())
        if interpolation not in allowed:
            raise ValueError(f"Invalid value for argument `interpolation` of "
                             f"{type(self).__name__}. Expected one of {sorted(set(allowed))}. "
                             f"Received: interpolation={interpolation!r}")
        self.interpolation = interpolation
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def build(self, input_shape):
        check_rank(self, input_shape, self.rank)
        self.built = True

    def call(self, inputs):
        if self.interpolation != "nearest":  # UpSampling2D: Keras resizes the images
            height, width = spatial_dims(inputs.shape, self.data_format)
            return ops.image.resize(inputs, (height * self.size[0], width * self.size[1]),
                                    interpolation=self.interpolation,
                                    data_format=self.data_format)
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
    """(batch, steps, channels) -> (batch, before + steps + after, channels).

    ``padding``: an int (both ends) or a ``(before, after)`` pair, as Keras.
    """

    rank = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        if isinstance(padding, (list, tuple)) and len(padding) == 2 and all(
                is_integer(p) for p in padding):
            padding = (tuple(padding),)  # (before, after) of the one axis
        super().__init__(padding=padding, data_format=data_format, **kwargs)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding[0]}  # Keras's flat pair


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
    """(batch, rows, cols, channels) -> (batch, rows*sh, cols*sw, channels).

    ``interpolation="nearest"`` repeats pixels; "bilinear", "bicubic", "lanczos3" and
    "lanczos5" resize with ``keras.ops.image.resize``, as Keras does.
    """

    rank = 2


@LAYERS.register("UpSampling3D")
class UpSampling3D(BaseUpSampling):
    """Nearest-neighbour upsampling of the three spatial axes."""

    rank = 3


class BaseCropping(Layer):
    """Crop ``(before, after)`` elements from each spatial axis.

    Formula: ``output = inputs[:, b1:n1-a1, b2:n2-a2, ..., :]`` (channels_last).

    ``cropping``: an int (the same on every side of every axis), one int per axis
    (symmetric), or one ``(before, after)`` pair per axis.
    """

    rank = None
    # Keras's words for a cropping that leaves an axis no element
    _too_much = ("Values in `cropping` argument should be smaller than the corresponding "
                 "spatial dimension of the input.")

    def __init__(self, cropping, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.cropping = self._standardize(cropping)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _standardize(self, cropping):
        problem = None
        if is_integer(cropping):
            pairs = ((int(cropping),) * 2,) * self.rank
        elif isinstance(cropping, (list, tuple)) and len(cropping) == self.rank:
            pairs = tuple((p, p) if is_integer(p) else tuple(p) if isinstance(p, (list, tuple))
                          else (None, None) for p in cropping)
        else:
            pairs, problem = (), f"it should have {self.rank} entries"
        if problem is None and any(len(p) != 2 or not all(is_integer(v) for v in p) for p in pairs):
            problem = "each entry should be an int or a pair of ints"
        if problem is None and any(v < 0 for p in pairs for v in p):
            problem = "`cropping` cannot be negative"
        if problem:
            raise ValueError(
                f"Invalid `cropping` for {type(self).__name__}: {problem}. Expected an int, a "
                f"tuple of {self.rank} ints, or a tuple of {self.rank} (before, after) pairs of "
                f"non-negative ints. Received: cropping={cropping!r}")
        return tuple((int(a), int(b)) for a, b in pairs)

    def _check(self, input_shape, name="input_shape"):
        """Refuse a shape of another rank, or one that cropping would leave no element of
        (Keras's words, the shape named ``name``)."""
        check_rank(self, input_shape, self.rank)
        for n, (a, b) in zip(spatial_dims(input_shape, self.data_format), self.cropping):
            if n is not None and a + b >= n:
                raise ValueError(f"{self._too_much} Received: {name}={tuple(input_shape)}, "
                                 f"cropping={self.get_config()['cropping']}")

    def build(self, input_shape):
        check_rank(self, input_shape, self.rank)  # the sizes at the call, as Keras checks

    def call(self, inputs):
        self._check(inputs.shape, "inputs.shape")
        first = 1 if self.data_format == "channels_last" else 2
        index = [slice(None)] * inputs.ndim
        for i, (before, after) in enumerate(self.cropping):
            n = inputs.shape[first + i]
            index[first + i] = slice(before, n - after)
        return inputs[tuple(index)]

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        spatial = tuple(None if n is None else n - a - b for n, (a, b) in
                        zip(spatial_dims(input_shape, self.data_format), self.cropping))
        channels = input_shape[-1 if self.data_format == "channels_last" else 1]
        return with_spatial(tuple(input_shape), spatial, channels, self.data_format)

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping,
                "data_format": self.data_format}


@LAYERS.register("Cropping1D")
class Cropping1D(BaseCropping):
    """(batch, steps, channels) -> (batch, steps - before - after, channels).

    ``cropping``: an int or a (before, after) pair; default (1, 1).
    """

    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        if isinstance(cropping, (list, tuple)) and len(cropping) == 2 and all(
                is_integer(c) for c in cropping):
            cropping = (tuple(cropping),)            # one (before, after) pair
        elif not is_integer(cropping):
            raise ValueError(
                "Invalid `cropping` for Cropping1D: expected an int or a (before, after) pair "
                f"of non-negative ints. Received: cropping={cropping!r}")
        super().__init__(cropping, data_format="channels_last", **kwargs)

    _too_much = ("`cropping` parameter of `Cropping1D` layer must be smaller than the input "
                 "length.")

    def get_config(self):
        config = super().get_config()
        del config["data_format"]
        return {**config, "cropping": self.cropping[0]}


@LAYERS.register("Cropping2D")
class Cropping2D(BaseCropping):
    """(batch, rows, cols, channels) with rows cropped (top, bottom) and cols (left, right)."""

    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format=data_format, **kwargs)


@LAYERS.register("Cropping3D")
class Cropping3D(BaseCropping):
    """Cropping of the three spatial axes of (batch, d1, d2, d3, channels)."""

    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format=data_format, **kwargs)
