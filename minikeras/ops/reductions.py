"""Reductions and scans of ``keras.ops``: sum, mean, max, var, prod, cumsum, argmax...

sum, mean, max, min and logsumexp are primitives; the rest is composed. Integer and
boolean inputs to ``mean`` give ``floatx()``, as in Keras; index results are int32.
"""
import numpy as np

from ..autodiff import primitives as P
from ..autodiff.reductions import normalize_axis
from ..autodiff.tensor import Tensor
from .core import (as_float, as_float_result, at_least_rank, axes_of_the_input, axis_tuple,
                   cast, convert_to_tensor, data, on_raw_data)

__all__ = [
    "all", "amax", "amin", "any", "argmax", "argmin", "average", "corrcoef", "count_nonzero",
    "cumprod", "cumsum", "diff", "histogram", "logsumexp", "max", "mean", "min", "nanargmax",
    "nanargmin", "nancumprod", "nancumsum", "nanmax", "nanmean", "nanmin", "nanprod", "nanstd",
    "nansum", "nanvar", "prod", "ptp", "square_sum", "std", "sum", "trapezoid", "var",
]


# the dtype of an integer or bool sum, as Keras's sum gives it (numpy would widen to int64)
_SUM_DTYPES = {"bool": np.int32, "int8": np.int32, "int16": np.int32, "int32": np.int32,
               "uint8": np.uint32, "uint16": np.uint32, "uint32": np.uint32}


@axes_of_the_input
def sum(x, axis=None, keepdims=False):  # noqa: A001
    """Sum along ``axis``; small integers and bools sum to int32 (unsigned: uint32), as in
    Keras."""
    x = convert_to_tensor(x)  # a list: Keras's dtypes (int32, floatx), not numpy's
    out = P.sum(x, axis_tuple(axis), keepdims)
    if out.dtype.kind == "f":  # the common case, kept cheap
        return out
    integer = _SUM_DTYPES.get(np.asarray(data(x)).dtype.name)
    return cast(out, integer) if integer is not None and out.dtype != integer else out


@axes_of_the_input
def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x)))`` along ``axis``, computed stably; over no elements, -inf (the log
    of an empty sum), as in Keras."""
    x = as_float(x)
    if x.size == 0:  # the stable form's max has no identity
        with np.errstate(divide="ignore"):
            return P.log(P.sum(x, axis_tuple(axis), keepdims))
    return P.logsumexp(x, axis_tuple(axis), keepdims)


@axes_of_the_input
def mean(x, axis=None, keepdims=False):
    """Arithmetic mean; integer and boolean inputs give float32 whatever floatx is, as
    Keras's jax and torch backends give it."""
    if not (isinstance(x, Tensor) and x.dtype.kind == "f"):
        x = convert_to_tensor(x)
        x = x if x.dtype.kind == "f" else cast(x, "float32")
    return P.mean(x, axis_tuple(axis), keepdims)


@axes_of_the_input
def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    """Largest element along ``axis``; ``initial`` is a floor (and the result of an empty max)."""
    return _extremum(P.max, P.maximum, x, axis, keepdims, initial)


@axes_of_the_input
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


@axes_of_the_input
def var(x, axis=None, keepdims=False):
    """Biased variance (divide by N), as Keras computes it (integers and bools in floatx)."""
    x = as_float(x)
    m = P.mean(x, axis, keepdims=True)
    return P.mean(P.square(P.subtract(x, m)), axis, keepdims)


@axes_of_the_input
def std(x, axis=None, keepdims=False):
    return P.sqrt(var(x, axis, keepdims))


@axes_of_the_input
def cumsum(x, axis=None, dtype=None):
    """Running sum along ``axis`` (flattened when None); a NaN spoils only the sums after it."""
    return _scan(P.add, x, axis, dtype)


@axes_of_the_input
def average(x, axis=None, weights=None):
    """The mean along ``axis``, weighted by ``weights`` when given, in the
    ``float_result_dtype`` of x and the weights."""
    if weights is None:
        return P.mean(as_float(x), axis)
    x, w = as_float_result(x, weights)
    return P.divide(P.sum(P.multiply(x, w), axis), P.sum(w, axis))


all = axes_of_the_input(on_raw_data(np.all))  # noqa: A001
any = axes_of_the_input(on_raw_data(np.any))  # noqa: A001


# Index results are int32, as in Keras.
argmax = axes_of_the_input(on_raw_data(np.argmax, np.int32))
argmin = axes_of_the_input(on_raw_data(np.argmin, np.int32))
_count_nonzero = on_raw_data(np.count_nonzero, np.int32)


@axes_of_the_input
def count_nonzero(x, axis=None):
    """How many elements along ``axis`` (all when None) are not zero, as int32. Keras's
    signature: no ``keepdims``."""
    return _count_nonzero(x, axis=axis_tuple(axis))


def diff(a, n=1, axis=-1):
    """The ``n``-th difference along ``axis``; of bools, whether neighbours differ (bool)."""
    a = at_least_rank(a, 1, "diff")
    if a.data.dtype == np.bool_:  # no gradient to carry
        return Tensor(np.diff(a.data, n, axis))
    axis %= a.ndim
    for _ in range(n):
        hi = [slice(None)] * a.ndim
        lo = list(hi)
        hi[axis], lo[axis] = slice(1, None), slice(None, -1)
        a = P.subtract(a[tuple(hi)], a[tuple(lo)])
    return a


# the dtype of a product of small integers or bools when no dtype is given, as Keras's
_PROD_DTYPES = {"bool": np.int32, "int8": np.int32, "int16": np.int32, "uint8": np.int32}


@axes_of_the_input
def prod(x, axis=None, keepdims=False, dtype=None):
    """Product of the elements along ``axis`` (all axes when None), by pairwise halving, in
    ``dtype`` (default: ``x``'s; small integers and bools give int32, as in Keras)."""
    x = convert_to_tensor(x)
    x = cast(x, dtype or _PROD_DTYPES.get(x.data.dtype.name, x.data.dtype))
    axes = normalize_axis(axis, x.ndim)
    keep = [a for a in range(x.ndim) if a not in axes]
    moved = P.transpose(x, keep + list(axes)) if x.ndim else x
    lead = [x.shape[a] for a in keep]
    n = int(np.prod([x.shape[a] for a in axes]))  # not -1: a 0-size lead leaves it open
    flat = P.reshape(moved, lead + [n])                      # (..., n)
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


@axes_of_the_input
def cumprod(x, axis=None, dtype=None):
    """Running product along ``axis`` (flattened when None)."""
    return _scan(P.multiply, x, axis, dtype)


def _scan(combine, x, axis, dtype):
    """Inclusive scan with ``combine`` along ``axis`` in log2(n) composed steps
    (Hillis-Steele), in ``dtype`` (default: ``x``'s; bools give int32, as in Keras)."""
    x = convert_to_tensor(x)
    dtype = dtype or ("int32" if x.data.dtype == np.bool_ else x.data.dtype)
    x = cast(x, dtype)
    if axis is None:
        x, axis = P.reshape(x, (-1,)), 0
    axis %= x.ndim
    y, n, step = x, x.shape[axis], 1
    while step < n:
        head = [slice(None)] * x.ndim
        tail = list(head)
        prev = list(head)
        head[axis], tail[axis], prev[axis] = slice(0, step), slice(step, None), slice(0, n - step)
        y = P.concatenate([y[tuple(head)], combine(y[tuple(tail)], y[tuple(prev)])], axis)
        step *= 2
    return y


def ptp(x, axis=None, keepdims=False):
    """Peak to peak: ``max - min`` along ``axis``."""
    x = convert_to_tensor(x)
    return P.subtract(max(x, axis, keepdims), min(x, axis, keepdims))


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """The integral of ``y`` along ``axis`` by the trapezoidal rule, at sample points ``x``
    (or spacing ``dx``). Formula: ``sum((y[1:] + y[:-1]) / 2 · diff(x))``."""
    y = as_float(y)
    axis %= y.ndim
    spacing = as_float(dx) if x is None else diff(as_float(x), axis=-1 if
                                                    np.ndim(data(x)) == 1 else axis)
    if x is not None and np.ndim(data(x)) == 1:  # 1-D sample points lie along ``axis``
        spacing = P.reshape(spacing, [-1] + [1] * (y.ndim - 1 - axis))
    hi = [slice(None)] * y.ndim
    lo = list(hi)
    hi[axis], lo[axis] = slice(1, None), slice(None, -1)
    mean_heights = P.multiply(P.add(y[tuple(hi)], y[tuple(lo)]), 0.5)
    return P.sum(P.multiply(mean_heights, spacing), axis)


# ---- NaN-ignoring reductions: NaNs are replaced by the reduction's neutral element ----------

def _nan_filled(x, fill):
    x = convert_to_tensor(x)
    missing = np.isnan(x.data) if x.data.dtype.kind == "f" else np.zeros(x.shape, bool)
    return (P.where(missing, np.asarray(fill, x.dtype), x) if missing.any() else x), missing


def nansum(x, axis=None, keepdims=False):
    return sum(_nan_filled(x, 0)[0], axis, keepdims)


def nanprod(x, axis=None, keepdims=False):
    return prod(_nan_filled(x, 1)[0], axis, keepdims)


def nancumsum(x, axis=None, dtype=None):
    return cumsum(_nan_filled(x, 0)[0], axis, dtype)


def nancumprod(x, axis=None, dtype=None):
    return cumprod(_nan_filled(x, 1)[0], axis, dtype)


def nanmean(x, axis=None, keepdims=False):
    """Mean of the non-NaN elements (NaN for a slice that has none)."""
    filled, missing = _nan_filled(as_float(x), 0)
    return _mean_of_present(filled, missing, axis, keepdims)


def _mean_of_present(filled, missing, axis, keepdims):
    count = np.sum(~missing, axis=axis_tuple(axis), keepdims=keepdims)
    return P.divide(P.sum(filled, axis_tuple(axis), keepdims), count.astype(filled.dtype))


def nanvar(x, axis=None, keepdims=False):
    """Biased variance of the non-NaN elements."""
    filled, missing = _nan_filled(as_float(x), 0)
    centre = _mean_of_present(filled, missing, axis, keepdims=True)
    deviation = P.where(missing, 0.0, P.subtract(filled, centre))
    return _mean_of_present(P.square(deviation), missing, axis, keepdims)


def nanstd(x, axis=None, keepdims=False):
    return P.sqrt(nanvar(x, axis, keepdims))


def nanmax(x, axis=None, keepdims=False):
    """Largest non-NaN element (NaN for a slice that has none)."""
    return _nan_extremum(P.max, -np.inf, x, axis, keepdims)


def nanmin(x, axis=None, keepdims=False):
    return _nan_extremum(P.min, np.inf, x, axis, keepdims)


def _nan_extremum(reduce, fill, x, axis, keepdims):
    x = convert_to_tensor(x)
    if x.data.dtype.kind != "f":
        return reduce(x, axis_tuple(axis), keepdims)
    filled, missing = _nan_filled(x, fill)
    out = reduce(filled, axis_tuple(axis), keepdims)
    empty = np.all(missing, axis=axis_tuple(axis), keepdims=keepdims)
    return P.where(empty, np.asarray(np.nan, x.dtype), out) if empty.any() else out


def nanargmax(x, axis=None, keepdims=False):
    """Index (int32) of the largest non-NaN element; -1 for a slice of NaNs only."""
    return _nan_arg(np.argmax, -np.inf, x, axis, keepdims)


def nanargmin(x, axis=None, keepdims=False):
    return _nan_arg(np.argmin, np.inf, x, axis, keepdims)


def _nan_arg(arg, fill, x, axis, keepdims):
    values = np.asarray(data(x))
    missing = np.isnan(values) if values.dtype.kind == "f" else np.zeros(values.shape, bool)
    index = arg(np.where(missing, fill, values), axis=axis, keepdims=keepdims)
    empty = np.all(missing, axis=axis, keepdims=keepdims)
    return Tensor(np.where(empty, -1, index).astype(np.int32))


def histogram(x, bins=10, range=None):  # noqa: A002 - Keras's argument name
    """Counts of the elements of 1-D ``x`` in ``bins`` equal bins over ``range`` (default:
    the data's min and max), and the bin edges; both floatx, as in Keras (no gradient).

    Raises:
        ValueError: if ``x`` is not 1-D or ``bins`` is not a positive integer.
    """
    x = as_float(x)
    if x.ndim != 1:
        raise ValueError(f"Input tensor must be 1-dimensional. Received: input.shape={x.shape}")
    if not isinstance(bins, (int, np.integer)) or isinstance(bins, bool) or bins < 1:
        raise ValueError(f"Argument `bins` should be a positive integer. Received: bins={bins}")
    counts, edges = np.histogram(x.data, bins=int(bins), range=range)
    return Tensor(counts.astype(x.dtype)), Tensor(edges.astype(x.dtype))


def corrcoef(x):
    """Pearson correlation matrix of the rows of ``x`` (variables in rows, samples in columns).

    Formula: ``C / sqrt(diag(C) diag(C)^T)`` with ``C`` the covariance of the rows.
    """
    x = as_float(x)
    if x.ndim == 1:
        x = P.reshape(x, (1, -1))
    centred = P.subtract(x, P.mean(x, -1, keepdims=True))
    cov = P.matmul(centred, P.transpose(centred, (1, 0)))       # (vars, vars), unscaled
    scale = P.sqrt(P.sum(P.square(centred), -1, keepdims=True))  # (vars, 1)
    out = P.divide(cov, P.multiply(scale, P.transpose(scale, (1, 0))))
    return P.clip(out, -1.0, 1.0) if out.size > 1 else P.reshape(out, ())
