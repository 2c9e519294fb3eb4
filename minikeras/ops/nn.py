"""Neural-network functions of ``keras.ops``: activations, softmax family, one_hot.

Names and defaults follow ``keras.ops`` (so ``gelu`` defaults to the tanh
approximation and ``leaky_relu`` to slope 0.2; ``keras.activations`` differs in
places, see ``minikeras/activations.py``). relu, sigmoid, tanh, softplus, softmax
and log_softmax are fused primitives; everything else is composed from
primitives, so its gradient is derived, never written by hand.

Integer and boolean inputs are cast to ``floatx()`` first (except for the fused
primitives, which keep what they are given); float inputs keep their dtype.
Outputs are Tensors. None of these functions sets ``Tensor.logits``: tagging an
output with its logits is the job of ``keras.activations.softmax`` / ``sigmoid``.
"""
import math
import warnings

from .. import backend
from ..autodiff import primitives as P
from ..autodiff.tensor import Tensor
from .core import cast, convert_to_tensor, data

__all__ = [
    "celu", "elu", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_swish",
    "hard_tanh", "leaky_relu", "log_sigmoid", "log_softmax", "one_hot", "relu", "relu6", "selu",
    "sigmoid", "silu", "soft_shrink", "softmax", "softplus", "softsign", "sparse_plus",
    "sparse_sigmoid", "sparsemax", "squareplus", "swish", "tanh", "tanh_shrink", "threshold",
]

xp = backend.xp

SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


def _float(x):
    """``x`` as a floating Tensor (ints and bools become floatx)."""
    x = convert_to_tensor(x)
    return x if backend.is_float_dtype(x.dtype) else cast(x, backend.floatx())


# ---- fused primitives ------------------------------------------------------------------

relu = P.relu
sigmoid = P.sigmoid
tanh = P.tanh
softplus = P.softplus


def softmax(x, axis=-1):
    """Softmax along ``axis`` (an int or a tuple of ints).

    Formula: ``exp(x - max(x)) / sum(exp(x - max(x)))``
    """
    x = convert_to_tensor(x)
    if isinstance(axis, int) and x.ndim and x.shape[axis] == 1:
        warnings.warn(
            f"softmax over axis {axis} of a tensor of shape {x.shape}: that axis has size 1, "
            "so every output is 1. For a single-unit binary output use sigmoid instead.",
            stacklevel=2)
    return P.softmax(x, axis)


def log_softmax(x, axis=-1):
    """Log of softmax along ``axis``, computed stably.

    Formula: ``x - max(x) - log(sum(exp(x - max(x))))``
    """
    return P.log_softmax(x, axis)


# ---- rectifiers --------------------------------------------------------------------------

def relu6(x):
    """ReLU capped at 6.

    Formula: ``min(max(x, 0), 6)``
    """
    return P.clip(_float(x), 0.0, 6.0)


def leaky_relu(x, negative_slope=0.2):
    """Leaky ReLU: a small slope instead of zero for negative inputs.

    Formula: ``max(x, negative_slope * x)``

    Args:
        negative_slope: slope for x < 0 (0.2, as in ``keras.ops``).
    """
    x = _float(x)
    return P.maximum(x, P.multiply(x, negative_slope))


def elu(x, alpha=1.0):
    """Exponential linear unit.

    Formula: ``x if x >= 0 else alpha * (exp(x) - 1)``. The exponential only ever
    sees ``min(x, 0)``, so large positive inputs cannot overflow the unused branch.

    Args:
        alpha: value approached for large negative x is ``-alpha``.
    """
    x = _float(x)
    negative = P.multiply(P.subtract(P.exp(P.minimum(x, 0.0)), 1.0), alpha)
    return P.where(x >= 0, x, negative)


def selu(x):
    """Scaled ELU (self-normalizing).

    Formula: ``scale * elu(x, alpha)`` with alpha = 1.6732632423543772 and
    scale = 1.0507009873554805.
    """
    return P.multiply(elu(x, SELU_ALPHA), SELU_SCALE)


def celu(x, alpha=1.0):
    """Continuously differentiable ELU.

    Formula: ``max(x, 0) + alpha * (exp(min(x, 0) / alpha) - 1)``
    """
    x = _float(x)
    negative = P.multiply(P.subtract(P.exp(P.divide(P.minimum(x, 0.0), alpha)), 1.0), alpha)
    return P.add(P.relu(x), negative)


def threshold(x, threshold, default_value):
    """Keep x where it exceeds ``threshold``, else ``default_value``.

    Formula: ``x if x > threshold else default_value``
    """
    x = _float(x)
    return P.where(x > threshold, x, default_value)


# ---- smooth gates --------------------------------------------------------------------

def gelu(x, approximate=True):
    """Gaussian error linear unit.

    Formula: exact ``0.5 * x * (1 + erf(x / sqrt(2)))``; approximate
    ``0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))``.

    Args:
        approximate: use the tanh form (True, the ``keras.ops`` default).
    """
    x = _float(x)
    if approximate:
        inner = P.multiply(P.add(x, P.multiply(P.power(x, 3.0), 0.044715)),
                           math.sqrt(2.0 / math.pi))
        return P.multiply(P.multiply(x, 0.5), P.add(P.tanh(inner), 1.0))
    return P.multiply(P.multiply(x, 0.5), P.add(P.erf(P.divide(x, math.sqrt(2.0))), 1.0))


def silu(x):
    """Sigmoid linear unit, also called swish.

    Formula: ``x * sigmoid(x)``
    """
    x = _float(x)
    return P.multiply(x, P.sigmoid(x))


swish = silu


def hard_sigmoid(x):
    """Piecewise-linear sigmoid.

    Formula: ``clip(x / 6 + 0.5, 0, 1)`` (= ``relu6(x + 3) / 6``)
    """
    return P.divide(relu6(P.add(_float(x), 3.0)), 6.0)


def hard_silu(x):
    """Hard SiLU, also called hard swish.

    Formula: ``x * hard_sigmoid(x)``
    """
    x = _float(x)
    return P.multiply(x, hard_sigmoid(x))


hard_swish = hard_silu


def log_sigmoid(x):
    """Log of the sigmoid, computed without overflow.

    Formula: ``-softplus(-x)``
    """
    return P.negative(P.softplus(P.negative(_float(x))))


def softsign(x):
    """Formula: ``x / (1 + |x|)``"""
    x = _float(x)
    return P.divide(x, P.add(P.abs(x), 1.0))


def squareplus(x, b=4):
    """A smooth ReLU made of a square root.

    Formula: ``(x + sqrt(x**2 + b)) / 2``

    Args:
        b: smoothness (non-negative); b = 0 gives relu.
    """
    if b < 0:
        raise ValueError(f"squareplus needs b >= 0 (b = 0 is relu). Received: b={b}")
    x = _float(x)
    return P.multiply(P.add(x, P.sqrt(P.add(P.square(x), float(b)))), 0.5)


def glu(x, axis=-1):
    """Gated linear unit: split ``x`` in two halves a, b along ``axis``.

    Formula: ``a * sigmoid(b)``; the output has half the size along ``axis``.
    """
    x = _float(x)
    size = x.shape[axis]
    if size % 2:
        raise ValueError(
            f"glu splits axis {axis} into two equal halves, so its size must be even. "
            f"Received: shape={x.shape}, size along axis {axis} is {size}.")
    head = [slice(None)] * x.ndim
    tail = [slice(None)] * x.ndim
    head[axis], tail[axis] = slice(0, size // 2), slice(size // 2, size)
    return P.multiply(P.getitem(x, tuple(head)), P.sigmoid(P.getitem(x, tuple(tail))))


# ---- clipping and shrinking -------------------------------------------------------------

def hard_tanh(x):
    """Formula: ``clip(x, -1, 1)``"""
    return P.clip(_float(x), -1.0, 1.0)


def tanh_shrink(x):
    """Formula: ``x - tanh(x)``"""
    x = _float(x)
    return P.subtract(x, P.tanh(x))


def hard_shrink(x, threshold=0.5):
    """Zero out small values.

    Formula: ``x if |x| > threshold else 0``
    """
    x = _float(x)
    return P.where(P.abs(x) > threshold, x, 0.0)


def soft_shrink(x, threshold=0.5):
    """Move values toward zero by ``threshold``, zeroing the ones within it.

    Formula: ``x - threshold if x > threshold; x + threshold if x < -threshold; else 0``
    """
    x = _float(x)
    shrunk = P.where(x > threshold, P.subtract(x, threshold), P.add(x, threshold))
    return P.where(P.abs(x) > threshold, shrunk, 0.0)


# ---- sparse variants ---------------------------------------------------------------------

def sparse_plus(x):
    """A softplus whose curved part is confined to (-1, 1).

    Formula: ``0 if x <= -1; (x + 1)**2 / 4 if -1 < x < 1; x if x >= 1``
    """
    x = _float(x)
    middle = P.multiply(P.square(P.add(x, 1.0)), 0.25)
    return P.where(x <= -1, 0.0, P.where(x >= 1, x, middle))


def sparse_sigmoid(x):
    """A sigmoid that reaches exactly 0 and 1.

    Formula: ``0 if x <= -1; (x + 1) / 2 if -1 < x < 1; 1 if x >= 1``
    """
    x = _float(x)
    return P.where(x <= -1, 0.0, P.where(x >= 1, 1.0, P.multiply(P.add(x, 1.0), 0.5)))


def sparsemax(x, axis=-1):
    """Euclidean projection of ``x`` onto the probability simplex along ``axis``.

    Formula: ``max(x - tau, 0)``, where tau makes the outputs sum to 1. With z
    sorted descending, the support size is k = max{j : 1 + j*z_j > z_1 + ... + z_j}
    and tau = (z_1 + ... + z_k - 1) / k. The support is found on the raw values;
    tau is then recomputed from ``x`` so its gradient (diag(s) - s s^T / k) is derived.
    """
    x = _float(x)
    z = data(x)
    ranked = -xp.sort(-z, axis=axis)                          # descending along axis
    cumulative = xp.cumsum(ranked, axis=axis)
    shape = [1] * z.ndim
    shape[axis] = z.shape[axis]
    j = xp.arange(1, z.shape[axis] + 1, dtype=z.dtype).reshape(shape)
    k = xp.sum(1 + j * ranked > cumulative, axis=axis, keepdims=True)
    tau_raw = (xp.take_along_axis(cumulative, k - 1, axis=axis) - 1) / k
    support = z > tau_raw                                     # (..., n, ...) booleans
    count = xp.sum(support, axis=axis, keepdims=True).astype(z.dtype)
    tau = P.divide(P.subtract(P.sum(P.where(support, x, 0.0), axis, keepdims=True), 1.0),
                   count)
    return P.where(support, P.subtract(x, tau), 0.0)


# ---- encodings (no gradient) -----------------------------------------------------------

def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """One-hot encode integer labels (no gradient); out-of-range labels give all-zero rows."""
    if sparse:
        raise ValueError("minikeras has no sparse tensors; call one_hot with sparse=False.")
    labels = data(x).astype(xp.int64)
    eye = xp.arange(num_classes) == labels[..., None]
    out = eye.astype(backend.standardize_dtype(dtype))
    if axis != -1:
        out = xp.moveaxis(out, -1, axis)
    return Tensor(out)


# ---- convolution, pooling and normalization ----------------------------------------------
# conv, max_pool and average_pool are fused primitives (im2col + GEMM; see
# autodiff/conv.py); moments and batch_normalization are composed.

__all__ += ["average_pool", "batch_normalization", "conv", "conv_transpose", "depthwise_conv",
            "max_pool", "moments", "separable_conv"]


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
    x = to_channels_last(_float(inputs), fmt)
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
    x = to_channels_last(_float(inputs), fmt)
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
    x = to_channels_last(_float(inputs), fmt)
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
    x = to_channels_last(_float(inputs), fmt)
    return from_channels_last(P.average_pool(x, pool_size, strides, padding), fmt)


def moments(x, axes, keepdims=False, synchronized=False):
    """Mean and biased variance of ``x`` over ``axes``.

    Formula: ``mean = sum(x) / n``, ``variance = sum((x - mean)**2) / n``
    """
    del synchronized  # one process: nothing to synchronize
    x = _float(x)
    mean = P.mean(x, axes, keepdims=True)
    variance = P.mean(P.square(P.subtract(x, mean)), axes, keepdims=True)
    if not keepdims:
        kept = tuple(n for i, n in enumerate(mean.shape) if i not in _axes(axes, x.ndim))
        mean, variance = P.reshape(mean, kept), P.reshape(variance, kept)
    return mean, variance


def _axes(axes, ndim):
    axes = (axes,) if isinstance(axes, int) else tuple(axes)
    return {a % ndim for a in axes}


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """Normalize ``x`` with the given statistics, then scale and shift, along ``axis``.

    Formula: ``(x - mean) / sqrt(variance + epsilon) * scale + offset``; mean, variance,
    offset and scale are 1-D of size ``x.shape[axis]`` (or already broadcastable).
    """
    x = _float(x)
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]

    def along_axis(t):
        t = convert_to_tensor(t)
        return P.reshape(t, shape) if t.ndim == 1 else t

    inv = P.divide(1.0, P.sqrt(P.add(along_axis(variance), epsilon)))
    if scale is not None:
        inv = P.multiply(inv, along_axis(scale))
    shift = P.negative(P.multiply(along_axis(mean), inv))
    if offset is not None:
        shift = P.add(shift, along_axis(offset))
    return P.add(P.multiply(x, inv), shift)
