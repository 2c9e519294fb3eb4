"""Initializers with fixed distribution parameters, and the orthogonal initializer."""
import math

from .. import backend
from ..arguments import check_number
from .base import (INITIALIZERS, RandomInitializer, affine, float_dtype, standard_normal,
                   standardize_shape, truncated_standard_normal, uniform)


@INITIALIZERS.register("RandomNormal", "random_normal", "normal")
class RandomNormal(RandomInitializer):
    """Initializer drawing from a normal distribution.

    Formula:
        w ~ N(mean, stddev^2)

    Args:
        mean: mean of the values (default 0.0).
        stddev: standard deviation of the values (default 0.05), >= 0.
        seed: None, an integer or a numpy Generator (see ``RandomInitializer``).
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = float(check_number("RandomNormal", "mean", mean))
        self.stddev = float(check_number("RandomNormal", "stddev", stddev, low=0.0))
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape, "RandomNormal")
        dtype = float_dtype(dtype, "RandomNormal")
        z = standard_normal(self._generator(), shape, dtype)
        return affine(z, self.stddev, self.mean, dtype)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


@INITIALIZERS.register("RandomUniform", "random_uniform", "uniform")
class RandomUniform(RandomInitializer):
    """Initializer drawing from a uniform distribution.

    Formula:
        w ~ U(minval, maxval)

    Args:
        minval: lower bound (default -0.05).
        maxval: upper bound (default 0.05), >= minval.
        seed: None, an integer or a numpy Generator (see ``RandomInitializer``).
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = float(check_number("RandomUniform", "minval", minval))
        self.maxval = float(check_number("RandomUniform", "maxval", maxval))
        if self.maxval < self.minval:
            raise ValueError(
                f"RandomUniform: `maxval` must be >= `minval`. Received: minval={minval!r}, "
                f"maxval={maxval!r}. Swap the two arguments.")
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape, "RandomUniform")
        dtype = float_dtype(dtype, "RandomUniform")
        return uniform(self._generator(), self.minval, self.maxval, shape, dtype
                       ).astype(dtype, copy=False)

    def get_config(self):
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


@INITIALIZERS.register("TruncatedNormal", "truncated_normal")
class TruncatedNormal(RandomInitializer):
    """Initializer drawing from a normal distribution cut at two standard deviations.

    Values farther than ``2 * stddev`` from the mean are drawn again, so the
    result's standard deviation is ``0.87962566 * stddev``.

    Formula:
        w ~ N(mean, stddev^2) restricted to [mean - 2 stddev, mean + 2 stddev]

    Args:
        mean: mean of the values (default 0.0).
        stddev: standard deviation before truncation (default 0.05), >= 0.
        seed: None, an integer or a numpy Generator (see ``RandomInitializer``).
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = float(check_number("TruncatedNormal", "mean", mean))
        self.stddev = float(check_number("TruncatedNormal", "stddev", stddev, low=0.0))
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape, "TruncatedNormal")
        dtype = float_dtype(dtype, "TruncatedNormal")
        z = truncated_standard_normal(self._generator(), shape, dtype)
        return affine(z, self.stddev, self.mean, dtype)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


@INITIALIZERS.register("Orthogonal", "orthogonal", "OrthogonalInitializer")
class Orthogonal(RandomInitializer):
    """Initializer producing a random (semi-)orthogonal matrix times ``gain``.

    The shape is viewed as a matrix of ``prod(shape[:-1])`` rows and ``shape[-1]``
    columns; a normal matrix is QR-decomposed and Q (sign-fixed by diag(R), which
    makes it uniformly distributed) is used. Then ``WᵀW = gain²·I`` when
    rows >= columns, and ``WWᵀ = gain²·I`` otherwise.

    Formula:
        A ~ N(0, 1) of shape (max(r, c), min(r, c)); Q, R = qr(A);
        W = gain * reshape(Q * sign(diag(R)), shape) (transposed first when r < c)

    Args:
        gain: multiplicative factor (default 1.0).
        seed: None, an integer or a numpy Generator (see ``RandomInitializer``).
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = float(check_number("Orthogonal", "gain", gain))
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape, "Orthogonal")
        if len(shape) < 2:
            raise ValueError(
                "The tensor to initialize must be at least two-dimensional. Received: "
                f"shape={shape} of rank {len(shape)}. Use another initializer (e.g. 'zeros') "
                "for vectors such as biases.")
        dtype = float_dtype(dtype, "Orthogonal")
        xp = backend.xp
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = standard_normal(self._generator(), (max(rows, cols), min(rows, cols)), dtype)
        q, r = xp.linalg.qr(a)  # q: (max, min) with orthonormal columns
        q = q * xp.where(xp.diag(r) < 0, -1, 1).astype(q.dtype)  # sign fix; a 0 counts as +
        if rows < cols:
            q = q.T  # (rows, cols) with orthonormal rows
        return affine(q.reshape(shape), self.gain, 0.0, dtype)

    def get_config(self):
        return {**super().get_config(), "gain": self.gain}
