"""Array math with Keras's ``keras.ops`` names, composed from the autodiff primitives.

Functions accept Tensors, Variables, numpy arrays and python numbers and return
Tensors. Those marked "no gradient" compute on raw data (comparisons, argmax,
creation functions) and return tensors outside the graph.
"""
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
where = P.where
sum = P.sum  # noqa: A001
mean = P.mean
max = P.max  # noqa: A001
min = P.min  # noqa: A001
amax = P.max
amin = P.min
reshape = P.reshape
transpose = P.transpose
broadcast_to = P.broadcast_to
logsumexp = P.logsumexp


def clip(x, x_min, x_max):
    return P.clip(x, x_min, x_max)


def concatenate(xs, axis=0):
    return P.concatenate([convert_to_tensor(x) for x in xs], axis)


def stack(x, axis=0):
    return P.stack([convert_to_tensor(t) for t in x], axis)


def take(x, indices, axis=None):
    return P.take(x, data(indices), axis)


def take_along_axis(x, indices, axis=None):
    idx = data(indices)
    grid = list(np.ix_(*[np.arange(n) for n in idx.shape]))
    grid[axis % idx.ndim] = idx
    return P.getitem(x, tuple(grid))


def expand_dims(x, axis):
    x = convert_to_tensor(x)
    return P.reshape(x, np.expand_dims(np.empty(x.shape, dtype=bool), axis).shape)


def squeeze(x, axis=None):
    x = convert_to_tensor(x)
    return P.reshape(x, np.squeeze(np.empty(x.shape, dtype=bool), axis).shape)


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


def norm(x, ord=None, axis=None, keepdims=False):
    """Vector norms (2 by default, also 1 and inf) along ``axis``; Frobenius for axis=None."""
    if ord in (None, 2, "fro", "euclidean"):
        return P.sqrt(P.sum(P.square(x), axis, keepdims))
    if ord == 1:
        return P.sum(P.abs(x), axis, keepdims)
    if ord in (np.inf, "inf"):
        return P.max(P.abs(x), axis, keepdims)
    raise ValueError(f"Unsupported norm order {ord!r}. Expected None, 1, 2, 'fro' or inf.")


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

def _raw(fn):
    def apply(*args, **kwargs):
        return Tensor(np.asarray(fn(*[data(a) if isinstance(a, Tensor) else a for a in args],
                                    **kwargs)))
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
argmax = _raw(np.argmax)
argmin = _raw(np.argmin)
argsort = _raw(np.argsort)
floor = _raw(np.floor)
ceil = _raw(np.ceil)
round = _raw(np.round)  # noqa: A001
all = _raw(np.all)  # noqa: A001
any = _raw(np.any)  # noqa: A001
count_nonzero = _raw(np.count_nonzero)
sort = _raw(np.sort)
unique = _raw(np.unique)
nonzero = _raw(np.nonzero)
arange = _raw(np.arange)
linspace = _raw(np.linspace)
eye = _raw(np.eye)
tri = _raw(np.tri)
identity = _raw(np.identity)
full_like = _raw(np.full_like)


def zeros(shape, dtype=None):
    return Tensor(np.zeros(shape, dtype=backend.standardize_dtype(dtype)))


def ones(shape, dtype=None):
    return Tensor(np.ones(shape, dtype=backend.standardize_dtype(dtype)))


def full(shape, fill_value, dtype=None):
    return Tensor(np.full(shape, fill_value, dtype=backend.standardize_dtype(dtype)))


def zeros_like(x, dtype=None):
    return Tensor(np.zeros_like(data(x), dtype=dtype))


def ones_like(x, dtype=None):
    return Tensor(np.ones_like(data(x), dtype=dtype))


def size(x):
    return int(np.size(data(x)))


def ndim(x):
    return int(np.ndim(data(x)))


def array(x, dtype=None):
    return convert_to_tensor(x, dtype)
