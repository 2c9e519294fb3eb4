"""Special-function primitives: erfc and erfinv.

Neither can be composed from the other primitives to float32 accuracy: ``1 - erf(x)`` loses
erfc's relative precision for x beyond ~2, and erfinv has no closed form. Values are computed
in float64 (numpy only) and cast back to the input's dtype. Their derivatives are composed of
primitives (erfinv's of itself): each ``vjp`` writes them so, to any order.
"""
import numpy as np

from .elementwise import _erfc_continued_fraction, erf_values, exp
from .function import Function, primitive

TWO_OVER_SQRT_PI = 2 / np.sqrt(np.pi)


def erfc_values(x):
    """erfc(x) = 1 - erf(x), to float64 relative accuracy also in the tails."""
    x = np.asarray(x)
    z = x.astype(np.float64)
    out = np.empty_like(z)
    tail = np.abs(z) >= 2.5  # erfc's continued fraction (A&S 7.1.14) where 1 - erf cancels
    near = ~tail
    out[near] = 1 - erf_values(z[near])
    upper = np.abs(z[tail])
    out[tail] = np.where(z[tail] > 0, 0.0, 2.0) + np.sign(z[tail]) * \
        _erfc_continued_fraction(upper)
    return out.astype(x.dtype)


def erfinv_values(x):
    """erfinv(x) for x in [-1, 1] (±inf at ±1, nan outside).

    A rational first guess (M. Giles, "Approximating the erfinv function", 2010; single
    precision) refined by two Newton steps on erf(y) = x in float64.
    """
    x = np.asarray(x)
    z = x.astype(np.float64)
    inside = np.abs(z) < 1
    s = np.where(inside, z, 0.0)
    w = -np.log((1 - s) * (1 + s))
    central, tail = w - 2.5, np.sqrt(w) - 3
    p_central = np.polyval([2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
                            0.00021858087, -0.00125372503, -0.00417768164, 0.246640727,
                            1.50140941], central)
    p_tail = np.polyval([-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844,
                         0.00573950773, -0.0076224613, 0.00943887047, 1.00167406,
                         2.83297682], tail)
    y = np.where(w < 5, p_central, p_tail) * s
    for _ in range(2):
        y = y - (erf_values(y) - s) / (TWO_OVER_SQRT_PI * np.exp(-y * y))
    y = np.where(inside, y, np.where(np.abs(z) == 1, np.copysign(np.inf, z), np.nan))
    return y.astype(x.dtype)


class Erfc(Function):
    """erfc(x); derivative -2/sqrt(pi) exp(-x^2)."""

    def forward(self, x):
        return erfc_values(x)

    def backward(self, gy):
        x = self.inputs[0].data
        return (-gy * TWO_OVER_SQRT_PI * np.exp(-x * x),)

    def vjp(self, gy):
        x = self.inputs[0]
        return (gy * exp(-(x * x)) * np.asarray(-TWO_OVER_SQRT_PI, x.dtype),)


@primitive
def erfc(x):
    return Erfc()(x)


class Erfinv(Function):
    """erfinv(x); derivative sqrt(pi)/2 exp(erfinv(x)^2) (the inverse function's rule)."""

    def forward(self, x):
        self.y = erfinv_values(x)
        return self.y

    def backward(self, gy):
        return (gy * np.exp(self.y * self.y) / TWO_OVER_SQRT_PI,)

    def vjp(self, gy):
        y = erfinv(self.inputs[0])  # recorded
        return (gy * exp(y * y) / np.asarray(TWO_OVER_SQRT_PI, y.dtype),)


@primitive
def erfinv(x):
    return Erfinv()(x)
