"""Deterministic initializers: Zeros, Ones, Constant, Identity, and fixed arrays."""
import numpy as np

from .. import backend
from ..arguments import array_of_numpy_config, check_number, numpy_config, plain
from ..autodiff.tensor import Tensor
from .base import INITIALIZERS, Initializer, standardize_shape


@INITIALIZERS.register("Zeros", "zeros", "zero")
class Zeros(Initializer):
    """Initializer that fills the array with 0.

    Formula:
        w = 0
    """

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape, "Zeros")
        return backend.xp.zeros(shape, dtype=backend.standardize_dtype(dtype))


@INITIALIZERS.register("Ones", "ones", "one")
class Ones(Initializer):
    """Initializer that fills the array with 1.

    Formula:
        w = 1
    """

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape, "Ones")
        return backend.xp.ones(shape, dtype=backend.standardize_dtype(dtype))


@INITIALIZERS.register("Constant", "constant")
class Constant(Initializer):
    """Initializer that fills the array with ``value`` (broadcast to the shape).

    Formula:
        w = value

    Args:
        value: a number (default 0.0) or an array-like broadcastable to the shapes
            the initializer will be called with. ``get("constant")`` gives value 0.0
            (Keras 3 raises KeyError there).
    """

    def __init__(self, value=0.0):
        array = backend.xp.asarray(value.data if isinstance(value, Tensor) else value)
        if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
                or array.dtype == np.bool_):
            raise ValueError(
                f"Constant: `value` must be a number or a numeric array. Received: value={value!r}")
        if array.ndim == 0:
            value = array.item()  # a python number, also for numpy / 0-d inputs
            if not isinstance(value, (bool, int)):
                value = float(value)  # complex values were refused above by the dtype check
        elif not isinstance(value, (list, tuple)):  # a list stays as given, as in Keras
            value = array
        self.value = value

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape, "Constant")
        dtype = backend.standardize_dtype(dtype)
        value = backend.xp.asarray(self.value, dtype=dtype)
        try:
            return backend.xp.broadcast_to(value, shape).copy()
        except ValueError:
            raise ValueError(
                f"Constant: the value of shape {value.shape} cannot be broadcast to the requested "
                f"shape {shape}. Give a scalar or an array broadcastable to {shape}.") from None

    def get_config(self):
        # as Keras: an array is written as its "__numpy__" config (values and dtype)
        if isinstance(self.value, np.ndarray):
            return {"value": numpy_config(self.value)}
        return {"value": plain(self.value)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        value = config.get("value")
        if isinstance(value, dict) and value.get("class_name") == "__numpy__":
            config["value"] = array_of_numpy_config(value)
        return cls(**config)


@INITIALIZERS.register("Identity", "identity", "IdentityInitializer")
class Identity(Initializer):
    """Initializer that makes a (possibly rectangular) identity matrix times ``gain``.

    Only for 2-D shapes.

    Formula:
        w[i, j] = gain if i == j else 0

    Args:
        gain: multiplicative factor (default 1.0).
    """

    def __init__(self, gain=1.0):
        self.gain = float(check_number("Identity", "gain", gain))

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape, "Identity")
        if len(shape) != 2:
            raise ValueError(
                "Identity initializer can only be used for 2D matrices. Received: "
                f"shape={shape} of rank {len(shape)}. Use it for Dense kernels (in, out) or "
                "pick another initializer for this weight.")
        dtype = backend.standardize_dtype(dtype)
        return (self.gain * backend.xp.eye(*shape)).astype(dtype)

    def get_config(self):
        """Keras 3.15's empty config for the default gain; another gain is written (Keras
        writes none and loses it: docs/porting.md)."""
        return {} if self.gain == 1.0 else {"gain": self.gain}


class FixedValue(Initializer):
    """The initializer ``initializers.get(array)`` returns: exactly that array.

    Unlike ``Constant`` it does not broadcast: the requested shape must equal the
    array's shape. It serializes as ``Constant(value=<nested list>)``.

    Args:
        value: a numpy array or Tensor.
    """

    def __init__(self, value):
        self.value = backend.xp.array(value.data if isinstance(value, Tensor) else value)

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape, "initializer")
        if shape != self.value.shape:
            raise ValueError(
                f"Expected `shape` to be {self.value.shape} for the array given as initializer. "
                f"Received: shape={shape}. Pass an array of shape {shape}, or use "
                "keras.initializers.Constant(value) to broadcast a value.")
        return self.value.astype(backend.standardize_dtype(dtype))

    def get_config(self):
        return {"value": self.value.tolist()}
