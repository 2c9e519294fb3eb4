"""The initializer registry, the Initializer base classes and shared helpers.

An initializer is called as ``init(shape, dtype=None)`` and returns a numpy array
of that shape, of dtype ``backend.floatx()`` unless ``dtype`` says otherwise.
"""
import math
import numbers

import numpy as np

from .. import backend
from .. import random as mk_random
from ..registry import Registry, config_repr

INITIALIZERS = Registry("initializer")


def standardize_shape(shape, who="initializer"):
    """Return ``shape`` as a tuple of non-negative python ints (an int means a 1-D shape)."""
    if isinstance(shape, (numbers.Integral,)) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        raise ValueError(
            f"{who} expected `shape` to be a tuple of integers, e.g. (784, 64). "
            f"Received: shape={shape!r}") from None
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, numbers.Integral) or d < 0:
            raise ValueError(
                f"{who} needs a fully defined shape of non-negative integers. "
                f"Received: shape={shape!r}. Build the layer with a known input shape first.")
    return tuple(int(d) for d in dims)


def compute_fans(shape, input_axes=None, output_axes=None):
    """Return ``(fan_in, fan_out)`` of a weight shape, as Keras counts them.

    Formula:
        with both axis lists: fan_in = prod(shape[input_axes]),
        fan_out = prod(shape[output_axes]); otherwise
        rank 0: (1, 1); rank 1: (n, n); rank 2 (in, out): (in, out);
        rank >= 3: receptive = prod(shape[:-2]),
        fan_in = shape[-2] * receptive, fan_out = shape[-1] * receptive.

    Args:
        shape: the weight shape, e.g. ``(3, 3, 16, 32)`` for a Conv2D kernel.
        input_axes, output_axes: the axes holding input and output units, e.g. ``[0]`` and
            ``[1, 2]`` for an EinsumDense kernel of shape (features, heads, key_dim).
    """
    shape = standardize_shape(shape, "compute_fans")
    if input_axes is not None and output_axes is not None:
        return (math.prod(shape[a] for a in input_axes),
                math.prod(shape[a] for a in output_axes))
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2])  # kernel window size for convolutions, 1 for Dense
    return shape[-2] * receptive, shape[-1] * receptive


def float_dtype(dtype, who):
    """The dtype name for a random draw: ``floatx()`` by default, and it must be a float."""
    name = backend.standardize_dtype(dtype)
    if not backend.is_float_dtype(name):
        raise ValueError(
            f"{who} draws random floats, so `dtype` must be a floating type such as "
            f"'float32'. Received: dtype={name!r}")
    return name


def _draw_dtype(dtype):
    """The dtype numpy's Generator draws in for a variable of ``dtype``.

    Generators draw float32 and float64 natively; half-precision variables get a
    float32 draw cast down, so no draw ever takes more memory than float32 needs
    (a float64 draw would double it for every float32 weight).
    """
    return np.float64 if backend.standardize_dtype(dtype) == "float64" else np.float32


def standard_normal(rng, shape, dtype):
    """N(0, 1) samples of ``shape``, drawn in the variable's precision."""
    return rng.standard_normal(shape, dtype=_draw_dtype(dtype))


def uniform(rng, low, high, shape, dtype):
    """U(low, high) samples of ``shape``, drawn in the variable's precision, scaled in place."""
    u = rng.random(shape, dtype=_draw_dtype(dtype))  # in [0, 1)
    u *= high - low
    u += low
    return u


def truncated_standard_normal(rng, shape, dtype):
    """Standard normal samples restricted to [-2, 2], drawn in the variable's precision.

    Samples outside the interval are drawn again (rejection sampling) until none
    remain: each round rejects about 4.6% of what it draws, so a handful of rounds
    suffice even for millions of values. The result has standard deviation
    0.87962566 (that of a unit normal truncated at two sigma).
    """
    z = standard_normal(rng, shape, dtype)
    outside = _outside_two(z)
    while outside.any():
        z[outside] = standard_normal(rng, int(outside.sum()), dtype)
        outside = _outside_two(z)
    return z


def _outside_two(z):
    """Boolean mask of |z| > 2, built without a float temporary the size of ``z``."""
    outside = z > 2.0
    outside |= z < -2.0
    return outside


def affine(values, scale, shift, dtype):
    """``values * scale + shift`` computed in place, returned in ``dtype``."""
    values *= scale
    values += shift
    return values.astype(dtype, copy=False)


@INITIALIZERS.register("Initializer", "initializer")
class Initializer:
    """Base class: subclasses implement ``__call__(shape, dtype=None)``.

    ``get_config`` returns the constructor arguments as plain python values, and
    ``from_config(config)`` rebuilds the initializer from them.
    """

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(
            f"{type(self).__name__} must implement __call__(shape, dtype=None) returning an "
            "array of that shape. The base Initializer draws no values.")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def clone(self):
        """A new initializer with the same config (an unseeded one gets a fresh seed)."""
        return type(self).from_config(self.get_config())

    def __repr__(self):
        return config_repr(self)


class RandomInitializer(Initializer):
    """Base class of the initializers that draw random numbers.

    Seeding follows Keras 3: every call of one instance returns the same values.
    ``seed=None`` draws an integer seed from ``minikeras.random`` when the
    initializer is created (so ``keras.utils.set_random_seed(n)`` beforehand makes
    the whole run repeatable); an integer seed gives the same values in every call
    and every process. To get new values at every call, pass a
    ``numpy.random.Generator`` as ``seed``; its state advances with each call (it
    cannot be saved: such an initializer's config stores ``seed=None``).

    Args:
        seed: None, an integer, or a ``numpy.random.Generator``.
    """

    def __init__(self, seed=None):
        if not (seed is None or isinstance(seed, np.random.Generator)
                or (isinstance(seed, numbers.Integral) and not isinstance(seed, bool)
                    and seed >= 0)):
            raise ValueError(
                f"{type(self).__name__}: `seed` must be None, a non-negative integer or a "
                f"numpy.random.Generator. Received: seed={seed!r}")
        self._init_seed = int(seed) if isinstance(seed, numbers.Integral) else seed
        self.seed = mk_random.draw_seed() if seed is None else self._init_seed

    def _generator(self):
        """A generator for one call: fresh from the integer seed, or the stateful one given."""
        return mk_random.make_generator(self.seed)

    def get_config(self):
        return {"seed": self._init_seed if isinstance(self._init_seed, int) else None}
