"""Convolution and pooling of ``keras.ops``, in either data format.

conv, conv_transpose, max_pool and average_pool are fused primitives (im2col + GEMM;
see ``minikeras/autodiff/conv.py``); depthwise and separable convolution are grouped
convolutions. Channels-first inputs are transposed to channels_last and back.
"""
from .. import backend
from ..autodiff import primitives as P
from .core import as_float, convert_to_tensor

__all__ = ["average_pool", "conv", "conv_transpose", "depthwise_conv", "max_pool", "separable_conv"]


def standardize_data_format(data_format):
    """None -> ``backend.image_data_format()``; otherwise "channels_last" / "channels_first"."""
    fmt = backend.image_data_format() if data_format is None else str(data_format).lower()
    if fmt not in ("channels_last", "channels_first"):
        raise ValueError("The `data_format` argument must be one of 'channels_first', "
                         f"'channels_last'. Received: data_format={data_format!r}")
    return fmt


def to_channels_last(x, fmt):
    """(N, C, *spatial) -> (N, *spatial, C) when ``fmt`` is channels_first."""
    return x if fmt == "channels_last" else P.transpose(x, (0, *range(2, x.ndim), 1))


def from_channels_last(y, fmt):
    """Undo :func:`to_channels_last` on an output."""
    return y if fmt == "channels_last" else P.transpose(y, (0, y.ndim - 1, *range(1, y.ndim - 1)))


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution (cross-correlation, no kernel flip).

    Formula: ``y[n, o, f] = sum_{a, c} x_pad[n, o*strides + a*dilation_rate, c] * kernel[a, c, f]``

    Args:
        inputs: (batch, *spatial, channels) (or channels first).
        kernel: (*kernel_size, channels / groups, filters); groups is inferred from the
            channel counts, as Keras does.
        strides, dilation_rate: an int or one int per spatial axis.
        padding: "valid" or "same" (TensorFlow placement: the odd pixel goes after).
    """
    fmt = standardize_data_format(data_format)
    x = to_channels_last(as_float(inputs), fmt)
    return from_channels_last(P.conv(x, convert_to_tensor(kernel), None, strides, padding,
                                 dilation_rate), fmt)


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """Transposed convolution: the adjoint of ``conv`` w.r.t. its input (TensorFlow's rule).

    Formula: ``y[n, o*strides + a*dilation_rate - pad, f] += x[n, o, c] * kernel[a, f, c]``

    Args:
        kernel: (*kernel_size, filters, in_channels) (note: filters before in_channels).
        output_padding: None, or one int per spatial axis (< strides) added to the output size.
    """
    fmt = standardize_data_format(data_format)
    x = to_channels_last(as_float(inputs), fmt)
    return from_channels_last(P.conv_transpose(x, convert_to_tensor(kernel), None, strides, padding,
                                           output_padding, dilation_rate), fmt)


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """Per-channel convolution: kernel (*kernel_size, channels, multiplier).

    Output channel ``c * multiplier + m`` is input channel c convolved with kernel[..., c, m].
    """
    kernel = convert_to_tensor(kernel)
    channels, multiplier = kernel.shape[-2], kernel.shape[-1]
    fmt = standardize_data_format(data_format)
    x = to_channels_last(as_float(inputs), fmt)
    grouped = P.reshape(kernel, kernel.shape[:-2] + (1, channels * multiplier))
    return from_channels_last(P.conv(x, grouped, None, strides, padding, dilation_rate,
                                 groups=channels), fmt)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """A depthwise convolution followed by a 1x1 (pointwise) convolution."""
    y = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv(y, pointwise_kernel, 1, "valid", data_format, 1)


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Maximum over each window; ``strides`` default to ``pool_size``; padding never wins."""
    fmt = standardize_data_format(data_format)
    x = to_channels_last(convert_to_tensor(inputs), fmt)
    return from_channels_last(P.max_pool(x, pool_size, strides, padding), fmt)


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Mean over each window; with "same" only the real (unpadded) elements are averaged,
    as the TensorFlow, JAX and NumPy backends do."""
    fmt = standardize_data_format(data_format)
    x = to_channels_last(as_float(inputs), fmt)
    return from_channels_last(P.average_pool(x, pool_size, strides, padding), fmt)
