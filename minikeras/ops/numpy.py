"""Array math with Keras's ``keras.ops`` names, composed from the autodiff primitives.

Functions accept Tensors, Variables, numpy arrays and python numbers and return
Tensors. Those marked "no gradient" compute on raw data (comparisons, argmax,
creation functions) and return tensors outside the graph.
"""
import builtins

import numpy as np

from .. import backend
from ..autodiff import primitives as P
from ..autodiff.tensor import Tensor
from .core import convert_to_tensor, data

# ---- differentiable math (straight from the primitives) ---------------------------
add = P.add
subtract = P.subtract
multiply = P.multiply
divide = P.divide
true_divide = P.divide
power = P.power
maximum = P.maximum
minimum = P.minimum
matmul = P.matmul
negative = P.negative
exp = P.exp
log = P.log
log1p = P.log1p
sqrt = P.sqrt
square = P.square
absolute = P.abs
abs = P.abs  # noqa: A001
sign = P.sign
tanh = P.tanh
erf = P.erf
sum = P.sum  # noqa: A001
reshape = P.reshape
transpose = P.transpose
broadcast_to = P.broadcast_to
logsumexp = P.logsumexp


def mean(x, axis=None, keepdims=False):
    """Arithmetic mean; integer and boolean inputs give floatx, as in Keras."""
    x = convert_to_tensor(x)
    if not backend.is_float_dtype(x.dtype):
        x = P.cast(x, backend.floatx())
    return P.mean(x, _axis(axis), keepdims)


def where(condition, x1=None, x2=None):
    """``x1`` where ``condition`` holds, else ``x2``; with only a condition, its nonzero indices."""
    if x1 is None and x2 is None:   # the indices where condition holds, one array per axis
        return tuple(Tensor(i.astype(np.int32)) for i in np.nonzero(data(condition)))
    if x1 is None or x2 is None:
        raise ValueError("where: pass both x1 and x2, or neither.")
    return P.where(data(condition).astype(bool), x1, x2)


def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    """Largest element along ``axis``; ``initial`` is a floor (and the result of an empty max)."""
    return _extremum(P.max, P.maximum, x, axis, keepdims, initial)


def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    return _extremum(P.min, P.minimum, x, axis, keepdims, initial)


amax, amin = max, min


def _extremum(reduce, pairwise, x, axis, keepdims, initial):
    x = convert_to_tensor(x)
    if initial is None:
        return reduce(x, _axis(axis), keepdims)
    if x.size == 0:
        shape = np.max(np.zeros(x.shape), axis=_axis(axis), keepdims=keepdims,
                       initial=0).shape
        return Tensor(np.full(shape, initial, x.dtype))
    return pairwise(reduce(x, _axis(axis), keepdims), initial)


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def clip(x, x_min, x_max):
    return P.clip(x, x_min, x_max)


def concatenate(xs, axis=0):
    return P.concatenate([convert_to_tensor(x) for x in xs], axis)


def stack(x, axis=0):
    return P.stack([convert_to_tensor(t) for t in x], axis)


def take(x, indices, axis=None):
    return P.take(x, data(indices), axis)


def take_along_axis(x, indices, axis=None):
    if axis is None:
        x, axis = P.reshape(x, (-1,)), 0
    idx = data(indices)
    grid = list(np.ix_(*[np.arange(n) for n in idx.shape]))
    grid[axis % idx.ndim] = idx
    return P.getitem(x, tuple(grid))


def expand_dims(x, axis):
    x = convert_to_tensor(x)
    return P.reshape(x, np.expand_dims(np.empty(x.shape, dtype=bool), _axis(axis)).shape)


def squeeze(x, axis=None):
    x = convert_to_tensor(x)
    return P.reshape(x, np.squeeze(np.empty(x.shape, dtype=bool), _axis(axis)).shape)


def flatten(x):
    return P.reshape(x, (-1,))


def swapaxes(x, axis1, axis2):
    axes = list(range(convert_to_tensor(x).ndim))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return P.transpose(x, axes)


def moveaxis(x, source, destination):
    x = convert_to_tensor(x)
    perm = list(range(x.ndim))
    perm.insert(destination % x.ndim, perm.pop(source % x.ndim))
    return P.transpose(x, perm)


def split(x, indices_or_sections, axis=0):
    x = convert_to_tensor(x)
    pieces = np.split(np.arange(x.shape[axis]), indices_or_sections)
    out = []
    for idx in pieces:
        index = [slice(None)] * x.ndim
        index[axis] = slice(int(idx[0]), int(idx[-1]) + 1) if idx.size else slice(0, 0)
        out.append(P.getitem(x, tuple(index)))
    return out


def tile(x, repeats):
    x = convert_to_tensor(x)
    index = np.tile(np.arange(x.size).reshape(x.shape), repeats)
    return P.take(P.reshape(x, (-1,)), index)


def repeat(x, repeats, axis=None):
    x = convert_to_tensor(x)
    if axis is None:
        x, axis = P.reshape(x, (-1,)), 0
    idx = np.repeat(np.arange(x.shape[axis]), repeats)
    return P.take(x, idx, axis)


def dot(x1, x2):
    x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
    if x1.ndim == 0 or x2.ndim == 0:
        return P.multiply(x1, x2)
    return P.matmul(x1, x2)


def square_sum(x, axis=None, keepdims=False):
    return P.sum(P.square(x), axis, keepdims)


def var(x, axis=None, keepdims=False):
    """Biased variance (divide by N), as Keras computes it."""
    m = P.mean(x, axis, keepdims=True)
    return P.mean(P.square(P.subtract(x, m)), axis, keepdims)


def std(x, axis=None, keepdims=False):
    return P.sqrt(var(x, axis, keepdims))


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002 - numpy's argument name
    """Vector norms along ``axis`` (any p, 0, ±inf) or matrix norms over two axes.

    Matrix orders: None/"fro" (Frobenius), 1/-1 (max/min column abs sum), inf/-inf
    (max/min row abs sum). ``axis=None`` means all axes for a vector or matrix input.
    """
    x = convert_to_tensor(x)
    if not backend.is_float_dtype(x.dtype):
        x = P.cast(x, backend.floatx())
    if axis is None:
        axis = tuple(range(x.ndim)) if (ord is None or x.ndim != 2) else (0, 1)
        if ord is not None and x.ndim == 1:
            axis = 0
    axis = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    if isinstance(axis, tuple) and len(axis) == 2 and ord not in (None, "fro", "euclidean"):
        return _matrix_norm(x, ord, axis, keepdims)
    if ord in (None, 2, "fro", "euclidean"):
        return P.sqrt(P.sum(P.square(x), axis, keepdims))
    if ord == 1:
        return P.sum(P.abs(x), axis, keepdims)
    if ord in (np.inf, "inf"):
        return P.max(P.abs(x), axis, keepdims)
    if ord in (-np.inf, "-inf"):
        return P.min(P.abs(x), axis, keepdims)
    if ord == 0:
        return Tensor(np.sum(data(x) != 0, axis=axis, keepdims=keepdims).astype(x.dtype))
    if isinstance(ord, (int, float)):
        return P.power(P.sum(P.power(P.abs(x), float(ord)), axis, keepdims), 1.0 / ord)
    raise ValueError(f"Unsupported norm order {ord!r}. Expected None, a number, 'fro' or inf.")


def _matrix_norm(x, ord, axis, keepdims):  # noqa: A002
    rows, cols = (a % x.ndim for a in axis)
    if ord in (1, -1):          # column sums (over rows), then max/min over columns
        sums, other = P.sum(P.abs(x), rows, keepdims=True), cols
    elif ord in (np.inf, -np.inf):
        sums, other = P.sum(P.abs(x), cols, keepdims=True), rows
    else:
        raise ValueError(f"Unsupported matrix norm order {ord!r}: use None, 'fro', 1, -1, inf "
                         "or -inf (2, -2 and 'nuc' need an SVD, which minikeras lacks).")
    pick = P.max if ord in (1, np.inf) else P.min
    out = pick(sums, other, keepdims=True)
    return out if keepdims else P.reshape(out, [n for i, n in enumerate(x.shape)
                                               if i not in (rows, cols)])


def cumsum(x, axis=None):
    x = convert_to_tensor(x)
    if axis is None:
        x, axis = P.reshape(x, (-1,)), 0
    n = x.shape[axis]
    tri = np.tril(np.ones((n, n), dtype=x.dtype))  # out[i] = sum_{j<=i} x[j]
    moved = moveaxis(x, axis, -1)
    return moveaxis(P.matmul(moved, tri.T), -1, axis)


def average(x, axis=None, weights=None):
    if weights is None:
        return P.mean(x, axis)
    w = convert_to_tensor(weights)
    return P.divide(P.sum(P.multiply(x, w), axis), P.sum(w, axis))


def log2(x):
    return P.divide(P.log(x), np.log(2.0))


def log10(x):
    return P.divide(P.log(x), np.log(10.0))


def expm1(x):
    return P.subtract(P.exp(x), 1.0)


def reciprocal(x):
    return P.divide(1.0, x)


def floor_divide(x1, x2):
    return Tensor(np.floor_divide(data(x1), data(x2)))


# ---- no gradient: comparisons, indices, rounding, creation -------------------------

def _raw(fn, dtype=None):
    """A numpy function on raw data (no gradient), its result as a Tensor of ``dtype``."""
    def apply(*args, **kwargs):
        out = fn(*[data(a) if isinstance(a, Tensor) else a for a in args], **kwargs)
        return Tensor(np.asarray(out, dtype=dtype))
    apply.__name__ = fn.__name__
    return apply


equal = _raw(np.equal)
not_equal = _raw(np.not_equal)
greater = _raw(np.greater)
greater_equal = _raw(np.greater_equal)
less = _raw(np.less)
less_equal = _raw(np.less_equal)
logical_and = _raw(np.logical_and)
logical_or = _raw(np.logical_or)
logical_not = _raw(np.logical_not)
logical_xor = _raw(np.logical_xor)
isnan = _raw(np.isnan)
isinf = _raw(np.isinf)
isfinite = _raw(np.isfinite)
isneginf = _raw(np.isneginf)
isposinf = _raw(np.isposinf)
signbit = _raw(np.signbit)
floor = _raw(np.floor)
ceil = _raw(np.ceil)
round = _raw(np.round)  # noqa: A001
all = _raw(np.all)  # noqa: A001
any = _raw(np.any)  # noqa: A001
unique = _raw(np.unique)
nonzero = _raw(np.nonzero)
full_like = _raw(np.full_like)
searchsorted = _raw(np.searchsorted)


# Index results are int32, as in Keras.
argmax = _raw(np.argmax, np.int32)
argmin = _raw(np.argmin, np.int32)
argsort = _raw(np.argsort, np.int32)
count_nonzero = _raw(np.count_nonzero, np.int32)
digitize = _raw(np.digitize, np.int32)
bincount = _raw(np.bincount, np.int32)


def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    return Tensor(np.isclose(data(x1), data(x2), rtol=rtol, atol=atol, equal_nan=equal_nan))


def _number_dtype(*values, dtype=None, float_only=False):
    """Keras's dtype for values built from python numbers: int32 or floatx."""
    if dtype is not None:
        return backend.standardize_dtype(dtype)
    kinds = [np.asarray(data(v)).dtype for v in values if v is not None]
    if not float_only and _all_ints(kinds):
        return "int32"
    floats = [k for k in kinds if k.kind == "f" and k != np.float64]
    return floats[0].name if floats else backend.floatx()


def _all_ints(kinds):
    return bool(kinds) and builtins.all(k.kind in "iub" for k in kinds)


def arange(start, stop=None, step=1, dtype=None):
    """Evenly spaced values; int32 for integer arguments, floatx otherwise."""
    dt = _number_dtype(start, stop, step, dtype=dtype)
    return Tensor(np.arange(data(start), None if stop is None else data(stop), data(step))
                  .astype(dt))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    dt = _number_dtype(start, stop, dtype=dtype, float_only=True)
    out = np.linspace(data(start), data(stop), num, endpoint=endpoint, retstep=retstep, axis=axis)
    if retstep:
        return Tensor(out[0].astype(dt)), Tensor(np.asarray(out[1], dt))
    return Tensor(out.astype(dt))


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    dt = _number_dtype(start, stop, dtype=dtype, float_only=True)
    return Tensor(np.logspace(data(start), data(stop), num, endpoint=endpoint, base=base,
                              axis=axis).astype(dt))


def eye(N, M=None, k=0, dtype=None):  # noqa: N803 - numpy's argument names
    return Tensor(np.eye(N, M, k, dtype=backend.standardize_dtype(dtype)))


def identity(n, dtype=None):
    return Tensor(np.identity(n, dtype=backend.standardize_dtype(dtype)))


def tri(N, M=None, k=0, dtype=None):  # noqa: N803
    return Tensor(np.tri(N, M, k, dtype=backend.standardize_dtype(dtype)))


def meshgrid(*x, indexing="xy"):
    return [Tensor(g) for g in np.meshgrid(*[data(v) for v in x], indexing=indexing)]


def select(condlist, choicelist, default=0):
    """The first choice whose condition holds, element by element (differentiable choices)."""
    out = convert_to_tensor(default)
    for cond, choice in reversed(list(zip(condlist, choicelist))):
        out = P.where(data(cond), choice, out)
    return out


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    x = convert_to_tensor(x)
    if not backend.is_float_dtype(x.dtype):
        return x
    fixed = np.nan_to_num(x.data, nan=nan, posinf=posinf, neginf=neginf)
    return P.where(np.isfinite(x.data), x, fixed)


def zeros(shape, dtype=None):
    return Tensor(np.zeros(shape, dtype=backend.standardize_dtype(dtype)))


def ones(shape, dtype=None):
    return Tensor(np.ones(shape, dtype=backend.standardize_dtype(dtype)))


def full(shape, fill_value, dtype=None):
    return Tensor(np.full(shape, fill_value, dtype=backend.standardize_dtype(dtype)))


def empty(shape, dtype=None):
    return zeros(shape, dtype)


def zeros_like(x, dtype=None):
    return Tensor(np.zeros_like(data(convert_to_tensor(x)), dtype=dtype))


def ones_like(x, dtype=None):
    return Tensor(np.ones_like(data(convert_to_tensor(x)), dtype=dtype))


def empty_like(x, dtype=None):
    return zeros_like(x, dtype)


def size(x):
    return int(np.size(data(x)))


def ndim(x):
    return int(np.ndim(data(x)))


def array(x, dtype=None):
    return convert_to_tensor(x, dtype)
