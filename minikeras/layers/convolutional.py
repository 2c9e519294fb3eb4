"""Convolution layers: Conv1D, Conv2D, Conv3D (depthwise/separable: convolutional_depthwise.py).

The math is one fused primitive (``autodiff/conv.py``: im2col + one GEMM, channels_last);
``data_format="channels_first"`` transposes to channels_last and back around it.
"""
import numpy as np

from .. import activations, backend
from ..autodiff import conv as C
from ..autodiff import primitives as P
from ..ops.convolution import (conv, from_channels_last, standardize_data_format,
                               to_channels_last)
from .core import FUSED_ACTIVATIONS, activated
from .layer import LAYERS, InputSpec, Layer
from .lora import AdaptedWeight, LowRankAdaptation
from .weight_options import (add_weight_with_options, set_weight_options, weight_options_config,
                             with_activity_regularizer)


# ---- helpers shared with pooling.py -------------------------------------------------------

def spatial_dims(input_shape, data_format):
    return tuple(input_shape[1:-1] if data_format == "channels_last" else input_shape[2:])


def with_spatial(input_shape, spatial, channels, data_format):
    """An output shape with new spatial sizes and channel count, in ``data_format`` order."""
    if data_format == "channels_last":
        return (input_shape[0],) + tuple(spatial) + (channels,)
    return (input_shape[0], channels) + tuple(spatial)


def check_rank(layer, input_shape, rank):
    """Raise a clear ValueError unless ``input_shape`` has rank + 2 axes."""
    if len(input_shape) != rank + 2:
        raise ValueError(
            f'Input 0 of layer "{layer.name}" ({type(layer).__name__}) is incompatible with the '
            f"layer: expected ndim={rank + 2} (batch, {rank} spatial axes, channels), found "
            f"ndim={len(input_shape)}. Full shape received: {tuple(input_shape)}")


def check_output(layer, input_shape, out, window, strides, dilation, out_channels=None):
    """Keras's error for a spatial output size of zero or less, in its words (a
    convolution's, given ``out_channels``, names its kernel shape as (window, input
    channels, output channels); a pooling layer's its pool size; Keras prints some as numpy
    arrays), then the layer, the spatial output and the fix."""
    if not any(o is not None and o <= 0 for o in out):
        return
    if out_channels is None:
        received = (f"Received: `inputs.shape={np.array(input_shape, dtype=object)}`, "
                    f"`pool_size={np.array(window)}`, `strides={tuple(strides)}`, "
                    f"`padding={layer.padding}`.")
    else:
        in_channels = input_shape[-1 if layer.data_format == "channels_last" else 1]
        received = (f"Received `inputs shape={tuple(input_shape)}`, `kernel shape="
                    f"{tuple(window) + (in_channels, out_channels)}`, `dilation_rate="
                    f"{np.array(dilation)}`, `strides={tuple(strides)}`, "
                    f"`padding={layer.padding}`.")
    raise ValueError(f"Computed output size would be zero or negative. {received} Layer "
                     f"'{layer.name}' ({type(layer).__name__}) would give the spatial output "
                     f"{tuple(out)}: use a smaller window or padding='same'.")


def _is_positive_int(value):
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _positive_int(cls_name, name, value):
    """``value`` when it is a positive int; else a ValueError naming ``cls_name`` (for a
    layer whose Keras counterpart does not check it: ConvLSTM)."""
    if not _is_positive_int(value):
        raise ValueError(f"Invalid value for argument `{name}` of {cls_name}. Expected a "
                         f"strictly positive integer. Received: {name}={value!r}")
    return value


def _checked_positive(cls_name, name, value):
    """``value`` when it is a positive int; else Keras's ValueError for a convolution's
    argument ``name`` (then which layer class needs it)."""
    if not _is_positive_int(value):
        raise ValueError(f"Invalid value for argument `{name}`. Expected a strictly positive "
                         f"value. Received {name}={value!r}. {cls_name}'s `{name}` must be a "
                         f"positive integer.")
    return value


def _checked_groups(groups):
    if not _is_positive_int(groups):
        raise ValueError(f"The number of groups must be a positive integer. Received: "
                         f"groups={groups!r}.")
    return groups


# ---- the convolution layers ------------------------------------------------------------------

_WINDOW_ORDER = ("kernel_size", "strides", "padding", "output_padding", "data_format",
                 "dilation_rate", "groups", "activation", "recurrent_activation", "use_bias")


class _Windowed(Layer):
    """What every convolution layer shares: window arguments, validation, output shape."""

    _exact_output_shape = True  # see Layer; no zero-sample run to build

    rank = None
    # keys Keras 2 wrote from its convolution base class that this layer never takes
    # (`groups` is then always 1): from_config drops them
    _keras2_unused_keys = ()

    @classmethod
    def from_config(cls, config):
        if cls._keras2_unused_keys and config.get("groups", 1) != 1:
            raise ValueError(f"{cls.__name__} takes no `groups`; the config gives "
                             f"groups={config['groups']!r}.")
        return super().from_config({k: v for k, v in config.items()
                                    if k not in cls._keras2_unused_keys})

    def _init_window(self, kernel_size, strides, padding, data_format, dilation_rate,
                     activation, use_bias, allow_causal=None, dilated_strides=False):
        """``allow_causal``: None for "causal" on rank 1 only; ``dilated_strides``: strides and
        dilation may both exceed 1 (Keras's depthwise and separable layers allow it)."""
        rank = self.rank
        self.kernel_size = C.normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = C.normalize_tuple(strides, rank, "strides")
        self.dilation_rate = C.normalize_tuple(dilation_rate, rank, "dilation_rate")
        if not dilated_strides and max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}")
        self.padding = C.normalize_padding(
            padding, allow_causal=rank == 1 if allow_causal is None else allow_causal)
        self.data_format = standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.input_spec = InputSpec(min_ndim=rank + 2)

    @property
    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def _input_channels(self, input_shape):
        """The (known) channel count of a rank-checked input shape."""
        check_rank(self, input_shape, self.rank)
        channels = input_shape[self._channel_axis]
        if channels is None:
            raise ValueError(f"Layer '{self.name}': the channel dimension of the inputs must be "
                             f"known. Received input shape {tuple(input_shape)}.")
        return channels

    def _prepare(self, inputs):
        """Inputs as floating channels_last (integer images are cast to the layer's dtype)."""
        if not backend.is_float_dtype(inputs.dtype):
            inputs = P.cast(inputs, self.dtype)
        return to_channels_last(inputs, self.data_format)

    def _finish_build(self, channels):
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={self._channel_axis: channels})
        self.built = True

    def _output_shape(self, input_shape, channels):
        out = tuple(C.output_length(n, k, s, d, self.padding) for n, k, s, d in zip(
            spatial_dims(input_shape, self.data_format), self.kernel_size, self.strides,
            self.dilation_rate))
        check_output(self, input_shape, out, self.kernel_size, self.strides, self.dilation_rate,
                     channels)
        return with_spatial(input_shape, out, channels, self.data_format)

    def _add_bias(self, size):
        """The ``bias`` weight of ``size`` entries, or None when ``use_bias`` is off."""
        return add_weight_with_options(self, "bias", (size,)) if self.use_bias else None

    def _window_config(self, **extra):
        """The window's options and ``extra`` ones (``output_padding``, ``groups``, a
        ConvLSTM's ``recurrent_activation``) in Keras's order of a convolution's config."""
        entries = {"kernel_size": self.kernel_size, "strides": self.strides,
                   "padding": self.padding, "data_format": self.data_format,
                   "dilation_rate": self.dilation_rate,
                   "activation": activations.serialize(self.activation),
                   "use_bias": self.use_bias, **extra}
        return {key: entries[key] for key in _WINDOW_ORDER if key in entries}


class BaseConv(LowRankAdaptation, _Windowed):
    """Shared N-D convolution: ``activation(conv(inputs, kernel) + bias)``.

    Formula: ``y[n, o, f] = sum_{a, c} x_pad[n, o*strides + a*dilation_rate, c] * kernel[a, c, f]
    + bias[f]`` (cross-correlation, no kernel flip), per group of channels when groups > 1.
    ``enable_lora(rank)`` / ``lora_rank=`` train a low-rank update of the kernel (``lora.py``).
    """

    kernel = AdaptedWeight()

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, lora_alpha=None,
                 **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._init_lora(lora_rank, lora_alpha)
        self.filters = _checked_positive(type(self).__name__, "filters", filters)
        self.groups = _checked_groups(groups)
        if self.filters % self.groups:
            raise ValueError(
                f"The number of filters must be evenly divisible by the number of groups. "
                f"Received: groups={groups}, filters={filters}.")
        self._init_window(kernel_size, strides, padding, data_format, dilation_rate, activation,
                          use_bias)
        set_weight_options(self, kernel_initializer=kernel_initializer,
                           bias_initializer=bias_initializer,
                           kernel_regularizer=kernel_regularizer,
                           bias_regularizer=bias_regularizer,
                           kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        if channels % self.groups:
            raise ValueError(
                f"The number of input channels must be evenly divisible by the number of "
                f"groups. Received groups={self.groups}, but the input has {channels} channels "
                f"(full input shape is {tuple(input_shape)}).")
        self.compute_output_shape(input_shape)  # raises for a non-positive output size
        self.kernel = add_weight_with_options(
            self, "kernel", self.kernel_size + (channels // self.groups, self.filters))
        self.bias = self._add_bias(self.filters)
        self._finish_build(channels)
        self._enable_configured_lora(keep_alpha=True)

    def convolution_op(self, inputs, kernel):
        """The convolution ``call`` runs, without bias or activation (Keras's hook: a subclass
        overriding it, e.g. to standardize the kernel, keeps the rest of ``call``)."""
        return conv(inputs, kernel, self.strides, self.padding, self.data_format,
                    self.dilation_rate)

    def call(self, inputs):
        if type(self).convolution_op is not BaseConv.convolution_op:
            return self._call_through_convolution_op(inputs)
        x = self._prepare(inputs)
        fused = FUSED_ACTIVATIONS.get(self.activation)
        y = P.conv(x, self.kernel, self.bias, self.strides, self.padding, self.dilation_rate,
                   self.groups, activation=fused)
        y = from_channels_last(y, self.data_format)
        return y if fused is not None else activated(self.activation, y)

    def _call_through_convolution_op(self, inputs):
        y = self.convolution_op(inputs, self.kernel)
        if self.use_bias:
            bias = self.bias
            if self.data_format == "channels_first":
                bias = P.reshape(bias, (self.filters,) + (1,) * self.rank)
            y = y + bias
        return activated(self.activation, y)

    def compute_output_shape(self, input_shape):
        return self._output_shape(input_shape, self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                **self._window_config(groups=self.groups),
                **with_activity_regularizer(weight_options_config(self, "kernel", "bias"), self),
                **self.lora_config()}


@LAYERS.register("Conv1D", "Convolution1D")
class Conv1D(BaseConv):
    """1-D convolution over (batch, steps, channels); kernel (kernel_size, in/groups, filters).

    Formula: ``activation(conv1d(inputs, kernel) + bias)``. ``padding="causal"`` pads
    ``dilation_rate * (kernel_size - 1)`` zeros on the left only, so output t sees inputs <= t.
    """

    rank = 1

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, **kwargs)


@LAYERS.register("Conv2D", "Convolution2D")
class Conv2D(BaseConv):
    """2-D convolution over (batch, rows, cols, channels); kernel (kh, kw, in/groups, filters).

    Formula: ``activation(conv2d(inputs, kernel) + bias)``.
    """

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, **kwargs)


@LAYERS.register("Conv3D", "Convolution3D")
class Conv3D(BaseConv):
    """3-D convolution over (batch, d1, d2, d3, channels); kernel (k1, k2, k3, in/groups, filters).

    Formula: ``activation(conv3d(inputs, kernel) + bias)``.
    """

    rank = 3

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1, 1), groups=1, activation=None,
                 use_bias=True, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, **kwargs)


Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
