"""Conversion between arrays and Tensors, and graph control (keras.ops core functions)."""
import numpy as np

from .. import backend
from ..autodiff import primitives as P
from ..autodiff.tensor import Tensor


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """Return ``x`` as a Tensor.

    Python numbers (alone or in lists) become int32 / floatx / bool, as in Keras;
    numpy data keeps its dtype unless ``dtype`` is given.
    """
    del sparse, ragged
    if isinstance(x, Tensor):
        return x if dtype is None or x.dtype == np.dtype(dtype) else P.cast(x, dtype)
    if dtype is None and isinstance(x, (bool, int, float)):
        dtype = "bool" if isinstance(x, bool) else (
            "int32" if isinstance(x, int) else backend.floatx())
    if dtype is None and isinstance(x, (list, tuple)) and _python_numbers(x):
        # python numbers in a list follow Keras's rule: int32 / floatx, not numpy's 64 bits
        arr = np.asarray(x)
        if arr.dtype == np.float64:
            return Tensor(arr.astype(backend.floatx()))
        if arr.dtype == np.int64 and arr.size and \
                np.iinfo(np.int32).min <= arr.min() and arr.max() <= np.iinfo(np.int32).max:
            return Tensor(arr.astype(np.int32))
        return Tensor(arr)
    return Tensor(np.asarray(x, dtype=dtype))


def _python_numbers(x):
    """True if ``x`` is a (nested) list/tuple of python numbers only."""
    return all(_python_numbers(v) if isinstance(v, (list, tuple))
               else isinstance(v, (bool, int, float)) for v in x)


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
