"""keras.initializers: every Keras 3 initializer, under all its Keras names.

Each initializer is called as ``init(shape, dtype=None)`` and returns a numpy
array (dtype ``backend.floatx()`` by default). Names are resolved only through
``INITIALIZERS``; each class registers itself where it is defined.
"""
import numpy as np

from ..autodiff.tensor import Tensor
from .base import INITIALIZERS, Initializer, RandomInitializer, compute_fans
from .constant_initializers import Constant, FixedValue, Identity, Ones, Zeros
from .random_initializers import Orthogonal, RandomNormal, RandomUniform, TruncatedNormal
from .stft import STFT
from .variance_scaling import (GlorotNormal, GlorotUniform, HeNormal, HeUniform, LecunNormal,
                               LecunUniform, VarianceScaling)

# Keras's lower-case and compatibility spellings of the classes.
constant = Constant
zeros = zero = Zeros
ones = one = Ones
identity = IdentityInitializer = Identity
orthogonal = OrthogonalInitializer = Orthogonal
random_normal = normal = RandomNormal
random_uniform = uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
glorot_uniform = GlorotUniform
glorot_normal = GlorotNormal
he_uniform = HeUniform
he_normal = HeNormal
lecun_uniform = LecunUniform
lecun_normal = LecunNormal
STFTInitializer = stft = STFT

_MODULE = "keras.initializers"


def serialize(initializer):
    """The Keras config dict of an initializer (None stays None).

    A registered or custom class gives ``{"module", "class_name", "config",
    "registered_name"}``; a plain function gives a ``"function"`` entry naming it;
    the fixed-array initializer from ``get(array)`` is stored as a ``Constant``.
    """
    if initializer is None:
        return None
    if isinstance(initializer, FixedValue):
        return {"module": _MODULE, "class_name": "Constant", "config": initializer.get_config(),
                "registered_name": None}
    return INITIALIZERS.serialize(initializer, _MODULE)


def deserialize(config, custom_objects=None):
    """Rebuild an initializer from a config dict (or a name)."""
    return INITIALIZERS.instance(config, custom_objects)


def get(identifier):
    """Resolve an initializer identifier.

    Args:
        identifier: None (returns None); a name such as ``"glorot_uniform"``,
            ``"GlorotUniform"``, ``"normal"`` or ``"constant"``; a config dict; an
            initializer class (instantiated with defaults); a callable (returned as is);
            or a numpy array / Tensor, which becomes an initializer returning exactly
            that array (the requested shape must match it).

    Raises:
        ValueError: for an unknown name (listing the closest names) or any other input.
    """
    if isinstance(identifier, (np.ndarray, np.generic, Tensor)):
        return FixedValue(identifier)
    if isinstance(identifier, (int, float)):
        raise ValueError(
            f"Could not interpret initializer identifier: {identifier}. To fill a weight "
            f"with {identifier!r}, use keras.initializers.Constant({identifier!r}).")
    return INITIALIZERS.get_instance(identifier)
