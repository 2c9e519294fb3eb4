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
