"""Convolution and pooling of ``keras.ops``, in either data format.

conv, conv_transpose, max_pool and average_pool are fused primitives (im2col + GEMM;
see ``minikeras/autodiff/conv.py``); depthwise and separable convolution are grouped
convolutions; adaptive pools are separable, one axis at a time (a matmul by an averaging
matrix, or a max over gathered windows). Channels-first inputs are transposed to
channels_last and back.
"""
import numpy as np

from .. import backend
from ..autodiff import primitives as P
from .core import as_float, convert_to_tensor

__all__ = ["adaptive_average_pool", "adaptive_max_pool", "average_pool", "conv", "conv_transpose",
           "depthwise_conv", "max_pool", "separable_conv"]


def standardize_data_format(data_format):
    """None -> ``backend.image_data_format()``; otherwise "channels_last" / "channels_first"."""
    fmt = backend.image_data_format() if data_format is None else str(data_format).lower()
    if fmt not in ("channels_last", "channels_first"):
        raise ValueError("The `data_format` argument must be one of {'channels_first', "
                         f"'channels_last'}}. Received: data_format={data_format}")
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


def adaptive_average_pool(inputs, output_size, data_format=None):
    """Mean pooling to a fixed spatial ``output_size`` (an int or one per spatial axis).

    Output position i along an axis of length L averages the inputs in
    ``[floor(i L / out), ceil((i + 1) L / out))`` (PyTorch's windows, as Keras's)."""
    return _adaptive_pool(inputs, output_size, data_format, "adaptive_average_pool")


def adaptive_max_pool(inputs, output_size, data_format=None):
    """Max pooling to a fixed spatial ``output_size``, over ``adaptive_average_pool``'s
    windows."""
    return _adaptive_pool(inputs, output_size, data_format, "adaptive_max_pool")


def _adaptive_pool(inputs, output_size, data_format, name):
    fmt = standardize_data_format(data_format)
    x = convert_to_tensor(inputs)
    x = to_channels_last(as_float(x) if name == "adaptive_average_pool" else x, fmt)
    spatial = x.ndim - 2
    if spatial not in (1, 2, 3):
        raise ValueError(f"{name} supports only 1D/2D/3D inputs (rank 3 to 5). Received: "
                         f"inputs.shape={tuple(x.shape)}")
    sizes = (output_size,) * spatial if isinstance(output_size, int) else tuple(output_size)
    if len(sizes) != spatial or any(int(n) < 1 for n in sizes):
        raise ValueError(f"{name}: output_size must be a positive int or {spatial} of them. "
                         f"Received: output_size={output_size}")
    for axis, out in zip(range(1, spatial + 1), sizes):   # windows are separable by axis
        x = _adaptive_pool_axis(x, axis, int(out), name == "adaptive_max_pool")
    return from_channels_last(x, fmt)


def _adaptive_pool_axis(x, axis, out, use_max):
    length = x.shape[axis]
    starts = (np.arange(out) * length) // out
    ends = -((-np.arange(1, out + 1) * length) // out)            # ceil
    if not use_max:                                               # a (length, out) averaging
        weights = np.zeros((length, out), x.dtype)                # matrix along ``axis``
        for i, (lo, hi) in enumerate(zip(starts, ends)):
            weights[lo:hi, i] = 1 / (hi - lo)
        moved = P.transpose(x, _axis_last(x.ndim, axis))
        return P.transpose(P.matmul(moved, weights), np.argsort(_axis_last(x.ndim, axis)))
    width = int((ends - starts).max())
    index = starts[:, None] + np.arange(width)[None, :]           # (out, width)
    inside = index < ends[:, None]
    windows = P.take(x, np.minimum(index, length - 1), axis)      # axis -> (out, width)
    shape = [1] * windows.ndim
    shape[axis], shape[axis + 1] = out, width
    return P.max(P.where(inside.reshape(shape), windows, _lowest(x.dtype)), axis + 1)


def _axis_last(ndim, axis):
    return [a for a in range(ndim) if a != axis] + [axis]


def _lowest(dtype):
    return np.array(-np.inf if np.dtype(dtype).kind == "f" else np.iinfo(dtype).min, dtype)
