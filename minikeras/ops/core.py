"""Conversion between arrays and Tensors, and graph control (keras.ops core functions)."""
import numpy as np

from .. import backend
from ..autodiff import primitives as P
from ..autodiff.tensor import Tensor


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """Return ``x`` as a Tensor; python floats and float64 data keep their dtype unless ``dtype``."""
    del sparse, ragged
    if isinstance(x, Tensor):
        return x if dtype is None or x.dtype == np.dtype(dtype) else P.cast(x, dtype)
    if dtype is None and isinstance(x, (bool, int, float)):
        dtype = "bool" if isinstance(x, bool) else (
            "int32" if isinstance(x, int) else backend.floatx())
    return Tensor(np.asarray(x, dtype=dtype))


def convert_to_numpy(x):
    """Return the numpy array behind ``x`` (a Tensor, Variable or array-like)."""
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def is_tensor(x):
    return isinstance(x, Tensor)


def shape(x):
    """The static shape of ``x`` as a tuple."""
    return tuple(np.shape(x.data if isinstance(x, Tensor) else x))


def dtype(x):
    return convert_to_tensor(x).dtype.name


def cast(x, dtype):
    x = convert_to_tensor(x)
    return x if x.dtype == np.dtype(dtype) else P.cast(x, dtype)


def stop_gradient(x):
    """The same values, cut from the graph: no gradient flows back through it."""
    return Tensor(convert_to_numpy(x))


def data(x):
    """Raw numpy data of a tensor or array-like (no copy), for non-differentiable math."""
    return x.data if isinstance(x, Tensor) else np.asarray(x)
