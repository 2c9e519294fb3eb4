"""keras.constraints: projections applied to a weight after each optimizer update.

The optimizer calls ``new_value = constraint(variable.value)`` on the numpy array
and assigns the result; a constraint returns a new array of the same shape and
dtype and builds no graph. Names are resolved only through ``CONSTRAINTS``.
"""
import numbers

from . import backend
from .arguments import check_number
from .autodiff.tensor import Tensor
from .registry import Registry, config_repr

CONSTRAINTS = Registry("constraint")
_MODULE = "keras.constraints"


def _check_axis(axis, who):
    """An int, or a list of ints (a tuple becomes a list so the config is JSON)."""
    if isinstance(axis, numbers.Integral) and not isinstance(axis, bool):
        return int(axis)
    if isinstance(axis, (list, tuple)) and axis and all(
            isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in axis):
        return [int(a) for a in axis]
    raise ValueError(f"{who}: `axis` must be an integer or a list of integers, e.g. 0 or "
                     f"[0, 1, 2] for a Conv2D kernel. Received: axis={axis!r}")


def _as_array(w):
    return w.data if isinstance(w, Tensor) else backend.xp.asarray(w)


def _norms(w, axis, who):
    """Euclidean norms of ``w`` along ``axis``, kept as size-1 axes for broadcasting."""
    axes = tuple(axis) if isinstance(axis, list) else axis
    try:
        return backend.xp.sqrt(backend.xp.sum(backend.xp.square(w), axis=axes, keepdims=True))
    except (ValueError, IndexError):  # numpy's AxisError subclasses both
        raise ValueError(
            f"{who}: axis={axis!r} is out of range for a weight of shape {w.shape}. "
            f"For a Dense kernel (in, out) use axis=0; for a Conv2D kernel (h, w, in, out) "
            f"use axis=[0, 1, 2].") from None


@CONSTRAINTS.register("Constraint", "constraint")
class Constraint:
    """Base class: ``__call__(w)`` returns the projected array; this base returns ``w``.

    ``get_config`` returns the constructor arguments; ``from_config(config)`` calls
    ``cls(**config)``.
    """

    def __call__(self, w):
        return _as_array(w)

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return config_repr(self)


@CONSTRAINTS.register("MaxNorm", "max_norm", "maxnorm")
class MaxNorm(Constraint):
    """Rescale each weight vector whose norm exceeds ``max_value`` down to that norm.

    Formula:
        n = ||w|| along axis;  w <- w * clip(n, 0, max_value) / (eps + n)
        (eps = backend.epsilon())

    Args:
        max_value: maximum norm (default 2), >= 0.
        axis: axis (or list of axes) the norms are taken over; default 0, i.e. one norm
            per output unit of a Dense kernel (in, out). Use [0, 1, 2] for Conv2D.
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = check_number("MaxNorm", "max_value", max_value, low=0)
        self.axis = _check_axis(axis, "MaxNorm")

    def __call__(self, w):
        w = _as_array(w)
        norms = _norms(w, self.axis, "MaxNorm")
        desired = backend.xp.clip(norms, 0, self.max_value)
        return (w * (desired / (backend.epsilon() + norms))).astype(w.dtype, copy=False)

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


@CONSTRAINTS.register("NonNeg", "non_neg", "nonneg")
class NonNeg(Constraint):
    """Set negative weights to zero.

    Formula:
        w <- max(w, 0)
    """

    def __call__(self, w):
        w = _as_array(w)
        return backend.xp.maximum(w, 0).astype(w.dtype, copy=False)


@CONSTRAINTS.register("UnitNorm", "unit_norm", "unitnorm")
class UnitNorm(Constraint):
    """Rescale each weight vector to unit norm.

    Formula:
        w <- w / (eps + ||w|| along axis)      (eps = backend.epsilon())

    Args:
        axis: axis (or list of axes) the norms are taken over (default 0).
    """

    def __init__(self, axis=0):
        self.axis = _check_axis(axis, "UnitNorm")

    def __call__(self, w):
        w = _as_array(w)
        return (w / (backend.epsilon() + _norms(w, self.axis, "UnitNorm"))).astype(
            w.dtype, copy=False)

    def get_config(self):
        return {"axis": self.axis}


@CONSTRAINTS.register("MinMaxNorm", "min_max_norm")
class MinMaxNorm(Constraint):
    """Move each weight vector's norm into [min_value, max_value], fully or partly.

    Formula:
        n = ||w|| along axis
        desired = rate * clip(n, min_value, max_value) + (1 - rate) * n
        w <- w * desired / (eps + n)           (eps = backend.epsilon())

    Args:
        min_value: minimum norm (default 0.0), >= 0.
        max_value: maximum norm (default 1.0), >= min_value.
        rate: in [0, 1]; 1.0 (default) enforces the bounds at once, smaller values
            move the norm part of the way at each update.
        axis: axis (or list of axes) the norms are taken over (default 0).
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = check_number("MinMaxNorm", "min_value", min_value, low=0)
        self.max_value = check_number("MinMaxNorm", "max_value", max_value,
                                      low=self.min_value)
        self.rate = check_number("MinMaxNorm", "rate", rate, low=0, high=1)
        self.axis = _check_axis(axis, "MinMaxNorm")

    def __call__(self, w):
        w = _as_array(w)
        norms = _norms(w, self.axis, "MinMaxNorm")
        clipped = backend.xp.clip(norms, self.min_value, self.max_value)
        desired = self.rate * clipped + (1 - self.rate) * norms
        return (w * (desired / (backend.epsilon() + norms))).astype(w.dtype, copy=False)

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


# Keras's lower-case spellings (and Keras 2's legacy ones) are the classes themselves.
max_norm = maxnorm = MaxNorm
non_neg = nonneg = NonNeg
unit_norm = unitnorm = UnitNorm
min_max_norm = MinMaxNorm


def serialize(constraint):
    """The Keras config dict of a constraint (None stays None; a function is named)."""
    return CONSTRAINTS.serialize(constraint, _MODULE)


def deserialize(config, custom_objects=None):
    """Rebuild a constraint from a config dict (or a name)."""
    return CONSTRAINTS.instance(config, custom_objects)


def get(identifier):
    """Resolve a constraint identifier.

    Args:
        identifier: None (returns None); a name (``"max_norm"``, ``"NonNeg"``, ...)
            giving an instance with default arguments; a config dict; a class
            (instantiated with defaults); or a callable ``f(array) -> array`` (returned
            as is).
    """
    return CONSTRAINTS.get_instance(identifier)
