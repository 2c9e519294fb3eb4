"""Elementwise math of ``keras.ops``: arithmetic, exponentials, trigonometry, comparisons.

The arithmetic and ``exp``/``log``/``sqrt``/``tanh``/``erf``/``sin``/``cos``/``arctan`` are
the autodiff primitives themselves; the rest is composed from them, so gradients are
derived. Comparisons, logical functions and rounding work on raw data and return tensors
outside the graph ("no gradient"), like Keras's integer and boolean results.
"""
import math

import numpy as np

from .. import backend
from ..autodiff import primitives as P
from ..autodiff import special
from ..autodiff.elementwise import operands
from ..autodiff.tensor import Tensor, array_dtype
from .core import (as_float, as_float_result, cast, convert_to_tensor, data, is_integer_like,
                   on_float, on_raw_data, stop_gradient)

__all__ = [
    "abs", "absolute", "add", "allclose", "angle", "arccos", "arccosh", "arcsin", "arcsinh",
    "arctan", "arctan2", "arctanh", "cbrt", "ceil", "clip", "conj", "conjugate", "cos", "cosh",
    "deg2rad", "divide", "divide_no_nan", "equal", "erf", "erfc", "erfinv", "exp", "exp2",
    "expm1", "fabs", "floor", "floor_divide", "fmax", "fmin", "fmod", "greater",
    "greater_equal", "heaviside", "hypot", "i0", "imag", "isclose", "isfinite", "isin", "isinf",
    "isnan", "isneginf", "isposinf", "isreal", "ldexp", "less", "less_equal", "log", "log10",
    "log1p", "log2", "logaddexp", "logaddexp2", "logical_and", "logical_not", "logical_or",
    "logical_xor", "maximum", "minimum", "mod", "multiply", "nan_to_num", "negative",
    "nextafter", "not_equal", "power", "rad2deg", "real", "reciprocal", "round", "rsqrt",
    "sign", "signbit", "sin", "sinc", "sinh", "sqrt", "square", "subtract", "tan",
    "true_divide", "trunc",
]


add = P.add
subtract = P.subtract
multiply = P.multiply
power = P.power
maximum = P.maximum
minimum = P.minimum
negative = P.negative
exp = on_float(P.exp)
log = on_float(P.log)
log1p = on_float(P.log1p)
sqrt = on_float(P.sqrt)
absolute = P.abs
abs = P.abs  # noqa: A001
erf = on_float(P.erf)
erfc = on_float(special.erfc)
erfinv = on_float(special.erfinv)
fabs = on_float(P.abs)  # Keras's fabs gives floatx for integers (abs keeps them)


def square(x):
    """``x * x``; bools are squared in int32, as Keras does."""
    x = convert_to_tensor(x)
    return P.square(cast(x, "int32") if x.data.dtype == np.bool_ else x)


def divide(x1, x2):
    """True division; two integer operands divide in floatx, as in Keras (``P.divide``)."""
    return P.divide(x1, x2)


def true_divide(x1, x2):
    """``divide`` under its own name: Keras's ``/`` on a KerasTensor records a TrueDivide node
    (``ops.divide`` a Divide one)."""
    return P.divide(x1, x2)


def clip(x, x_min, x_max):
    """``x`` limited to [x_min, x_max]; integers with float bounds are clipped in floatx,
    bools in int32 (as Keras)."""
    if not isinstance(x, Tensor):  # a list: Keras's dtypes (int32, floatx)
        x = convert_to_tensor(x)
    if x.data.dtype == np.bool_:
        x = cast(x, "int32")
    if is_integer_like(x) and not (is_integer_like(x_min) and is_integer_like(x_max)):
        x = as_float(x)
    return P.clip(x, x_min, x_max)


def sign(x):
    """-1, 0 or 1 by the sign of each element; a bool's sign is itself (True is 1), as in
    Keras."""
    x = convert_to_tensor(x)
    return x if x.data.dtype == bool else P.sign(x)


@on_float
def log2(x):
    return P.divide(P.log(x), math.log(2.0))  # a Python float keeps float16 float16


@on_float
def log10(x):
    return P.divide(P.log(x), math.log(10.0))


@on_float
def expm1(x):
    return P.subtract(P.exp(x), 1.0)


@on_float
def reciprocal(x):
    return P.divide(1.0, x)


def floor_divide(x1, x2):
    x1, x2 = operands(x1, x2)
    return Tensor(np.floor_divide(data(x1), data(x2)))


equal = on_raw_data(np.equal)
not_equal = on_raw_data(np.not_equal)
greater = on_raw_data(np.greater)
greater_equal = on_raw_data(np.greater_equal)
less = on_raw_data(np.less)
less_equal = on_raw_data(np.less_equal)
logical_and = on_raw_data(np.logical_and)
logical_or = on_raw_data(np.logical_or)
logical_not = on_raw_data(np.logical_not)
logical_xor = on_raw_data(np.logical_xor)
isnan = on_raw_data(np.isnan)
isinf = on_raw_data(np.isinf)
isfinite = on_raw_data(np.isfinite)
isneginf = on_raw_data(np.isneginf)
isposinf = on_raw_data(np.isposinf)
signbit = on_raw_data(np.signbit)
floor = on_float(on_raw_data(np.floor))  # Keras floors and ceils integers in floatx
ceil = on_float(on_raw_data(np.ceil))
round = on_raw_data(np.round)  # noqa: A001


def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    return Tensor(np.isclose(data(x1), data(x2), rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """One boolean: whether every ``|x1 - x2| <= atol + rtol * |x2|``."""
    return Tensor(np.allclose(data(x1), data(x2), rtol=rtol, atol=atol, equal_nan=equal_nan))


def isin(x1, x2, assume_unique=False, invert=False):
    """Whether each element of ``x1`` occurs in ``x2`` (``invert``: does not occur)."""
    return Tensor(np.isin(data(x1), data(x2), assume_unique=assume_unique, invert=invert))


def isreal(x):
    """True everywhere: minikeras tensors are real."""
    return Tensor(np.isreal(data(x)))


def angle(x):
    """The argument of each element: ``atan2(imag, real)`` for complex tensors (float32
    from complex64); for real ones pi for negatives, 0 otherwise (floatx for ints)."""
    x = convert_to_tensor(x)
    if x.data.dtype.kind == "c":
        return Tensor(np.angle(x.data))
    x = as_float(x)
    return Tensor(np.angle(data(x)).astype(x.data.dtype))


def nextafter(x1, x2):
    """The next representable float after ``x1`` towards ``x2``, in their
    ``float_result_dtype`` (no gradient)."""
    x1, x2 = as_float_result(x1, x2)
    return Tensor(np.nextafter(data(x1), data(x2)))


def i0(x):
    """The modified Bessel function of the first kind, order 0 (no gradient)."""
    x = as_float(x)
    return Tensor(np.i0(data(x)).astype(x.dtype))


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    x = convert_to_tensor(x)
    if not backend.is_float_dtype(x.dtype):
        return x
    fixed = np.nan_to_num(x.data, nan=nan, posinf=posinf, neginf=neginf)
    return P.where(np.isfinite(x.data), x, fixed)


def sin(x):
    return P.sin(as_float(x))


def cos(x):
    return P.cos(as_float(x))


def tan(x):
    x = as_float(x)
    return P.divide(P.sin(x), P.cos(x))


def arctan(x):
    return P.arctan(as_float(x))


def arcsin(x):
    """Formula: ``arcsin(x)`` (±pi/2 at ±1, NaN beyond; the gradient is inf at ±1)."""
    return P.arcsin(as_float(x))


def arccos(x):
    """Formula: ``arccos(x) = pi/2 - arcsin(x)``."""
    return P.subtract(math.pi / 2, arcsin(x))


def arctan2(x1, x2):
    """Angle of the point (x2, x1), in [-pi, pi], like ``numpy.arctan2(y=x1, x=x2)``, in
    their ``float_result_dtype``; a Python float is a float32 tensor first, as Keras
    converts it (float16 with 2.5 gives float32)."""
    x1, x2 = (convert_to_tensor(x) if isinstance(x, float) else x for x in (x1, x2))
    return P.arctan2(*as_float_result(x1, x2))


def sinh(x):
    x = as_float(x)
    return P.multiply(P.subtract(P.exp(x), P.exp(P.negative(x))), 0.5)


def cosh(x):
    x = as_float(x)
    return P.multiply(P.add(P.exp(x), P.exp(P.negative(x))), 0.5)


# Beyond this |x|, sqrt(x² ± 1) is |x| to float64 precision (they differ by 1 / (2|x|)),
# and from 1.8e19 on x² overflows float32: arcsinh and arccosh are log(2|x|) there,
# computed as log|x| + log 2
_ARC_HYPERBOLIC_LARGE = 1e8


def arcsinh(x):
    """Formula: ``sign(x) * log(|x| + sqrt(x^2 + 1))`` (odd, stable for large negative x;
    ``log|x| + log 2`` for large |x|, where x² would overflow)."""
    x = as_float(x)
    a = P.abs(x)
    large = data(a) > _ARC_HYPERBOLIC_LARGE
    small = P.where(large, 1.0, a)
    near = P.log(P.add(small, P.sqrt(P.add(P.square(small), 1.0))))
    far = P.add(P.log(P.where(large, a, 1.0)), math.log(2.0))
    return P.multiply(P.sign(x), P.where(large, far, near))


def arccosh(x):
    """Formula: ``log(x + sqrt(x^2 - 1))`` (``log x + log 2`` for large x, where x² would
    overflow; NaN below 1)."""
    x = as_float(x)
    large = data(x) > _ARC_HYPERBOLIC_LARGE
    outside = np.abs(data(x)) > _ARC_HYPERBOLIC_LARGE
    small = P.where(outside, 1.0, x)
    root = P.sqrt(P.subtract(P.square(small), 1.0))
    near = P.where(outside, np.nan, P.log(P.add(small, root)))
    return P.where(large, P.add(P.log(P.where(large, x, 1.0)), math.log(2.0)), near)


def arctanh(x):
    x = as_float(x)
    return P.multiply(P.subtract(P.log1p(x), P.log1p(P.negative(x))), 0.5)


def deg2rad(x):
    return P.multiply(as_float(x), math.pi / 180)


def rad2deg(x):
    return P.multiply(as_float(x), 180 / math.pi)


def hypot(x1, x2):
    """``sqrt(x1² + x2²)`` in the dtype the two promote to (floatx for integers), computed
    as ``m sqrt((x1/m)² + (x2/m)²)`` with m the larger magnitude (a constant: the formula is
    the same function for any m > 0), so large values do not overflow; inf if either is."""
    x1, x2 = _promoted_float(x1, x2)
    m = np.maximum(np.abs(data(x1)), np.abs(data(x2)))
    usable = np.isfinite(m) & (m > 0)
    m = np.where(usable, m, 1).astype(x1.dtype)
    out = P.multiply(P.sqrt(P.add(P.square(P.divide(x1, m)), P.square(P.divide(x2, m)))), m)
    return out if usable.all() else P.where(np.isinf(data(x1)) | np.isinf(data(x2)), np.inf,
                                            out)


def _promoted_float(x1, x2):
    """x1 and x2 in the dtype Keras promotes them to, floatx when that is not a float (the
    operands of Keras's hypot and heaviside: an int with a float16 stays float16)."""
    x1, x2 = operands(x1, x2)
    dtype = np.result_type(x1.dtype, x2.dtype)
    if dtype.kind != "f":
        dtype = backend.floatx()
    return cast(x1, dtype), cast(x2, dtype)


def rsqrt(x):
    """Formula: ``1 / sqrt(x)``."""
    return P.divide(1.0, P.sqrt(as_float(x)))


def exp2(x):
    return P.exp(P.multiply(as_float(x), math.log(2.0)))


def cbrt(x):
    x = as_float(x)
    return P.multiply(P.sign(x), P.power(P.abs(x), 1.0 / 3.0))


def fmax(x1, x2):
    """Elementwise maximum where a NaN loses to a number (NaN only if both are NaN)."""
    return _nan_ignoring(P.maximum, x1, x2)


def fmin(x1, x2):
    """Elementwise minimum where a NaN loses to a number (NaN only if both are NaN)."""
    return _nan_ignoring(P.minimum, x1, x2)


def _nan_ignoring(pairwise, x1, x2):
    x1, x2 = operands(x1, x2)
    a, b = np.asarray(data(x1)), np.asarray(data(x2))
    return pairwise(P.where(np.isnan(a), x2, x1), P.where(np.isnan(b), x1, x2))


def fmod(x1, x2):
    """Remainder with the sign of the dividend (C's fmod); the gradient flows to x1.

    Formula: ``x1 - trunc(x1 / x2) · x2``.
    """
    x1, x2 = operands(x1, x2)
    if not (backend.is_float_dtype(x1.dtype) or backend.is_float_dtype(x2.dtype)):
        return Tensor(np.fmod(data(x1), data(x2)))
    quotient = stop_gradient(np.trunc(np.asarray(data(x1)) / np.asarray(data(x2))))
    return _by_infinite_divisor(np.fmod, x1, x2, P.subtract(x1, P.multiply(quotient, x2)))


def sinc(x):
    """Normalized sinc: ``sin(pi x) / (pi x)``, 1 at 0."""
    x = as_float(x)
    zero = data(x) == 0
    pix = P.multiply(P.where(zero, 1.0, x), math.pi)
    return P.where(zero, 1.0, P.divide(P.sin(pix), pix))


def ldexp(x1, x2):
    """``x1 · 2**x2`` for an integer exponent ``x2``.

    Raises:
        TypeError: if ``x2`` is not of an integer dtype.
    """
    x2 = convert_to_tensor(x2)
    if x2.data.dtype.kind not in "iu":
        raise TypeError(f"ldexp exponent must be an integer type. Received: x2 dtype="
                        f"{x2.dtype}")
    x1 = as_float(x1)
    return P.multiply(x1, np.ldexp(np.ones((), x1.dtype), data(x2)))


def logaddexp2(x1, x2):
    """Formula: ``log2(2**x1 + 2**x2) = logaddexp(x1 ln2, x2 ln2) / ln2``."""
    ln2 = math.log(2.0)
    x1, x2 = as_float_result(x1, x2)
    return P.divide(logaddexp(P.multiply(x1, ln2), P.multiply(x2, ln2)), ln2)


def logaddexp(x1, x2):
    """Formula: ``m + log(exp(x1 - m) + exp(x2 - m))`` with ``m = max(x1, x2)`` (no overflow),
    in their ``float_result_dtype``."""
    a, b = as_float_result(x1, x2)
    m = np.maximum(data(a), data(b))
    infinite = np.isinf(m)  # +inf wins; both -inf give -inf (m - m would be NaN)
    m = stop_gradient(np.where(infinite, 0, m).astype(m.dtype))
    out = P.add(m, P.log(P.add(P.exp(P.subtract(a, m)), P.exp(P.subtract(b, m)))))
    return P.where(infinite, np.maximum(data(a), data(b)), out) if infinite.any() else out


def divide_no_nan(x1, x2):
    """``x1 / x2``, and 0 wherever ``x2`` is 0, in their ``float_result_dtype``."""
    x1, x2 = as_float_result(x1, x2)
    zero = data(x2) == 0
    return P.where(zero, 0.0, P.divide(x1, P.where(zero, 1.0, x2)))


def mod(x1, x2):
    """Remainder with the sign of the divisor (numpy's ``mod``); the gradient flows to x1.

    Formula: ``x1 - floor(x1 / x2) · x2``.
    """
    x1, x2 = operands(x1, x2)
    if array_dtype(x1) == np.bool_ and array_dtype(x2) == np.bool_:  # Keras: two bools in int32
        x1, x2 = cast(x1, "int32"), cast(x2, "int32")
    if not (backend.is_float_dtype(np.asarray(data(x1)).dtype)
            or backend.is_float_dtype(np.asarray(data(x2)).dtype)):
        return Tensor(np.mod(data(x1), data(x2)))
    quotient = stop_gradient(np.floor(np.asarray(data(x1)) / np.asarray(data(x2))))
    return _by_infinite_divisor(np.mod, x1, x2, P.subtract(x1, P.multiply(quotient, x2)))


def _by_infinite_divisor(remainder, x1, x2, out):
    """``out`` (a remainder by formula) with numpy's ``remainder`` of a finite x1 by an
    infinite x2 in place of the formula's NaN (inf times a quotient of 0): x1 itself (its
    gradient kept) where numpy keeps it, else numpy's value (fmod: always x1; mod: x2 when
    the signs differ)."""
    a, b = np.asarray(data(x1)), np.asarray(data(x2))
    special = np.isinf(b) & np.isfinite(a)
    if not special.any():
        return out
    value = remainder(a, b)
    kept = P.where(value == a, x1, value.astype(data(out).dtype))
    return P.where(special, kept, out)


def heaviside(x1, x2):
    """0 where x1 < 0, x2 where x1 == 0, 1 where x1 > 0, in the dtype the two promote to
    (floatx for integers; no gradient)."""
    x1, x2 = _promoted_float(x1, x2)
    return Tensor(np.heaviside(data(x1), data(x2)))


def trunc(x):
    """Round toward zero (no gradient)."""
    return Tensor(np.trunc(data(convert_to_tensor(x))))


def real(x):
    return convert_to_tensor(x)


def imag(x):
    x = convert_to_tensor(x)
    return Tensor(np.zeros_like(data(x)))


conj = conjugate = real
