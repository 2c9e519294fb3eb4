"""More ``keras.ops`` numpy-style functions, composed from the autodiff primitives.

Trigonometry rests on the sin, cos and arctan primitives; everything else here
is composed (reshapes, indexing, products, where), so gradients are derived.
Functions marked "no gradient" work on raw data and return tensors outside the
graph, like Keras's integer and boolean results.
"""
import math

import numpy as np

from .. import backend
from ..autodiff import primitives as P
from ..autodiff.tensor import Tensor
from .core import cast, convert_to_tensor, data, stop_gradient

__all__ = [
    "append", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh",
    "cbrt", "conj", "conjugate", "copy", "cos", "cosh", "deg2rad", "diag", "diagonal", "diff",
    "divide_no_nan", "exp2", "flip", "get_item", "heaviside", "hstack", "hypot", "imag",
    "logaddexp", "mod", "pad", "rad2deg", "ravel", "real", "roll", "rsqrt", "sin", "sinh",
    "tan", "trace", "tril", "triu", "trunc", "vstack",
]


def _f(x):
    """``x`` as a floating Tensor: ints and bools become floatx, floats keep their dtype."""
    x = convert_to_tensor(x)
    return x if backend.is_float_dtype(x.dtype) else cast(x, backend.floatx())


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axis = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(a % ndim for a in axis)


# ---- trigonometry and hyperbolic functions -------------------------------------------

def sin(x):
    return P.sin(_f(x))


def cos(x):
    return P.cos(_f(x))


def tan(x):
    x = _f(x)
    return P.divide(P.sin(x), P.cos(x))


def arctan(x):
    return P.arctan(_f(x))


def arcsin(x):
    """Formula: ``arcsin(x) = arctan(x / sqrt(1 - x^2))`` (±pi/2 at ±1)."""
    x = _f(x)
    root = P.sqrt(P.subtract(1.0, P.square(x)))
    safe = P.where(data(root) > 0, root, 1.0)
    return P.where(data(root) > 0, P.arctan(P.divide(x, safe)),
                   P.multiply(P.sign(x), math.pi / 2))


def arccos(x):
    """Formula: ``arccos(x) = pi/2 - arcsin(x)``."""
    return P.subtract(math.pi / 2, arcsin(x))


def arctan2(x1, x2):
    """Angle of the point (x2, x1), in [-pi, pi], like ``numpy.arctan2(y=x1, x=x2)``."""
    y, x = _f(x1), _f(x2)
    yd, xd = np.broadcast_arrays(data(y), data(x))
    # atan2 = 2 * arctan(y / (sqrt(x^2 + y^2) + x)), valid except on the negative x axis
    r = P.sqrt(P.add(P.square(x), P.square(y)))
    denom = P.add(r, x)
    ok = data(denom) > 0
    half = P.arctan(P.divide(y, P.where(ok, denom, 1.0)))
    fallback = np.where((xd < 0) & (yd == 0), np.copysign(np.pi, yd), 0.0)
    return P.where(ok, P.multiply(half, 2.0), fallback.astype(data(half).dtype))


def sinh(x):
    x = _f(x)
    return P.multiply(P.subtract(P.exp(x), P.exp(P.negative(x))), 0.5)


def cosh(x):
    x = _f(x)
    return P.multiply(P.add(P.exp(x), P.exp(P.negative(x))), 0.5)


def arcsinh(x):
    """Formula: ``sign(x) * log(|x| + sqrt(x^2 + 1))`` (odd, stable for large negative x)."""
    x = _f(x)
    a = P.abs(x)
    return P.multiply(P.sign(x), P.log(P.add(a, P.sqrt(P.add(P.square(a), 1.0)))))


def arccosh(x):
    x = _f(x)
    return P.log(P.add(x, P.sqrt(P.subtract(P.square(x), 1.0))))


def arctanh(x):
    x = _f(x)
    return P.multiply(P.subtract(P.log1p(x), P.log1p(P.negative(x))), 0.5)


def deg2rad(x):
    return P.multiply(_f(x), math.pi / 180)


def rad2deg(x):
    return P.multiply(_f(x), 180 / math.pi)


def hypot(x1, x2):
    return P.sqrt(P.add(P.square(_f(x1)), P.square(_f(x2))))


# ---- more arithmetic -----------------------------------------------------------------

def rsqrt(x):
    """Formula: ``1 / sqrt(x)``."""
    return P.divide(1.0, P.sqrt(_f(x)))


def exp2(x):
    return P.exp(P.multiply(_f(x), math.log(2.0)))


def cbrt(x):
    x = _f(x)
    return P.multiply(P.sign(x), P.power(P.abs(x), 1.0 / 3.0))


def logaddexp(x1, x2):
    """Formula: ``m + log(exp(x1 - m) + exp(x2 - m))`` with ``m = max(x1, x2)`` (no overflow)."""
    a, b = _f(x1), _f(x2)
    m = stop_gradient(np.maximum(data(a), data(b)))
    return P.add(m, P.log(P.add(P.exp(P.subtract(a, m)), P.exp(P.subtract(b, m)))))


def divide_no_nan(x1, x2):
    """``x1 / x2``, and 0 wherever ``x2`` is 0."""
    x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
    zero = data(x2) == 0
    out = P.divide(x1, P.where(zero, 1.0, x2 if backend.is_float_dtype(x2.dtype)
                               else cast(x2, backend.floatx())))
    return P.where(zero, 0.0, out)


def mod(x1, x2):
    """Remainder with the sign of the divisor (numpy's ``mod``); the gradient flows to x1.

    Formula: ``x1 - floor(x1 / x2) · x2``.
    """
    if not (backend.is_float_dtype(np.asarray(data(x1)).dtype)
            or backend.is_float_dtype(np.asarray(data(x2)).dtype)):
        return Tensor(np.mod(data(x1), data(x2)))
    quotient = stop_gradient(np.floor(np.asarray(data(x1)) / np.asarray(data(x2))))
    return P.subtract(x1, P.multiply(quotient, x2))


def heaviside(x1, x2):
    """0 where x1 < 0, x2 where x1 == 0, 1 where x1 > 0 (no gradient)."""
    return Tensor(np.heaviside(data(x1), data(x2)).astype(_f(x1).dtype))


def trunc(x):
    """Round toward zero (no gradient)."""
    return Tensor(np.trunc(data(x)))


def real(x):
    return convert_to_tensor(x)


def imag(x):
    x = convert_to_tensor(x)
    return Tensor(np.zeros_like(data(x)))


conj = conjugate = real


def copy(x):
    x = convert_to_tensor(x)
    return P.reshape(x, x.shape)


# ---- shape, order and selection --------------------------------------------------------

def ravel(x):
    return P.reshape(x, (-1,))


def flip(x, axis=None):
    x = convert_to_tensor(x)
    index = [slice(None)] * x.ndim
    for a in _axes(axis, x.ndim):
        index[a] = slice(None, None, -1)
    return P.getitem(x, tuple(index))


def roll(x, shift, axis=None):
    x = convert_to_tensor(x)
    if axis is None:
        return P.reshape(roll(P.reshape(x, (-1,)), shift, 0), x.shape)
    shifts = [shift] if isinstance(shift, int) else list(shift)
    axes = [axis] if isinstance(axis, int) else list(axis)
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    for s, a in zip(shifts, axes):
        idx = np.roll(np.arange(x.shape[a]), s)
        x = P.take(x, idx, a)
    return x


def diff(a, n=1, axis=-1):
    a = convert_to_tensor(a)
    axis %= a.ndim
    for _ in range(n):
        hi = [slice(None)] * a.ndim
        lo = list(hi)
        hi[axis], lo[axis] = slice(1, None), slice(None, -1)
        a = P.subtract(a[tuple(hi)], a[tuple(lo)])
    return a


def pad(x, pad_width, mode="constant", constant_values=None):
    """Pad with a constant (default 0), or by ``"reflect"``, ``"symmetric"``, ``"edge"``,
    ``"wrap"`` indexing; composed from take, so gradients flow to the kept values."""
    x = convert_to_tensor(x)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=int).reshape(-1, 2)
                             if np.ndim(pad_width) else np.full((1, 2), pad_width),
                             (x.ndim, 2))
    if mode == "constant":
        value = 0 if constant_values is None else constant_values
        for a, (lo, hi) in enumerate(widths):
            parts = []
            for n in (lo, hi):
                shape = list(x.shape)
                shape[a] = int(n)
                parts.append(Tensor(np.full(shape, value, x.dtype)))
            x = P.concatenate([parts[0], x, parts[1]], a)
        return x
    if constant_values is not None:
        raise ValueError(f"pad: constant_values only applies to mode='constant', not {mode!r}.")
    for a, (lo, hi) in enumerate(widths):
        idx = np.pad(np.arange(x.shape[a]), (int(lo), int(hi)), mode=mode)
        x = P.take(x, idx, a)
    return x


def tril(x, k=0):
    x = convert_to_tensor(x)
    mask = np.tri(x.shape[-2], x.shape[-1], k, dtype=bool)
    return P.where(mask, x, 0)


def triu(x, k=0):
    x = convert_to_tensor(x)
    mask = ~np.tri(x.shape[-2], x.shape[-1], k - 1, dtype=bool)
    return P.where(mask, x, 0)


def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal of axes (axis1, axis2), moved to the last axis (numpy's layout)."""
    x = convert_to_tensor(x)
    a1, a2 = axis1 % x.ndim, axis2 % x.ndim
    rest = [i for i in range(x.ndim) if i not in (a1, a2)]
    moved = P.transpose(x, rest + [a1, a2])
    n1, n2 = x.shape[a1], x.shape[a2]
    rows = np.arange(max(0, -offset), min(n1, n2 - offset))
    index = (Ellipsis, rows, rows + offset)
    return P.getitem(moved, index)


def diag(x, k=0):
    """A 1-D input becomes a square matrix with it on diagonal k; a 2-D input gives diagonal k."""
    x = convert_to_tensor(x)
    if x.ndim == 1:
        n = x.shape[0] + abs(k)
        rows = np.arange(x.shape[0]) + max(0, -k)
        cols = rows + k
        gather = np.zeros((n, n), dtype=int)
        mask = np.zeros((n, n), dtype=bool)
        gather[rows, cols] = np.arange(x.shape[0])
        mask[rows, cols] = True
        return P.where(mask, P.take(x, gather), 0)
    if x.ndim == 2:
        return diagonal(x, k)
    raise ValueError(f"diag expects a 1-D or 2-D input, got shape {x.shape}.")


def trace(x, offset=0, axis1=0, axis2=1):
    return P.sum(diagonal(x, offset, axis1, axis2), axis=-1)


def hstack(xs):
    xs = [convert_to_tensor(x) for x in xs]
    return P.concatenate(xs, 0 if xs[0].ndim == 1 else 1)


def vstack(xs):
    xs = [convert_to_tensor(x) for x in xs]
    xs = [P.reshape(x, (1, -1)) if x.ndim < 2 else x for x in xs]
    return P.concatenate(xs, 0)


def append(x1, x2, axis=None):
    x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
    if axis is None:
        return P.concatenate([P.reshape(x1, (-1,)), P.reshape(x2, (-1,))], 0)
    return P.concatenate([x1, x2], axis)


def get_item(x, key):
    return P.getitem(convert_to_tensor(x), key)
