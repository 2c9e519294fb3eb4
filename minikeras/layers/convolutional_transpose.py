"""Transposed convolutions: Conv1DTranspose, Conv2DTranspose, Conv3DTranspose."""
from ..autodiff import conv as C
from ..autodiff import primitives as P
from .convolutional import (_checked_positive, _Windowed, check_output, from_channels_last,
                            spatial_dims, with_spatial)
from .core import activated
from .layer import LAYERS
from .weight_options import (add_weight_with_options, set_weight_options, weight_options_config,
                             with_activity_regularizer)


class BaseConvTranspose(_Windowed):
    """Transposed ("de-") convolution: each input pixel adds a kernel-weighted patch.

    Formula: ``y[n, o*strides + a*dilation_rate - pad, f] += x[n, o, c] * kernel[a, f, c]``,
    plus bias[f]; kernel shape (*kernel_size, filters, in_channels). Output size per axis:
    valid ``n*s + max(k_eff - s, 0)``, same ``n*s`` (k_eff = dilation*(k-1) + 1), or with
    ``output_padding`` ``(n-1)*s + k_eff - 2*pad + output_padding``.
    """

    _keras2_unused_keys = ("groups",)

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.filters = _checked_positive(type(self).__name__, "filters", filters)
        self._init_window(kernel_size, strides, padding, data_format, dilation_rate, activation,
                          use_bias, allow_causal=False)
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = C.normalize_tuple(output_padding, self.rank, "output_padding",
                                                    allow_zero=True)
            for dim, (pad, stride) in enumerate(zip(self.output_padding, self.strides)):
                if pad >= stride:
                    raise ValueError(
                        "`output_padding` must be strictly less than `strides` for all "
                        f"dimensions. At dimension {dim}, `output_padding` is {pad} but "
                        f"`strides` is {stride}. Received: output_padding={self.output_padding}, "
                        f"strides={self.strides}")
        set_weight_options(self, kernel_initializer=kernel_initializer,
                           bias_initializer=bias_initializer,
                           kernel_regularizer=kernel_regularizer,
                           bias_regularizer=bias_regularizer,
                           kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.compute_output_shape(input_shape)
        self.kernel = add_weight_with_options(self, "kernel",
                                              self.kernel_size + (self.filters, channels))
        self.bias = self._add_bias(self.filters)
        self._finish_build(channels)

    def call(self, inputs):
        x = self._prepare(inputs)
        y = P.conv_transpose(x, self.kernel, self.bias, self.strides, self.padding,
                             self.output_padding, self.dilation_rate)
        return activated(self.activation, from_channels_last(y, self.data_format))

    def compute_output_shape(self, input_shape):
        extra = self.output_padding or (None,) * self.rank
        out = tuple(C.transpose_output_length(n, k, s, d, self.padding, p) for n, k, s, d, p in
                    zip(spatial_dims(input_shape, self.data_format), self.kernel_size,
                        self.strides, self.dilation_rate, extra))
        check_output(self, input_shape, out, self.kernel_size, self.strides, self.dilation_rate,
                     self.filters)
        return with_spatial(input_shape, out, self.filters, self.data_format)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                **self._window_config(output_padding=self.output_padding),
                **with_activity_regularizer(weight_options_config(self, "kernel", "bias"), self)}


@LAYERS.register("Conv1DTranspose", "Convolution1DTranspose")
class Conv1DTranspose(BaseConvTranspose):
    """Transposed 1-D convolution: kernel (kernel_size, filters, in_channels)."""

    rank = 1


@LAYERS.register("Conv2DTranspose", "Convolution2DTranspose")
class Conv2DTranspose(BaseConvTranspose):
    """Transposed 2-D convolution (upsampling): kernel (kh, kw, filters, in_channels)."""

    rank = 2


@LAYERS.register("Conv3DTranspose", "Convolution3DTranspose")
class Conv3DTranspose(BaseConvTranspose):
    """Transposed 3-D convolution: kernel (k1, k2, k3, filters, in_channels)."""

    rank = 3

    # Keras 3.15's order here: data_format before output_padding (the 1-D and 2-D layers
    # take output_padding first), which matters to positional arguments
    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, output_padding=None, dilation_rate=(1, 1, 1), **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         output_padding=output_padding, data_format=data_format,
                         dilation_rate=dilation_rate, **kwargs)


Convolution1DTranspose, Convolution2DTranspose, Convolution3DTranspose = (
    Conv1DTranspose, Conv2DTranspose, Conv3DTranspose)
