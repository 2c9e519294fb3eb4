"""keras.regularizers: weight penalties added to the training loss.

A regularizer is called on a weight (a Variable, Tensor or array) and returns a
scalar Tensor built from ``minikeras.ops``, so its gradient flows to the weight.
Names are resolved only through ``REGULARIZERS``.
"""

import numpy as np

from . import backend, ops
from .arguments import check_number
from .registry import Registry, config_repr

REGULARIZERS = Registry("regularizer")
_MODULE = "keras.regularizers"


def _zero_like(x):
    """A scalar 0 in ``x``'s float dtype (floatx for non-float input)."""
    dtype = x.dtype if backend.is_float_dtype(x.dtype) else backend.floatx()
    return ops.convert_to_tensor(backend.xp.zeros((), dtype=dtype))


@REGULARIZERS.register("Regularizer", "regularizer")
class Regularizer:
    """Base class: ``__call__(x)`` returns a scalar penalty; this base returns 0.

    A subclass with constructor arguments must define ``get_config`` returning them
    (so that models using it can be saved); ``from_config(config)`` calls
    ``cls(**config)``. Any plain function ``f(weight) -> scalar`` also works as a
    regularizer.
    """

    def __call__(self, x):
        return _zero_like(ops.convert_to_tensor(x))

    def get_config(self):
        if type(self) is Regularizer:
            return {}
        raise NotImplementedError(
            f"{type(self).__name__} does not implement get_config(). Define it to return the "
            "constructor arguments as a dict so the regularizer can be saved.")

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return config_repr(self, without_config="...")


@REGULARIZERS.register("L1", "l1")
class L1(Regularizer):
    """L1 penalty (encourages sparse weights).

    Formula:
        penalty = l1 * sum(|w|)

    Args:
        l1: non-negative factor (default 0.01; None also means 0.01).
    """

    def __init__(self, l1=0.01):
        # Keras keeps this factor as a float32 tensor: its config gives the rounded value
        self.l1 = float(np.float32(check_number("L1", "l1", 0.01 if l1 is None else l1,
                                                low=0)))

    def __call__(self, x):
        return ops.multiply(self.l1, ops.sum(ops.abs(x)))

    def get_config(self):
        return {"l1": self.l1}


@REGULARIZERS.register("L2", "l2")
class L2(Regularizer):
    """L2 penalty (weight decay as a loss term; there is no factor 1/2).

    Formula:
        penalty = l2 * sum(w^2)

    Args:
        l2: non-negative factor (default 0.01; None also means 0.01).
    """

    def __init__(self, l2=0.01):
        self.l2 = float(check_number("L2", "l2", 0.01 if l2 is None else l2, low=0))

    def __call__(self, x):
        return ops.multiply(self.l2, ops.sum(ops.square(x)))

    def get_config(self):
        return {"l2": self.l2}


@REGULARIZERS.register("L1L2", "l1l2")
class L1L2(Regularizer):
    """L1 and L2 penalties together.

    Formula:
        penalty = l1 * sum(|w|) + l2 * sum(w^2)

    Args:
        l1: non-negative L1 factor (default 0.0; None also means 0.0).
        l2: non-negative L2 factor (default 0.0; None also means 0.0).

    The class defaults are Keras 3's (0.0). The string ``"l1_l2"`` gives
    ``L1L2(l1=0.01, l2=0.01)``, as in Keras 2 and as Keras's own docstring says.
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = float(check_number("L1L2", "l1", 0.0 if l1 is None else l1, low=0))
        self.l2 = float(check_number("L1L2", "l2", 0.0 if l2 is None else l2, low=0))

    def __call__(self, x):
        x = ops.convert_to_tensor(x)
        penalty = _zero_like(x)
        if self.l1:
            penalty = ops.add(penalty, ops.multiply(self.l1, ops.sum(ops.abs(x))))
        if self.l2:
            penalty = ops.add(penalty, ops.multiply(self.l2, ops.sum(ops.square(x))))
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


def _l1_l2_from_string(l1=0.01, l2=0.01):
    """What the string "l1_l2" means: ``L1L2(l1=0.01, l2=0.01)`` (Keras 2's defaults)."""
    return L1L2(l1=l1, l2=l2)


REGULARIZERS.add(_l1_l2_from_string, "l1_l2")


@REGULARIZERS.register("OrthogonalRegularizer", "orthogonal_regularizer")
class OrthogonalRegularizer(Regularizer):
    """Penalty pushing the rows (or columns) of a 2-D weight towards mutual orthogonality.

    Each row (``mode="rows"``) or column (``mode="columns"``) is scaled to unit
    length; the penalty is the mean absolute cosine between distinct pairs.

    Formula:
        v_i = w_i / max(||w_i||, eps)            (eps = backend.epsilon())
        P = V Vᵀ;  n = number of vectors
        penalty = factor * 0.5 * sum_{i != j} |P_ij| / (n (n - 1) / 2)
        (0 when n < 2, where Keras divides by zero and returns NaN)

    Args:
        factor: non-negative factor (default 0.01).
        mode: "rows" (default) or "columns".
    """

    def __init__(self, factor=0.01, mode="rows"):
        # a float32 tensor in Keras, so its config gives the rounded value
        self.factor = float(np.float32(check_number("OrthogonalRegularizer", "factor",
                                                    factor, low=0)))
        if mode not in ("rows", "columns"):
            raise ValueError(
                "Invalid value for argument `mode`. Expected one of {'rows', 'columns'}. "
                f"Received: mode={mode!r}")
        self.mode = mode

    def __call__(self, x):
        x = ops.convert_to_tensor(x)
        if x.ndim != 2:
            raise ValueError(
                f"Inputs to OrthogonalRegularizer must have rank 2. Received: inputs.shape="
                f"{x.shape}. Use it on Dense kernels (or reshape the weight to 2-D).")
        vectors = x if self.mode == "rows" else ops.transpose(x)  # (n, d): one vector per row
        n = vectors.shape[0]
        if n < 2:
            return ops.multiply(0.0, ops.sum(x))  # no pairs: zero, still connected to x
        eps = backend.epsilon()
        # 1 / max(||v||, eps) written as 1 / sqrt(max(||v||², eps²)): same value, and the
        # gradient stays finite for an all-zero vector.
        sq_norms = ops.sum(ops.square(vectors), axis=1, keepdims=True)     # (n, 1)
        unit = ops.divide(vectors, ops.sqrt(ops.maximum(sq_norms, eps * eps)))
        cosines = ops.matmul(unit, ops.transpose(unit))                     # (n, n)
        off_diagonal = ops.multiply(cosines, 1.0 - backend.xp.eye(n, dtype=cosines.dtype))
        pairs = n * (n - 1) / 2.0
        return ops.multiply(self.factor * 0.5 / pairs, ops.sum(ops.abs(off_diagonal)))

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


# Keras's lower-case spellings are the classes themselves (so l1_l2() has 0.0 defaults).
l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer


def serialize(regularizer):
    """The Keras config dict of a regularizer (None stays None; a function is named)."""
    return REGULARIZERS.serialize(regularizer, _MODULE)


def deserialize(config, custom_objects=None):
    """Rebuild a regularizer from a config dict (or a name)."""
    return REGULARIZERS.instance(config, custom_objects)


def get(identifier):
    """Resolve a regularizer identifier.

    Args:
        identifier: None (returns None); a name (``"l1"``, ``"L2"``, ``"l1l2"``,
            ``"l1_l2"``, ``"orthogonal_regularizer"``, ...) giving an instance with
            default arguments; a config dict; a class (instantiated with defaults); or
            a callable ``f(weight) -> scalar`` (returned as is).
    """
    if isinstance(identifier, (int, float)) and not isinstance(identifier, bool):
        raise ValueError(
            f"Could not interpret regularizer identifier: {identifier}. To penalize weights "
            f"by {identifier!r}, use keras.regularizers.L2({identifier!r}).")
    return REGULARIZERS.get_instance(identifier)
