"""Conversion between arrays and Tensors, casting and graph control (keras.ops core functions).

Also the two helpers every ops file shares: ``as_float`` (a Tensor of a float dtype: ints
and bools become ``floatx()``, floats keep theirs) and ``on_raw_data`` (a numpy function
run on raw data, outside the graph, its result a Tensor).
"""
import functools
import inspect

import numpy as np

from .. import backend, tree
from ..autodiff import grad_mode
from ..autodiff import primitives as P
from ..autodiff.reductions import axis_index
from ..autodiff.tensor import Tensor, as_tensor, grad, holds_recorded, python_numbers, \
    python_numbers_array

__all__ = [
    "Tensor", "cast", "convert_to_numpy", "convert_to_tensor", "custom_gradient", "data",
    "dtype", "is_tensor", "jvp", "polar", "saturate_cast", "shape", "stop_gradient", "view",
    "view_as_complex", "view_as_real",
]


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """Return ``x`` as a Tensor.

    Python numbers (alone or in lists) become int32 / floatx / bool / complex64, as in
    Keras; numpy data keeps its dtype unless ``dtype`` is given.
    """
    del sparse, ragged
    if isinstance(x, Tensor):
        return x if dtype is None or x.dtype == np.dtype(dtype) else P.cast(x, dtype)
    if dtype is None and isinstance(x, (bool, int, float, complex)):
        dtype = "bool" if isinstance(x, bool) else (
            "int32" if isinstance(x, int) else
            "complex64" if isinstance(x, complex) else backend.floatx())
    if isinstance(x, (list, tuple)) and (
            holds_recorded(x) or (dtype is None and python_numbers(x))):
        # stacked (gradients flow back), or python numbers by Keras's dtype rule
        return convert_to_tensor(as_tensor(x), dtype)
    return Tensor(np.asarray(x, dtype=dtype))


def convert_to_numpy(x):
    """Return the numpy array behind ``x`` (a Tensor, Variable or array-like), no copy."""
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def is_tensor(x):
    return isinstance(x, Tensor)


def shape(x):
    """The static shape of ``x`` as a tuple (None for a KerasTensor's unknown sizes)."""
    if backend.is_keras_tensor(x):
        return tuple(x.shape)
    return tuple(np.shape(x.data if isinstance(x, Tensor) else x))


def dtype(x):
    """``x``'s dtype name (a KerasTensor's declared dtype)."""
    if backend.is_keras_tensor(x):
        return backend.standardize_dtype(x.dtype)
    return convert_to_tensor(x).data.dtype.name


def cast(x, dtype):
    dtype = backend.standardize_dtype(dtype)  # ValueError "Invalid dtype: ...", as Keras
    x = convert_to_tensor(x)
    return x if x.dtype == np.dtype(dtype) else P.cast(x, dtype)


def stop_gradient(variable):
    """The same values, cut from the graph: no gradient flows back through it (Keras names
    the argument ``variable``; any tensor is taken)."""
    return Tensor(convert_to_numpy(variable))


def custom_gradient(f):
    """Decorator: ``f(*tensors)`` returns ``(y, grad_fn)`` and the decorated function returns
    ``y`` with the gradient ``grad_fn(upstream)`` gives (one per input), as in Keras.

    Example: a log(1 + e^x) whose gradient stays finite for large x::

        @keras.ops.custom_gradient
        def log1pexp(x):
            e = keras.ops.exp(x)
            def grad(upstream):
                return upstream * (1.0 - 1.0 / (1.0 + e))
            return keras.ops.log(1.0 + e), grad
    """
    if not callable(f):
        raise TypeError(f"custom_gradient expects a function. Received: {f!r}")

    @functools.wraps(f)
    def with_custom_gradient(*args, **kwargs):
        return P.custom_gradient_call(lambda *tensors: f(*tensors, **kwargs), *args)
    return with_custom_gradient


def jvp(fun, primals, tangents, has_aux=False):
    """The Jacobian-vector product of ``fun`` at ``primals`` along ``tangents``.

    minikeras differentiates in reverse mode only, so the product is assembled from one
    backward pass per output element (exact, but its cost grows with the output's size).

    Returns:
        ``(primals_out, tangents_out)`` (and ``aux`` when ``has_aux``: ``fun`` then returns
        ``(output, aux)``); ``tangents_out`` has the structure and shapes of ``primals_out``.
    """
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: got {len(primals)} primals and {len(tangents)} tangents. "
                         "Expected one tangent per primal.")
    leaves = [Tensor(np.asarray(convert_to_tensor(p).data), requires_grad=True) for p in primals]
    directions = [np.asarray(data(t)) for t in tangents]
    for leaf, direction in zip(leaves, directions):
        if direction.shape != leaf.shape:
            raise ValueError(f"jvp: a tangent of shape {direction.shape} for a primal of "
                             f"shape {leaf.shape}. Expected the same shapes.")
    with grad_mode.enable_grad():
        result = fun(*leaves)
    out, aux = result if has_aux else (result, None)
    outputs = [convert_to_tensor(y) for y in tree.flatten(out)]
    products = [_jacobian_times(y, leaves, directions) for y in outputs]
    pack = functools.partial(tree.pack_sequence_as, out)
    primals_out = pack([Tensor(y.data) for y in outputs])
    return (primals_out, pack(products)) + ((aux,) if has_aux else ())


def _jacobian_times(y, leaves, directions):
    """``J t`` for one output ``y`` of ``leaves``, t the ``directions``: for each element i,
    the backward pass of the one-hot cotangent e_i gives row i of J."""
    product = np.zeros(y.shape, dtype=y.dtype)
    if not y.requires_grad:
        return Tensor(product)
    flat = product.reshape(-1)
    for i in range(y.size):
        onehot = np.zeros(y.shape, y.dtype)
        onehot.reshape(-1)[i] = 1
        rows = grad(y, leaves, output_grad=onehot, retain_graph=True,
                    unconnected_gradients="zero")
        flat[i] = sum(float(np.sum(row * direction)) for row, direction in zip(rows, directions))
    return Tensor(product)


def view(x, dtype=None):
    """The same bytes read as ``dtype`` (the last axis scales by the ratio of item sizes);
    no gradient."""
    values = np.ascontiguousarray(data(x))
    if dtype is None:
        return Tensor(values.copy())
    dtype = np.dtype(backend.standardize_dtype(dtype))
    if values.ndim == 0 and dtype.itemsize != values.dtype.itemsize:
        raise ValueError(f"view: a scalar of {values.dtype.name} cannot be read as "
                         f"{dtype.name} (different item sizes).")
    if values.ndim and (values.shape[-1] * values.dtype.itemsize) % dtype.itemsize:
        raise ValueError(f"view: the last axis ({values.shape[-1]} x {values.dtype.itemsize} "
                         f"bytes) is not a multiple of {dtype.name}'s {dtype.itemsize} bytes.")
    return Tensor(values.view(dtype).copy())


# ---- complex tensors: minikeras computes in real dtypes; these convert at the edges ----------

def _complex_dtype(real_dtype):
    return np.complex128 if np.dtype(real_dtype) == np.float64 else np.complex64


def view_as_complex(x):
    """A real tensor ``(..., 2)`` of (real, imaginary) pairs as a complex tensor ``(...)``
    (complex64; complex128 from float64). No gradient."""
    values = np.asarray(data(as_float(x)))
    if values.ndim == 0 or values.shape[-1] != 2:
        raise ValueError("Last dimension of input must be size 2 (real and imaginary). "
                         f"Received shape: {values.shape}")
    return Tensor((values[..., 0] + 1j * values[..., 1]).astype(_complex_dtype(values.dtype)))


def view_as_real(x):
    """A complex tensor ``(...)`` as a real one ``(..., 2)`` of (real, imaginary) pairs."""
    values = np.asarray(data(x))
    if values.dtype.kind != "c":
        raise ValueError(f"view_as_real expects a complex tensor. Received: dtype="
                         f"{values.dtype.name}")
    return Tensor(np.stack([values.real, values.imag], axis=-1))


def polar(abs_, angle):
    """The complex tensor ``abs_ · (cos(angle) + i sin(angle))`` (no gradient)."""
    magnitude, phase = np.broadcast_arrays(data(as_float(abs_)), data(as_float(angle)))
    return Tensor((magnitude * np.exp(1j * phase)).astype(_complex_dtype(magnitude.dtype)))


data = convert_to_numpy  # the short name the ops files use for non-differentiable math


def as_float(x, dtype=None):
    """``x`` as a Tensor of a float dtype: ``dtype`` when given; otherwise ints, bools and
    python numbers become floatx and floats keep theirs."""
    if dtype is not None:
        return convert_to_tensor(x, dtype)
    if isinstance(x, Tensor) and x.data.dtype.kind == "f":
        return x  # the common case, kept cheap
    x = convert_to_tensor(x)
    return x if backend.is_float_dtype(x.dtype) else cast(x, backend.floatx())


def float_result_dtype(*xs):
    """Keras's dtype for a float function of ``xs``: ``result_type(*their dtypes, float)``,
    a python number counting by its type (weak), so an int with a float16 gives float16 and
    two ints floatx. A float64 operand gives float64, as on Keras's TensorFlow backend
    (its jax and torch backends narrow the result to float32)."""
    dtypes = [type(x) if isinstance(x, (bool, int, float)) else convert_to_tensor(x).data.dtype
              for x in xs]
    if any(d == np.float64 for d in dtypes if not isinstance(d, type)):
        return "float64"
    return backend.result_type(*dtypes, float)


def as_float_result(*xs):
    """``xs`` as Tensors of their ``float_result_dtype``: the operands of Keras's arctan2,
    logaddexp, divide_no_nan ..., computed in the one float dtype they resolve to."""
    dtype = float_result_dtype(*xs)
    return [convert_to_tensor(x, dtype) for x in xs]


def on_float(fn):
    """``fn`` with its first argument made a float Tensor first (``as_float``).

    Keras computes exp, log, sqrt, tanh ... of integers and bools in floatx; numpy
    would pick float64 (or float16 for uint8).
    """
    @functools.wraps(fn)
    def float_fn(x, *args, **kwargs):
        return fn(as_float(x), *args, **kwargs)
    return float_fn


def is_integer_like(x):
    """True for python ints and bools and for integer or bool arrays and tensors."""
    if isinstance(x, (bool, int)):
        return True
    dtype = getattr(x, "dtype", None)
    return dtype is not None and np.dtype(dtype).kind in "biu"


def axis_tuple(axis):
    """An axis argument as numpy takes it: Keras also accepts a list of axes."""
    return tuple(axis) if isinstance(axis, list) else axis


def at_least_rank(x, rank, name):
    """``x`` as a Tensor, refused (a ValueError naming ``name``) below rank ``rank``."""
    x = convert_to_tensor(x)
    if x.ndim < rank:
        raise ValueError(f"{name} only works on arrays of {rank} or more dimensions. "
                         f"Received: x.shape={x.shape}")
    return x


def axes_of_the_input(fn):
    """``fn(x, ..., axis=...)`` (a reduction, softmax, squeeze, take ...) refusing an axis
    that ``x`` lacks because ``x`` is a scalar (rank 0): Keras's ValueError on jax and in its
    symbolic shapes, as numpy's (Keras on torch reads a scalar as a vector of one)."""
    parameters = inspect.signature(fn).parameters
    # where axis comes after x, and its default (a wrapped numpy function's: first, None)
    position = list(parameters).index("axis") - 1 if "axis" in parameters else 0
    default = parameters["axis"].default if "axis" in parameters else None

    @functools.wraps(fn)
    def checked(x, *args, **kwargs):
        axis = args[position] if len(args) > position else kwargs.get("axis", default)
        if axis is not None and (x.ndim if hasattr(x, "ndim") else np.ndim(x)) == 0:
            for a in axis if isinstance(axis, (list, tuple)) else (axis,):
                axis_index(a, 0)  # raises: a rank-0 tensor has no axis
        return fn(x, *args, **kwargs)
    return checked


def on_raw_data(fn, dtype=None):
    """A numpy function on raw data (no gradient), its result as a Tensor of ``dtype``.
    A first argument of python numbers (``round([1.5, 2.5])``) is an array of Keras's dtypes
    (int32, floatx), not numpy's 64 bits."""
    def apply(*args, **kwargs):
        args = [data(a) if isinstance(a, Tensor) else a for a in args]
        if args and not isinstance(args[0], np.ndarray):
            args[0] = keras_array(args[0])
        return Tensor(np.asarray(fn(*args, **kwargs), dtype=dtype))
    apply.__name__ = fn.__name__
    return apply


def keras_array(x):
    """Python numbers (alone or in lists) as an array of Keras's dtypes (int32, floatx,
    bool); anything else as given."""
    if isinstance(x, (bool, int, float)) or (isinstance(x, (list, tuple)) and python_numbers(x)):
        return python_numbers_array(x)
    return x


def saturate_cast(x, dtype):
    """Cast to ``dtype``, first clipping to its representable range."""
    x = convert_to_tensor(x)
    dtype = np.dtype(backend.standardize_dtype(dtype))
    info = np.iinfo(dtype) if dtype.kind in "iu" else np.finfo(dtype) if dtype.kind == "f" \
        else None
    if info is not None and backend.is_float_dtype(x.dtype):
        x = P.clip(x, max(float(info.min), float(np.finfo(x.dtype).min)),
                   min(float(info.max), float(np.finfo(x.dtype).max)))
    return cast(x, dtype)
