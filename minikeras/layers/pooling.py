"""Pooling layers: max and average pooling (1-D, 2-D, 3-D) and their global versions."""
from .. import ops
from ..autodiff import conv as C
from ..autodiff import primitives as P
from .convolutional import (check_output, check_rank, from_channels_last, spatial_dims,
                            standardize_data_format, to_channels_last, with_spatial)
from ..ops.core import as_float
from .layer import LAYERS, InputSpec, Layer


class BasePooling(Layer):
    """Shared window pooling; ``pool`` is the primitive (max_pool or average_pool).

    Output size per spatial axis: valid ``(n - pool_size) // strides + 1``; same
    ``ceil(n / strides)`` (TensorFlow padding placement: the odd element goes after).
    """

    _keras_builds_at_init = True  # see Layer.get_build_config
    _exact_output_shape = True  # see Layer; no zero-sample run to build

    rank = None
    pool = None

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = C.normalize_tuple(pool_size, self.rank, "pool_size")
        self.strides = self.pool_size if strides is None else C.normalize_tuple(
            strides, self.rank, "strides")
        self.padding = _pool_padding(padding)
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def build(self, input_shape):
        check_rank(self, input_shape, self.rank)
        self.compute_output_shape(input_shape)
        self.built = True

    def _check_input_spec(self, inputs):
        """Keras's input check and, the layer being built at ``__init__``, the output size
        for each new input shape (a pool larger than the input is refused by name)."""
        super()._check_input_spec(inputs)
        self.compute_output_shape(inputs.shape)

    def call(self, inputs):
        x = to_channels_last(inputs, self.data_format)
        y = type(self).pool(x, self.pool_size, self.strides, self.padding)
        return from_channels_last(y, self.data_format)

    def compute_output_shape(self, input_shape):
        ones = (1,) * self.rank
        out = tuple(C.output_length(n, k, s, 1, self.padding) for n, k, s in zip(
            spatial_dims(input_shape, self.data_format), self.pool_size, self.strides))
        check_output(self, input_shape, out, self.pool_size, self.strides, ones)
        channels = input_shape[-1 if self.data_format == "channels_last" else 1]
        return with_spatial(input_shape, out, channels, self.data_format)

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}


def _required_pool_size(cls_name, pool_size, example):
    """``pool_size``; None (not given) raises Python's TypeError for a missing argument, as
    Keras 3 (no default), then Keras 2's default as the fix."""
    if pool_size is None:
        raise TypeError(
            f"{cls_name}.__init__() missing 1 required positional argument: 'pool_size'. "
            f"Keras 3 gives it no default (Keras 2 defaulted to {example}): pass it, e.g. "
            f"{cls_name}(pool_size={example}).")
    return pool_size


def _pool_padding(padding):
    """'valid' or 'same' (any case); else the ValueError Keras's jax backend raises."""
    value = padding.lower() if isinstance(padding, str) else padding
    if value not in ("valid", "same"):
        raise ValueError(f"Invalid padding '{value}', must be 'same' or 'valid'.")
    return value


# ---- max pooling ------------------------------------------------------------------------------

@LAYERS.register("MaxPooling1D", "MaxPool1D")
class MaxPooling1D(BasePooling):
    """Max over windows of ``pool_size`` steps of (batch, steps, channels).

    Formula: ``y[n, o, c] = max_a x_pad[n, o*strides + a, c]`` (padding never wins).
    """

    rank, pool = 1, staticmethod(P.max_pool)

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


@LAYERS.register("MaxPooling2D", "MaxPool2D")
class MaxPooling2D(BasePooling):
    """Max over ``pool_size`` windows of (batch, rows, cols, channels); strides default to it.

    Formula: ``y[n, i, j, c] = max_{a, b} x_pad[n, i*sh + a, j*sw + b, c]``.
    """

    rank, pool = 2, staticmethod(P.max_pool)

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


@LAYERS.register("MaxPooling3D", "MaxPool3D")
class MaxPooling3D(BasePooling):
    """Max over ``pool_size`` windows of (batch, d1, d2, d3, channels)."""

    rank, pool = 3, staticmethod(P.max_pool)

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


# ---- average pooling --------------------------------------------------------------------------

def _average_pool(x, pool_size, strides, padding):
    """``P.average_pool`` of ``x`` as floats: an integer input is averaged in floatx, as
    Keras 3.15 on jax does (numpy's mean would give float64)."""
    return P.average_pool(as_float(x), pool_size, strides, padding)


@LAYERS.register("AveragePooling1D", "AvgPool1D")
class AveragePooling1D(BasePooling):
    """Mean over windows of ``pool_size`` steps; with "same" only real elements are averaged.

    Formula: ``y[n, o, c] = sum_a x[n, o*strides + a - pad, c] / (number of real elements)``,
    as the TensorFlow, JAX and NumPy backends compute it (torch's differs when the total
    padding is odd). ``pool_size`` is required.
    """

    rank, pool = 1, staticmethod(_average_pool)

    def __init__(self, pool_size=None, strides=None, padding="valid", data_format=None,
                 **kwargs):
        pool_size = _required_pool_size(type(self).__name__, pool_size, "2")
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


@LAYERS.register("AveragePooling2D", "AvgPool2D")
class AveragePooling2D(BasePooling):
    """Mean over ``pool_size`` windows of (batch, rows, cols, channels).

    Formula: window sum / number of real (unpadded) elements in the window. ``pool_size``
    is required (Keras 2's default was (2, 2)).
    """

    rank, pool = 2, staticmethod(_average_pool)

    def __init__(self, pool_size=None, strides=None, padding="valid", data_format=None,
                 **kwargs):
        pool_size = _required_pool_size(type(self).__name__, pool_size, "(2, 2)")
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


@LAYERS.register("AveragePooling3D", "AvgPool3D")
class AveragePooling3D(BasePooling):
    """Mean over ``pool_size`` windows of (batch, d1, d2, d3, channels); pool_size required."""

    rank, pool = 3, staticmethod(_average_pool)

    def __init__(self, pool_size=None, strides=None, padding="valid", data_format=None,
                 **kwargs):
        pool_size = _required_pool_size(type(self).__name__, pool_size, "(2, 2, 2)")
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


# ---- global pooling ---------------------------------------------------------------------------

class BaseGlobalPooling(Layer):
    """Reduce every spatial axis (mean or max); ``keepdims`` keeps them with size 1."""

    _keras_builds_at_init = True  # see Layer.get_build_config
    _exact_output_shape = True  # see Layer; no zero-sample run

    rank = None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def build(self, input_shape):
        check_rank(self, input_shape, self.rank)
        self.built = True

    @property
    def _axes(self):
        first = 1 if self.data_format == "channels_last" else 2
        return tuple(range(first, first + self.rank))

    def compute_output_shape(self, input_shape):
        if self.keepdims:
            return tuple(1 if i in self._axes else n for i, n in enumerate(input_shape))
        return tuple(n for i, n in enumerate(input_shape) if i not in self._axes)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format,
                "keepdims": self.keepdims}


class _GlobalAverage(BaseGlobalPooling):
    """Formula: ``mean over the spatial axes``."""

    def call(self, inputs):
        return ops.mean(inputs, axis=self._axes, keepdims=self.keepdims)


class _GlobalMax(BaseGlobalPooling):
    """Formula: ``max over the spatial axes``."""

    def call(self, inputs):
        return ops.max(inputs, axis=self._axes, keepdims=self.keepdims)


@LAYERS.register("GlobalAveragePooling1D", "GlobalAvgPool1D")
class GlobalAveragePooling1D(_GlobalAverage):
    """(batch, steps, channels) -> (batch, channels): mean over steps (masked steps skipped)."""

    rank = 1
    supports_masking = True  # it uses the mask, and its output has none (Keras's rule)

    def call(self, inputs, mask=None):
        """A mask (batch, steps) weights the mean; only the 1-D layer takes one (Keras 3's
        2-D and 3-D ``call`` take no ``mask``, and its files record none for them)."""
        if mask is None:
            return super().call(inputs)
        weights = ops.cast(ops.convert_to_tensor(mask), inputs.dtype)
        weights = ops.expand_dims(weights, 2 if self.data_format == "channels_last" else 1)
        total = ops.sum(ops.multiply(inputs, weights), axis=self._axes, keepdims=self.keepdims)
        return ops.divide(total, ops.sum(weights, axis=self._axes, keepdims=self.keepdims))

    def compute_mask(self, inputs, mask=None):
        return None


@LAYERS.register("GlobalAveragePooling2D", "GlobalAvgPool2D")
class GlobalAveragePooling2D(_GlobalAverage):
    """(batch, rows, cols, channels) -> (batch, channels): mean over rows and cols."""

    rank = 2


@LAYERS.register("GlobalAveragePooling3D", "GlobalAvgPool3D")
class GlobalAveragePooling3D(_GlobalAverage):
    """(batch, d1, d2, d3, channels) -> (batch, channels): mean over the three spatial axes."""

    rank = 3


@LAYERS.register("GlobalMaxPooling1D", "GlobalMaxPool1D")
class GlobalMaxPooling1D(_GlobalMax):
    """(batch, steps, channels) -> (batch, channels): max over steps."""

    rank = 1


@LAYERS.register("GlobalMaxPooling2D", "GlobalMaxPool2D")
class GlobalMaxPooling2D(_GlobalMax):
    """(batch, rows, cols, channels) -> (batch, channels): max over rows and cols."""

    rank = 2


@LAYERS.register("GlobalMaxPooling3D", "GlobalMaxPool3D")
class GlobalMaxPooling3D(_GlobalMax):
    """(batch, d1, d2, d3, channels) -> (batch, channels): max over the spatial axes."""

    rank = 3


MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D)
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = (
    GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D)
