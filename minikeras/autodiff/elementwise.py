"""Elementwise primitives: broadcasting binary ops and unary math.

Each Function subclass has its VJP under its forward and its callable right under it,
registered in ``PRIMITIVES`` by ``@primitive``. Its ``vjp`` (the same gradient recorded, for
``grad(..., create_graph=True)``) is written with the callables, on the input tensors.
"""
import numpy as np

from .. import backend
from . import parallel
from .function import Function, primitive, unbroadcast
from .replay import compared
from .shape import sum_to
from .tensor import Tensor, array_dtype, as_tensor, number_constant, python_numbers_array


def operands(a, b):
    """Tensors for a binary op, in the dtypes Keras computes it in.

    Keras's promotion, where it differs from numpy's: a python number is "weak" and takes
    the other operand's dtype (a python float with an integer or bool array makes both
    floatx); an integer or bool array meeting a float one takes that float dtype
    (int64 + float32 is float32, where numpy would widen to float64). Lists, and two python
    numbers, first become arrays of Keras's dtypes (int32, floatx).
    """
    if isinstance(a, (list, tuple)):
        a = as_tensor(a)
    if isinstance(b, (list, tuple)):
        b = as_tensor(b)
    if isinstance(a, _PYTHON_NUMBERS) and isinstance(b, _PYTHON_NUMBERS):
        a, b = Tensor(python_numbers_array(a)), Tensor(python_numbers_array(b))
    if isinstance(b, (Tensor, np.ndarray)) and not isinstance(a, (Tensor, np.ndarray, np.generic)):
        b, a = _with_python_number(b, a)
        return a, b
    if isinstance(a, (Tensor, np.ndarray)) and not isinstance(b, (Tensor, np.ndarray, np.generic)):
        return _with_python_number(a, b)
    a_dtype, b_dtype = array_dtype(a), array_dtype(b)
    if a_dtype != b_dtype and a_dtype is not None and b_dtype is not None:
        return float_promoted(a, b_dtype), float_promoted(b, a_dtype)
    return a, b


_PYTHON_NUMBERS = (bool, int, float)


def float_promoted(x, other_dtype):
    """``x`` cast to ``other_dtype`` when ``x`` holds integers or bools and that is a float."""
    if array_dtype(x).kind in "biu" and other_dtype.kind == "f":
        return cast(x, other_dtype)
    return x


def _with_python_number(array, number):
    """``(array, number as a tensor)`` in the dtype Keras gives a python number beside an array."""
    dtype = array_dtype(array)
    if dtype.kind == "f":
        return array, Tensor(number_constant(number, dtype))
    if isinstance(number, float):
        array = cast(array, backend.floatx())
        return array, Tensor(number_constant(number, array.data.dtype))
    if isinstance(number, int) and not isinstance(number, bool):
        if dtype.kind == "b":
            array = cast(array, "int32")
        return array, as_tensor(np.asarray(number).astype(array.dtype))
    return array, as_tensor(np.asarray(number))


# --------------------------------------------------------------------------------------
# Elementwise binary (broadcasting; gradients are summed back to each input's shape)
# --------------------------------------------------------------------------------------


def by_parts(op, out, *arrays, passes=1):
    """``op(*arrays, out=out)`` run by parts of the leading axis (``parallel.for_passes``,
    ``passes`` numpy passes an element) when they run at once; every array has out's
    shape. Returns out."""
    if not parallel.passes_split(len(out), out.size, passes):
        op(*arrays, out=out)
        return out
    parallel.for_passes(lambda a, b: op(*(x[a:b] for x in arrays), out=out[a:b]), len(out),
                        out.size, passes)
    return out


def _splits(arrays, passes):
    """Whether an elementwise pass over ``arrays`` goes by parts: they have one shape with a
    leading axis, and ``parallel.for_passes`` would run its parts at once (elsewhere the
    whole call is the same numbers with less Python)."""
    first = arrays[0]
    # parts_run_at_once first: the cheapest check, and false outside owned steps
    return (parallel.parts_run_at_once() and same_shapes(*arrays)
            and parallel.pass_parts(len(first), first.size, passes) > 1)


def same_shapes(*arrays):
    """True when the arrays have one shape with a leading axis (an elementwise pass over
    them can go by parts of that axis)."""
    return arrays[0].ndim > 0 and all(x.shape == arrays[0].shape for x in arrays[1:])


def map_parts(fn, *arrays, passes=1):
    """``fn(*arrays)`` for an elementwise ``fn``, by parts of the leading axis when
    ``_splits`` (the result's dtype is fn's on a one-element corner)."""
    if not _splits(arrays, passes):
        return fn(*arrays)
    corner = (slice(0, 1),) * arrays[0].ndim
    out = np.empty(arrays[0].shape, fn(*(x[corner] for x in arrays)).dtype)

    def part(a, b):
        out[a:b] = fn(*(x[a:b] for x in arrays))

    parallel.for_passes(part, len(out), out.size, passes)
    return out


def _binary(op, a, b):
    """op(a, b) of two arrays, by parts when ``_splits``."""
    if not _splits((a, b), 1):
        return op(a, b)
    return by_parts(op, np.empty(a.shape, np.result_type(a, b)), a, b)


class Add(Function):
    replayable = True

    def forward(self, a, b):
        return _binary(np.add, a, b)

    def backward(self, gy):
        a, b = self.inputs
        return unbroadcast(gy, a.shape), unbroadcast(gy, b.shape)

    def vjp(self, gy):
        a, b = self.inputs
        return sum_to(gy, a.shape), sum_to(gy, b.shape)


@primitive
def add(x1, x2):  # keras.ops's argument names
    a, b = operands(x1, x2)
    return Add()(a, b)


class Subtract(Function):
    replayable = True

    def forward(self, a, b):
        return a - b

    def backward(self, gy):
        a, b = self.inputs
        return unbroadcast(gy, a.shape), unbroadcast(-gy, b.shape)

    def vjp(self, gy):
        a, b = self.inputs
        return sum_to(gy, a.shape), sum_to(negative(gy), b.shape)


@primitive
def subtract(x1, x2):  # keras.ops's argument names
    a, b = operands(x1, x2)
    return Subtract()(a, b)


class Multiply(Function):
    replayable = True

    def forward(self, a, b):
        return _binary(np.multiply, a, b)

    def backward(self, gy):
        a, b = self.inputs
        return (unbroadcast(_binary(np.multiply, gy, b.data), a.shape) if a.requires_grad
                else None,
                unbroadcast(_binary(np.multiply, gy, a.data), b.shape) if b.requires_grad
                else None)

    def vjp(self, gy):
        a, b = self.inputs
        return (sum_to(gy * b, a.shape) if a.requires_grad else None,
                sum_to(gy * a, b.shape) if b.requires_grad else None)


@primitive
def multiply(x1, x2):  # keras.ops's argument names
    a, b = operands(x1, x2)
    return Multiply()(a, b)


class Divide(Function):
    replayable = True

    def forward(self, a, b):
        return a / b

    def backward(self, gy):
        a, b = self.inputs
        ga = gy / b.data
        return (unbroadcast(ga, a.shape) if a.requires_grad else None,
                unbroadcast(-ga * a.data / b.data, b.shape) if b.requires_grad else None)

    def vjp(self, gy):
        a, b = self.inputs
        ga = gy / b
        return (sum_to(ga, a.shape) if a.requires_grad else None,
                sum_to(negative(ga) * a / b, b.shape) if b.requires_grad else None)


@primitive
def divide(a, b):
    """True division; two integer or bool operands divide in floatx, as Keras's (``x / 2``
    of a uint8 tensor is float32, not numpy's float64). A python int divides as a float, so
    an int8 tensor divided by 300 is divided by 300, not by 300 wrapped into int8."""
    a = float(a) if type(a) is int else a
    b = float(b) if type(b) is int else b
    a, b = operands(a, b)       # two python numbers: floatx tensors in the call
    if all(array_dtype(x).kind in "biu" for x in (a, b)):
        a, b = cast(a, backend.floatx()), cast(b, backend.floatx())
    return Divide()(a, b)


class Power(Function):
    """a ** b; d/da = b a^(b-1), d/db = a^b log a (taken as 0 where a == 0; nan where a < 0,
    as jax and torch give it)."""

    def forward(self, a, b):
        self.y = a ** b
        return self.y

    def backward(self, gy):
        a, b = self.inputs
        ga = gy * b.data * a.data ** (b.data - 1) if a.requires_grad else None
        gb = None
        if b.requires_grad:
            # the log of a negative base: nan (backward passes run silenced: float_errors)
            gb = unbroadcast(gy * self.y * np.log(np.where(a.data == 0, 1, a.data)), b.shape)
        return (None if ga is None else unbroadcast(ga, a.shape)), gb

    def vjp(self, gy):
        a, b = self.inputs
        ga = sum_to(gy * b * a ** (b - 1), a.shape) if a.requires_grad else None
        gb = None
        if b.requires_grad:  # log a taken as 0 where a == 0 (a constant choice)
            gb = sum_to(gy * a ** b * log(where(a.data == 0, 1, a)), b.shape)
        return ga, gb


@primitive
def power(x1, x2):  # keras.ops's argument names
    a, b = operands(x1, x2)
    if array_dtype(a).kind in "iu" and array_dtype(b).kind in "iu":
        a_data, b_data = (x.data if isinstance(x, Tensor) else np.asarray(x) for x in (a, b))
        if (b_data < 0).any():
            return Tensor(_integer_power(a_data, b_data))
    return Power()(a, b)


def _integer_power(a, b):
    """``a ** b`` of integer arrays with negative exponents (numpy refuses them), as Keras's
    backends give it: 1 ** -n is 1, (-1) ** -n is ±1 by the parity of n, anything else 0
    (the truncated fraction)."""
    magnitude = np.abs(b)
    unit = np.where(a == -1, 1 - 2 * (magnitude % 2), 1).astype(np.result_type(a, b))
    return np.where(b >= 0, a ** magnitude, np.where(np.abs(a) == 1, unit, 0)).astype(unit.dtype)


def _routed_recorded(gy, mask, a, b):
    """``_routed`` on tensors, recorded (``mask`` a constant)."""
    return (sum_to(where(mask, gy, 0), a.shape) if a.requires_grad else None,
            sum_to(where(mask, 0, gy), b.shape) if b.requires_grad else None)


def _routed(gy, mask, a, b):
    """The gradients of a choice between ``a`` and ``b``: ``gy`` goes to ``a`` where ``mask``
    holds and to ``b`` elsewhere, each summed back to its input's shape (None for an input
    that needs no gradient)."""
    zero = np.zeros((), gy.dtype)
    return (unbroadcast(np.where(mask, gy, zero), a.shape) if a.requires_grad else None,
            unbroadcast(np.where(mask, zero, gy), b.shape) if b.requires_grad else None)


def _shared_at_ties(gy, mask, a, b):
    """``_routed``, except where ``a`` and ``b`` tie: there each gets half of ``gy`` (the
    rule of jax and torch for maximum and minimum of equal operands)."""
    ties = np.equal(a.data, b.data)
    if not ties.any():
        return _routed(gy, mask, a, b)
    zero, half = np.zeros((), gy.dtype), gy * gy.dtype.type(0.5)
    return (unbroadcast(np.where(ties, half, np.where(mask, gy, zero)), a.shape)
            if a.requires_grad else None,
            unbroadcast(np.where(ties, half, np.where(mask, zero, gy)), b.shape)
            if b.requires_grad else None)


def _shared_at_ties_recorded(gy, mask, a, b):
    """``_shared_at_ties`` on tensors, recorded (the masks constants)."""
    ties = np.equal(a.data, b.data)
    if not ties.any():
        return _routed_recorded(gy, mask, a, b)
    half = gy * 0.5
    return (sum_to(where(ties, half, where(mask, gy, 0)), a.shape) if a.requires_grad else None,
            sum_to(where(ties, half, where(mask, 0, gy)), b.shape) if b.requires_grad else None)


class Maximum(Function):
    """max(a, b); the gradient goes to ``a`` where a > b, to ``b`` where a < b, half to each
    where they tie."""

    replayable = True

    def forward(self, a, b):
        self.mask = a >= b
        return np.maximum(a, b)

    def backward(self, gy):
        return _shared_at_ties(gy, self.mask, *self.inputs)

    def vjp(self, gy):
        return _shared_at_ties_recorded(gy, self.mask, *self.inputs)


@primitive
def maximum(x1, x2):  # keras.ops's argument names
    a, b = operands(x1, x2)
    return Maximum()(a, b)


class Minimum(Function):
    """min(a, b); the gradient goes to ``a`` where a < b, to ``b`` where a > b, half to each
    where they tie."""

    replayable = True

    def forward(self, a, b):
        self.mask = a <= b
        return np.minimum(a, b)

    def backward(self, gy):
        return _shared_at_ties(gy, self.mask, *self.inputs)

    def vjp(self, gy):
        return _shared_at_ties_recorded(gy, self.mask, *self.inputs)


@primitive
def minimum(x1, x2):  # keras.ops's argument names
    a, b = operands(x1, x2)
    return Minimum()(a, b)


class Where(Function):
    """where(cond, a, b); ``cond`` gets no gradient."""

    replayable = True

    def forward(self, cond, a, b):
        self.cond = cond.astype(bool)
        return np.where(self.cond, a, b)

    def backward(self, gy):
        return (None,) + _routed(gy, self.cond, *self.inputs[1:])

    def vjp(self, gy):
        return (None,) + _routed_recorded(gy, self.cond, *self.inputs[1:])


@primitive
def where(condition, x1, x2):
    x1, x2 = operands(x1, x2)
    return Where()(condition, x1, x2)


# --------------------------------------------------------------------------------------
# Elementwise unary
# --------------------------------------------------------------------------------------


class Negative(Function):
    replayable = True

    def forward(self, x):
        return -x

    def backward(self, gy):
        return (-gy,)

    def vjp(self, gy):
        return (negative(gy),)


@primitive
def negative(x):
    return Negative()(x)


class Exp(Function):
    replayable = True

    def forward(self, x):
        self.y = np.exp(x)
        return self.y

    def backward(self, gy):
        return (gy * self.y,)

    def vjp(self, gy):
        return (gy * exp(self.inputs[0]),)


@primitive
def exp(x):
    return Exp()(x)


class Log(Function):
    replayable = True

    def forward(self, x):
        return np.log(x)

    def backward(self, gy):
        return (gy / self.inputs[0].data,)

    def vjp(self, gy):
        return (gy / self.inputs[0],)


@primitive
def log(x):
    return Log()(x)


class Log1p(Function):
    replayable = True

    def forward(self, x):
        return np.log1p(x)

    def backward(self, gy):
        return (gy / (1 + self.inputs[0].data),)

    def vjp(self, gy):
        return (gy / (1 + self.inputs[0]),)


@primitive
def log1p(x):
    return Log1p()(x)


class Sqrt(Function):
    replayable = True

    def forward(self, x):
        self.y = np.sqrt(x)
        return self.y

    def backward(self, gy):
        return (gy / (2 * self.y),)

    def vjp(self, gy):
        return (gy / (2 * sqrt(self.inputs[0])),)


@primitive
def sqrt(x):
    return Sqrt()(x)


class Square(Function):
    replayable = True

    def forward(self, x):
        return np.square(x)

    def backward(self, gy):
        return (gy * 2 * self.inputs[0].data,)

    def vjp(self, gy):
        return (gy * 2 * self.inputs[0],)


@primitive
def square(x):
    return Square()(x)


class Abs(Function):
    replayable = True

    def forward(self, x):
        return np.abs(x)

    def backward(self, gy):
        return (gy * np.sign(self.inputs[0].data),)

    def vjp(self, gy):  # the sign is a constant: its derivative is 0 (almost everywhere)
        return (gy * np.sign(self.inputs[0].data),)


@primitive
def abs(x):  # noqa: A001 - mirrors numpy / keras.ops naming
    return Abs()(x)


class Sign(Function):
    """sign(x); its derivative is zero almost everywhere."""

    replayable = True

    def forward(self, x):
        return np.sign(x)

    def backward(self, gy):
        return (np.zeros_like(gy),)

    def vjp(self, gy):
        return (Tensor(np.zeros_like(gy.data)),)


@primitive
def sign(x):
    return Sign()(x)


class Clip(Function):
    """clip(x, lo, hi); the gradient passes where lo <= x <= hi (elsewhere it is 0, even
    for an inf or nan gy). With scalar bounds both passes go by parts of the batch
    (``parallel.for_passes``), the gradient as gy times the boolean mask: about 4x faster
    than ``np.where``, and a part whose result sums to nan (a non-finite gy somewhere,
    which the product would turn into nan outside) is redone with ``np.where``."""

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi
        self.replayable = compared(lo, hi)  # number bounds (array bounds: not compared)

    def _split(self, x):
        return x.ndim > 0 and np.ndim(self.lo) == 0 and np.ndim(self.hi) == 0

    def forward(self, x):
        if not self._split(x):
            return np.clip(x, self.lo, self.hi)
        return map_parts(lambda x: np.clip(x, self.lo, self.hi), x)

    def backward(self, gy):
        x = self.inputs[0].data
        if not self._split(x) or gy.shape != x.shape:
            return (self._masked(x, gy),)
        return (by_parts(self._masked_into, np.empty(gy.shape, gy.dtype), x, gy, passes=4),)

    def _inside(self, x):
        inside = np.greater_equal(x, self.lo)
        inside &= np.less_equal(x, self.hi)
        return inside

    def _masked(self, x, gy):
        return np.where(self._inside(x), gy, np.zeros((), gy.dtype))

    def _masked_into(self, x, gy, out):
        np.multiply(gy, self._inside(x), out=out)    # inf * 0: redone below
        if np.isnan(np.sum(out)):
            out[...] = self._masked(x, gy)

    def vjp(self, gy):
        return (where(self._inside(self.inputs[0].data), gy, 0),)


@primitive
def clip(x, x_min, x_max):
    return Clip(x_min, x_max)(x)


class StrictClip(Clip):
    """clip(x, lo, hi) whose gradient passes only where lo < x < hi: at a bound it is 0, as
    relu6 and hard_sigmoid have it in Keras on jax and on torch alike (a plain clip's
    gradient at a bound is 1 on torch, 0.5 on jax)."""

    def _inside(self, x):
        inside = np.greater(x, self.lo)
        inside &= np.less(x, self.hi)
        return inside


@primitive
def clip_strict(x, x_min, x_max):
    return StrictClip(x_min, x_max)(x)


class Tanh(Function):
    replayable = True

    def forward(self, x):
        self.y = map_parts(np.tanh, x, passes=4)
        return self.y

    def backward(self, gy):
        return (map_parts(lambda gy, y: gy * (1 - y * y), gy, self.y, passes=3),)

    def vjp(self, gy):
        y = tanh(self.inputs[0])  # the output again, as a tensor that records
        return (gy * (1 - y * y),)


@primitive
def tanh(x):
    return Tanh()(x)


class Sigmoid(Function):
    """1 / (1 + exp(-x)), computed without overflow for large |x|."""

    replayable = True

    def forward(self, x):
        self.y = map_parts(_sigmoid, x, passes=6)
        return self.y

    def backward(self, gy):
        return (map_parts(lambda gy, y: gy * y * (1 - y), gy, self.y, passes=4),)

    def vjp(self, gy):
        y = sigmoid(self.inputs[0])  # the output again, as a tensor that records
        return (gy * y * (1 - y),)


def _sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


@primitive
def sigmoid(x):
    return Sigmoid()(x)


# numpy's maximum against a scalar runs a loop without SIMD: against an array of zeros it is
# 5x faster (float32, 65,536 elements: 81 -> 16 us; 4.0 -> 2.0 us at 32 x 32), with the same
# values (signed zeros and NaNs included). relu_into compares with a cached read-only block
# of zeros: one view of it per float array shape up to ZERO_BLOCK elements, block by block
# beyond.
ZERO_BLOCK = 1 << 16  # elements: 256 KB of float32, the block a conv's bias pass works in
_ZERO_BLOCKS = {}  # dtype -> read-only zeros of ZERO_BLOCK elements
_ZERO_VIEWS = {}  # (shape, dtype) -> that block's first elements in that shape


def relu_into(x, out):
    """``out = max(x, 0)`` elementwise for an array x (out may be x): np.maximum's values,
    against zeros (see ``ZERO_BLOCK``) for float dtypes. Returns out."""
    zeros = _ZERO_VIEWS.get((x.shape, x.dtype))
    if zeros is not None:
        return np.maximum(x, zeros, out=out)
    if x.dtype.kind != "f":
        return np.maximum(x, 0, out=out)
    block = _ZERO_BLOCKS.get(x.dtype)
    if block is None:
        block = _ZERO_BLOCKS[x.dtype] = np.zeros(ZERO_BLOCK, x.dtype)
        block.flags.writeable = False
    if x.size <= ZERO_BLOCK:
        if len(_ZERO_VIEWS) >= 64:  # many shapes (e.g. varying sequence lengths): start over
            _ZERO_VIEWS.clear()
        zeros = _ZERO_VIEWS[(x.shape, x.dtype)] = block[:x.size].reshape(x.shape)
        return np.maximum(x, zeros, out=out)
    if not (x.flags.c_contiguous and out.flags.c_contiguous):
        return np.maximum(x, 0, out=out)
    flat, flat_out = x.reshape(-1), out.reshape(-1)
    for start in range(0, flat.size, ZERO_BLOCK):
        stop = min(start + ZERO_BLOCK, flat.size)
        np.maximum(flat[start:stop], block[:stop - start], out=flat_out[start:stop])
    return out


class Relu(Function):
    """max(x, 0); the backward pass masks through the saved output (y > 0 exactly where
    x > 0), so the forward pass builds no mask. Both run by parts of the batch
    (``parallel.for_passes``)."""

    replayable = True

    def forward(self, x):
        if x.ndim == 0:
            self.y = np.maximum(x, 0)
            return self.y
        self.y = by_parts(relu_into, np.empty(x.shape, np.result_type(x, 0)), x)
        return self.y

    def backward(self, gy):
        y = self.y
        if y.ndim == 0:
            return (np.multiply(gy, y > 0),)
        return (by_parts(lambda gy, y, out: np.multiply(gy, np.greater(y, 0), out=out),
                         np.empty(gy.shape, gy.dtype), gy, y, passes=2),)

    def vjp(self, gy):  # the mask is a constant: relu's second derivative is 0
        return (where(self.y > 0, gy, 0),)


@primitive
def relu(x):
    return Relu()(x)


class LeakyRelu(Function):
    """x if x >= 0 else slope * x; the gradient at 0 is 1 (Keras's jax backend; torch gives
    the slope). One node instead of a ``where`` over a product, as fast as the ``maximum``
    it replaces (the composed ``where`` took ~1/3 longer forward and backward on 512x1024
    float32)."""

    replayable = True

    def __init__(self, slope):
        self.slope = slope

    def forward(self, x):
        return np.where(x >= 0, x, x * self.slope)

    def backward(self, gy):
        return (np.where(self.inputs[0].data >= 0, gy, gy * self.slope),)

    def vjp(self, gy):  # the mask is a constant: the second derivative is 0
        return (where(self.inputs[0].data >= 0, gy, gy * self.slope),)


@primitive
def leaky_relu(x, negative_slope):
    return LeakyRelu(negative_slope)(x)


class Softplus(Function):
    """log(1 + exp(x)) as logaddexp(x, 0); derivative sigmoid(x)."""

    replayable = True

    def forward(self, x):
        return np.logaddexp(x, np.zeros((), x.dtype))

    def backward(self, gy):
        return (gy * Sigmoid().forward(self.inputs[0].data),)

    def vjp(self, gy):
        return (gy * sigmoid(self.inputs[0]),)


@primitive
def softplus(x):
    return Softplus()(x)


class Erf(Function):
    """The error function; derivative 2/sqrt(pi) exp(-x^2)."""

    replayable = True

    def forward(self, x):
        return erf_values(x)

    def backward(self, gy):
        x = self.inputs[0].data
        return (gy * (2 / np.sqrt(np.pi)) * np.exp(-x * x),)

    def vjp(self, gy):
        x = self.inputs[0]
        return (gy * _TWO_OVER_ROOT_PI * exp(negative(x * x)),)


_TWO_OVER_ROOT_PI = float(2 / np.sqrt(np.pi))  # a python float takes the tensor's dtype


@primitive
def erf(x):
    return Erf()(x)


class Sin(Function):
    """sin(x); derivative cos(x)."""

    def forward(self, x):
        return np.sin(x)

    def backward(self, gy):
        return (gy * np.cos(self.inputs[0].data),)

    def vjp(self, gy):
        return (gy * cos(self.inputs[0]),)


@primitive
def sin(x):
    return Sin()(x)


class Cos(Function):
    """cos(x); derivative -sin(x)."""

    def forward(self, x):
        return np.cos(x)

    def backward(self, gy):
        return (-gy * np.sin(self.inputs[0].data),)

    def vjp(self, gy):
        return (negative(gy) * sin(self.inputs[0]),)


@primitive
def cos(x):
    return Cos()(x)


class Arctan(Function):
    """arctan(x); derivative 1 / (1 + x^2)."""

    def forward(self, x):
        return np.arctan(x)

    def backward(self, gy):
        x = self.inputs[0].data
        return (gy / (1 + x * x),)

    def vjp(self, gy):
        x = self.inputs[0]
        return (gy / (1 + x * x),)


@primitive
def arctan(x):
    return Arctan()(x)


class Arcsin(Function):
    """arcsin(x); derivative 1 / sqrt(1 - x^2): inf at ±1, as jax and torch give it."""

    def forward(self, x):
        return np.arcsin(x)

    def backward(self, gy):
        x = self.inputs[0].data
        return (gy / np.sqrt(1 - x * x),)  # ±1: inf; beyond: nan

    def vjp(self, gy):
        x = self.inputs[0]
        return (gy / sqrt(1 - x * x),)


@primitive
def arcsin(x):
    return Arcsin()(x)


class Arctan2(Function):
    """atan2(y, x), the angle of the point (x, y) in [-pi, pi] (numpy's, so infinities and
    large values need no care); d/dy = x / (x² + y²), d/dx = -y / (x² + y²) (NaN at the
    origin, as in Keras's backends)."""

    def forward(self, y, x):
        return np.arctan2(y, x)

    def backward(self, gy):
        y, x = self.inputs
        scale = gy / (x.data * x.data + y.data * y.data)
        return (unbroadcast(scale * x.data, y.shape) if y.requires_grad else None,
                unbroadcast(-scale * y.data, x.shape) if x.requires_grad else None)

    def vjp(self, gy):
        y, x = self.inputs
        scale = gy / (x * x + y * y)
        return (sum_to(scale * x, y.shape) if y.requires_grad else None,
                sum_to(negative(scale) * y, x.shape) if x.requires_grad else None)


@primitive
def arctan2(x1, x2):  # keras.ops's argument names: the angle of (x2, x1)
    y, x = operands(x1, x2)
    return Arctan2()(y, x)


class Cast(Function):
    replayable = True

    def __init__(self, dtype):
        self.dtype = np.dtype(dtype)

    def forward(self, x):
        return x.astype(self.dtype, copy=False)

    def backward(self, gy):
        return (gy.astype(self.inputs[0].dtype, copy=False),)

    def vjp(self, gy):
        return (cast(gy, self.inputs[0].dtype),)


@primitive
def cast(x, dtype):
    return Cast(dtype)(x)


class Rescale(Function):
    """``cast(x, dtype) * scale + offset`` (a Rescaling layer), rounded as those three ops
    round; ``scale`` and ``offset`` python floats or arrays, taken in ``dtype``. On the
    input alone it is a node all the same (``records_alone``), so a recorded step rescales
    each batch again; replayable with float factors (compared between recordings)."""

    records_alone = True

    def __init__(self, dtype, scale, offset):
        self.dtype, self.scale, self.offset = np.dtype(dtype), scale, offset
        self.replayable = compared(scale, offset)

    def _factor(self, value):
        """``value`` in ``dtype``: a float as the cached read-only constant."""
        return number_constant(value, self.dtype) if isinstance(value, float) \
            else np.asarray(value, self.dtype)

    def forward(self, x):
        y = np.multiply(x.astype(self.dtype, copy=False), self._factor(self.scale))
        offset = self._factor(self.offset)
        if np.broadcast_shapes(y.shape, offset.shape) == y.shape:
            return np.add(y, offset, out=y)  # y is new: the sum into it
        return y + offset

    def backward(self, gy):
        x = self.inputs[0]
        g = unbroadcast(gy * self._factor(self.scale), x.shape)
        return (g.astype(x.dtype, copy=False),)

    def vjp(self, gy):
        x = self.inputs[0]
        return (cast(sum_to(multiply(gy, self._factor(self.scale)), x.shape), x.dtype),)


@primitive
def rescale(x, dtype, scale, offset):
    """``cast(x, dtype) * scale + offset``; ``scale`` and ``offset`` python floats or arrays
    of numbers."""
    return Rescale(dtype, scale, offset)(x)


def erf_values(x):
    """erf(x) to float64 accuracy using numpy only.

    For |x| < 2.5 a Maclaurin series (alternating terms, enough of them for
    1e-16); beyond, erfc's continued fraction. Both from Abramowitz & Stegun 7.1.
    """
    x = np.asarray(x)
    dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64
    z = np.abs(x.astype(np.float64))
    out = np.empty_like(z)
    small = z < 2.5
    out[small] = _erf_series(z[small])
    out[~small] = 1 - _erfc_continued_fraction(z[~small])
    return (np.sign(x) * out).astype(dtype)


def _erf_series(z):
    # erf z = 2/sqrt(pi) * sum_n (-1)^n z^(2n+1) / (n! (2n+1))
    term = z.copy()
    total = z.copy()
    z2 = z * z
    for n in range(1, 60):
        term = -term * z2 / n
        total += term / (2 * n + 1)
    return total * (2 / np.sqrt(np.pi))


def _erfc_continued_fraction(z):
    # erfc z = exp(-z^2)/sqrt(pi) * 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + 2/(z + ...)))))
    frac = z.copy()
    for k in range(60, 0, -1):
        frac = z + (k / 2) / frac
    return np.exp(-z * z) / np.sqrt(np.pi) / frac
