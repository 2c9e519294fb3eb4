"""Depthwise and separable convolutions (1-D and 2-D), as grouped convolutions."""
from ..autodiff import primitives as P
from .convolutional import _checked_positive, _Windowed, from_channels_last
from .core import activated
from .layer import LAYERS
from .weight_options import (add_weight_with_options, set_weight_options, weight_options_config,
                             with_activity_regularizer)


class BaseDepthwiseConv(_Windowed):
    """Each input channel convolved with its own ``depth_multiplier`` filters.

    Formula: ``y[..., c * depth_multiplier + m] = conv(x[..., c], kernel[..., c, m]) + bias``,
    kernel shape (*kernel_size, channels, depth_multiplier).
    """

    _keras2_unused_keys = ("groups",)

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.depth_multiplier = _checked_positive(type(self).__name__, "depth_multiplier",
                                              depth_multiplier)
        self._init_window(kernel_size, strides, padding, data_format, dilation_rate, activation,
                          use_bias, allow_causal=False, dilated_strides=True)
        set_weight_options(self, depthwise_initializer=depthwise_initializer,
                           bias_initializer=bias_initializer,
                           depthwise_regularizer=depthwise_regularizer,
                           bias_regularizer=bias_regularizer,
                           depthwise_constraint=depthwise_constraint,
                           bias_constraint=bias_constraint)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.compute_output_shape(input_shape)
        self.kernel = add_weight_with_options(
            self, "kernel", self.kernel_size + (channels, self.depth_multiplier), "depthwise")
        self.bias = self._add_bias(channels * self.depth_multiplier)
        self._finish_build(channels)

    def call(self, inputs):
        x = self._prepare(inputs)
        channels = x.shape[-1]
        # a grouped convolution with one group per input channel
        kernel = P.reshape(self.kernel, self.kernel_size + (1, channels * self.depth_multiplier))
        y = P.conv(x, kernel, self.bias, self.strides, self.padding, self.dilation_rate,
                   groups=channels)
        return activated(self.activation, from_channels_last(y, self.data_format))

    def compute_output_shape(self, input_shape):
        channels = input_shape[self._channel_axis]
        return self._output_shape(input_shape,
                                  None if channels is None else channels * self.depth_multiplier)

    def get_config(self):
        return {**super().get_config(), "depth_multiplier": self.depth_multiplier,
                **self._window_config(), **with_activity_regularizer(
                    weight_options_config(self, "depthwise", "bias"), self)}


class BaseSeparableConv(_Windowed):
    """A depthwise convolution, then a 1x1 (pointwise) convolution to ``filters`` channels.

    Formula: ``y = activation(pointwise(depthwise(x)) + bias)``; weights
    ``depthwise_kernel`` (*kernel_size, channels, depth_multiplier), ``pointwise_kernel``
    (1, ..., channels * depth_multiplier, filters), ``bias`` (filters,).
    """

    _keras2_unused_keys = ("groups", "kernel_initializer", "kernel_regularizer",
                          "kernel_constraint")

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        cls = type(self).__name__
        self.filters = _checked_positive(cls, "filters", filters)
        self.depth_multiplier = _checked_positive(cls, "depth_multiplier", depth_multiplier)
        self._init_window(kernel_size, strides, padding, data_format, dilation_rate, activation,
                          use_bias, allow_causal=False, dilated_strides=True)
        set_weight_options(self, depthwise_initializer=depthwise_initializer,
                           pointwise_initializer=pointwise_initializer,
                           bias_initializer=bias_initializer,
                           depthwise_regularizer=depthwise_regularizer,
                           pointwise_regularizer=pointwise_regularizer,
                           bias_regularizer=bias_regularizer,
                           depthwise_constraint=depthwise_constraint,
                           pointwise_constraint=pointwise_constraint,
                           bias_constraint=bias_constraint)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.compute_output_shape(input_shape)
        inner = channels * self.depth_multiplier
        self.depthwise_kernel = add_weight_with_options(
            self, "depthwise_kernel", self.kernel_size + (channels, self.depth_multiplier),
            "depthwise")
        self.pointwise_kernel = add_weight_with_options(
            self, "pointwise_kernel", (1,) * self.rank + (inner, self.filters), "pointwise")
        self.bias = self._add_bias(self.filters)
        self._finish_build(channels)

    def call(self, inputs):
        x = self._prepare(inputs)
        channels = x.shape[-1]
        depthwise = P.reshape(self.depthwise_kernel,
                              self.kernel_size + (1, channels * self.depth_multiplier))
        y = P.conv(x, depthwise, None, self.strides, self.padding, self.dilation_rate,
                   groups=channels)
        y = P.conv(y, self.pointwise_kernel, self.bias)
        return activated(self.activation, from_channels_last(y, self.data_format))

    def compute_output_shape(self, input_shape):
        return self._output_shape(input_shape, self.filters)

    def get_config(self):
        return {**super().get_config(), "depth_multiplier": self.depth_multiplier,
                "filters": self.filters, **self._window_config(), **with_activity_regularizer(
                    weight_options_config(self, "depthwise", "pointwise", "bias"), self)}


@LAYERS.register("DepthwiseConv1D")
class DepthwiseConv1D(BaseDepthwiseConv):
    """Depthwise 1-D convolution over (batch, steps, channels)."""

    rank = 1


@LAYERS.register("DepthwiseConv2D")
class DepthwiseConv2D(BaseDepthwiseConv):
    """Depthwise 2-D convolution: kernel (kh, kw, channels, depth_multiplier)."""

    rank = 2


@LAYERS.register("SeparableConv1D", "SeparableConvolution1D")
class SeparableConv1D(BaseSeparableConv):
    """Depthwise then pointwise 1-D convolution."""

    rank = 1


@LAYERS.register("SeparableConv2D", "SeparableConvolution2D")
class SeparableConv2D(BaseSeparableConv):
    """Depthwise then pointwise 2-D convolution."""

    rank = 2


SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
