"""Array creation of ``keras.ops``: ranges, identity and triangular matrices, filled arrays.

All outside the graph (no gradient). Python-number arguments give int32 or ``floatx()``,
as in Keras; ``copy`` and ``array`` keep what they are given.
"""
import builtins

import numpy as np

from .. import backend
from ..autodiff import primitives as P
from ..autodiff.tensor import Tensor
from .core import convert_to_tensor, data, on_raw_data

__all__ = [
    "arange", "array", "copy", "empty", "empty_like", "eye", "full", "full_like", "geomspace",
    "identity", "linspace", "logspace", "meshgrid", "ones", "ones_like", "tri", "zeros",
    "zeros_like",
]


full_like = on_raw_data(np.full_like)


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


def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values; int32 for integer arguments, floatx otherwise. ``step`` None
    (Keras's default) is 1."""
    step = 1 if step is None else step
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


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """``num`` numbers from ``start`` to ``stop`` evenly spaced on a log scale."""
    dt = _number_dtype(start, stop, dtype=dtype, float_only=True)
    return Tensor(np.geomspace(data(start), data(stop), num, endpoint=endpoint,
                               axis=axis).astype(dt))


def eye(N, M=None, k=0, dtype=None):  # noqa: N803 - numpy's argument names
    return Tensor(np.eye(N, M, k, dtype=backend.standardize_dtype(dtype)))


def identity(n, dtype=None):
    return Tensor(np.identity(n, dtype=backend.standardize_dtype(dtype)))


def tri(N, M=None, k=0, dtype=None):  # noqa: N803
    return Tensor(np.tri(N, M, k, dtype=backend.standardize_dtype(dtype)))


def meshgrid(*x, indexing="xy"):
    return [Tensor(g) for g in np.meshgrid(
        *[data(convert_to_tensor(v)) for v in x], indexing=indexing)]


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


def array(x, dtype=None):
    return convert_to_tensor(x, dtype)


def copy(x):
    x = convert_to_tensor(x)
    return P.reshape(x, x.shape)
