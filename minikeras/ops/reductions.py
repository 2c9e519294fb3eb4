"""Reductions and scans of ``keras.ops``: sum, mean, max, var, prod, cumsum, argmax...

sum, mean, max, min and logsumexp are primitives; the rest is composed. Integer and
boolean inputs to ``mean`` give ``floatx()``, as in Keras; index results are int32.
"""
import numpy as np

from ..autodiff import primitives as P
from ..autodiff.reductions import normalize_axis
from ..autodiff.tensor import Tensor
from .core import as_float, axis_tuple, cast, convert_to_tensor, on_float, on_raw_data
from .reshaping import moveaxis

__all__ = [
    "all", "amax", "amin", "any", "argmax", "argmin", "average", "count_nonzero", "cumprod",
    "cumsum", "diff", "logsumexp", "max", "mean", "min", "prod", "square_sum", "std", "sum", "var",
]


sum = P.sum  # noqa: A001
logsumexp = on_float(P.logsumexp)


def mean(x, axis=None, keepdims=False):
    """Arithmetic mean; integer and boolean inputs give floatx, as in Keras."""
    return P.mean(as_float(x), axis_tuple(axis), keepdims)


def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    """Largest element along ``axis``; ``initial`` is a floor (and the result of an empty max)."""
    return _extremum(P.max, P.maximum, x, axis, keepdims, initial)


def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    return _extremum(P.min, P.minimum, x, axis, keepdims, initial)


amax, amin = max, min


def _extremum(reduce, pairwise, x, axis, keepdims, initial):
    x = convert_to_tensor(x)
    if initial is None:
        return reduce(x, axis_tuple(axis), keepdims)
    if x.size == 0:
        shape = np.max(np.zeros(x.shape), axis=axis_tuple(axis), keepdims=keepdims,
                       initial=0).shape
        return Tensor(np.full(shape, initial, x.dtype))
    return pairwise(reduce(x, axis_tuple(axis), keepdims), initial)


def square_sum(x, axis=None, keepdims=False):
    return P.sum(P.square(x), axis, keepdims)


def var(x, axis=None, keepdims=False):
    """Biased variance (divide by N), as Keras computes it (integers and bools in floatx)."""
    x = as_float(x)
    m = P.mean(x, axis, keepdims=True)
    return P.mean(P.square(P.subtract(x, m)), axis, keepdims)


def std(x, axis=None, keepdims=False):
    return P.sqrt(var(x, axis, keepdims))


def cumsum(x, axis=None):
    x = convert_to_tensor(x)
    if axis is None:
        x, axis = P.reshape(x, (-1,)), 0
    n = x.shape[axis]
    tri = np.tril(np.ones((n, n), dtype=x.dtype))  # out[i] = sum_{j<=i} x[j]
    moved = moveaxis(x, axis, -1)
    return moveaxis(P.matmul(moved, tri.T), -1, axis)


def average(x, axis=None, weights=None):
    x = as_float(x)
    if weights is None:
        return P.mean(x, axis)
    w = convert_to_tensor(weights)
    return P.divide(P.sum(P.multiply(x, w), axis), P.sum(w, axis))


all = on_raw_data(np.all)  # noqa: A001
any = on_raw_data(np.any)  # noqa: A001


# Index results are int32, as in Keras.
argmax = on_raw_data(np.argmax, np.int32)
argmin = on_raw_data(np.argmin, np.int32)
count_nonzero = on_raw_data(np.count_nonzero, np.int32)


def diff(a, n=1, axis=-1):
    a = convert_to_tensor(a)
    axis %= a.ndim
    for _ in range(n):
        hi = [slice(None)] * a.ndim
        lo = list(hi)
        hi[axis], lo[axis] = slice(1, None), slice(None, -1)
        a = P.subtract(a[tuple(hi)], a[tuple(lo)])
    return a


def prod(x, axis=None, keepdims=False, dtype=None):
    """Product of the elements along ``axis`` (all axes when None), by pairwise halving."""
    x = convert_to_tensor(x)
    if dtype is not None:
        x = cast(x, dtype)
    axes = normalize_axis(axis, x.ndim)
    keep = [a for a in range(x.ndim) if a not in axes]
    moved = P.transpose(x, keep + list(axes)) if x.ndim else x
    lead = [x.shape[a] for a in keep]
    flat = P.reshape(moved, lead + [-1])                     # (..., n)
    while flat.shape[-1] > 1:
        n = flat.shape[-1]
        if n % 2:                                           # pad an odd length with a 1
            flat = P.concatenate([flat, Tensor(np.ones(lead + [1], flat.dtype))], -1)
        flat = P.multiply(flat[..., 0::2], flat[..., 1::2])
    if flat.shape[-1] == 0:
        flat = Tensor(np.ones(lead + [1], flat.dtype))
    out = P.reshape(flat, lead)
    if keepdims:
        out = P.reshape(out, [1 if a in axes else x.shape[a] for a in range(x.ndim)])
    return out


def cumprod(x, axis=None, dtype=None):
    """Running product along ``axis`` (flattened when None), in log2(n) composed steps."""
    x = convert_to_tensor(x)
    if dtype is not None:
        x = cast(x, dtype)
    if axis is None:
        x, axis = P.reshape(x, (-1,)), 0
    axis %= x.ndim
    y, n, step = x, x.shape[axis], 1
    while step < n:                                         # Hillis-Steele scan
        head = [slice(None)] * x.ndim
        tail = list(head)
        prev = list(head)
        head[axis], tail[axis], prev[axis] = slice(0, step), slice(step, None), slice(0, n - step)
        y = P.concatenate([y[tuple(head)], P.multiply(y[tuple(tail)], y[tuple(prev)])], axis)
        step *= 2
    return y
