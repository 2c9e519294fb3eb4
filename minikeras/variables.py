"""keras.Variable: a named, assignable array that autodiff treats as a leaf."""
import math

import numpy as np

from . import backend
from .autodiff.tensor import Tensor
from .config import charge_load_bytes
from .naming import auto_name, scoped

_NUMERIC_KINDS = "biuf"  # numpy dtype kinds a variable takes: bool, signed, unsigned, float


_structure = [0]


def structure_version():
    """A counter that changes whenever variables are created or change trainability.

    Layers bump it too (``structure_changed``) when their own structure changes, so a
    trainer can cache its list of trainable variables and check it in O(1) per step.
    """
    return _structure[0]


def structure_changed():
    _structure[0] += 1


class Variable(Tensor):
    """A mutable array owned by a layer, metric or optimizer.

    Args:
        initializer: initial value (array-like) or an initializer (callable
            ``f(shape, dtype)`` or its string name, which then needs ``shape``).
        shape: the shape, required with a callable initializer.
        dtype: dtype name; default ``backend.floatx()`` for floats.
        trainable: whether optimizers update it and gradients flow to it.
        name: short name (``"kernel"``); ``path`` adds the owner's scope.
    """

    __slots__ = ("_trainable", "path", "constraint", "regularizer", "aggregation")

    def __init__(self, initializer, shape=None, dtype=None, trainable=True, autocast=True,
                 aggregation="none", synchronization="auto", name=None):
        del autocast, synchronization  # accepted for Keras compatibility; nothing to do
        if isinstance(initializer, str):
            from . import initializers  # lazy: initializers sit above this module
            initializer = initializers.get(initializer)
        if callable(initializer):
            if shape is None:
                raise ValueError(
                    "When creating a Variable from an initializer, the `shape` argument "
                    f"must be specified. Received: initializer={initializer} and shape=None")
            dtype_name = backend.standardize_dtype(dtype)
            charge_load_bytes(math.prod(int(d) for d in shape) * np.dtype(dtype_name).itemsize,
                              f"variable '{name}' of shape {tuple(shape)}")
            value = initializer(tuple(shape), dtype=backend.standardize_dtype(dtype))
        else:
            value = initializer
        value = np.asarray(value.data if isinstance(value, Tensor) else value)
        if dtype is not None:
            value = value.astype(dtype)
        elif np.issubdtype(value.dtype, np.floating):
            value = value.astype(backend.floatx())
        value = np.array(value, order="C")  # own the storage, C-contiguous (views and reshapes)
        if shape is not None and tuple(shape) != value.shape:
            raise ValueError(
                f"Initial value for variable '{name}' has shape {value.shape}, "
                f"but `shape` is {tuple(shape)}.")
        # unnamed: "variable", "variable_1", ... counted over the process, as Keras does
        super().__init__(value, requires_grad=trainable, name=name or auto_name("variable"))
        self._trainable = trainable
        self.path = scoped(self.name)
        self.constraint = None
        self.regularizer = None
        self.aggregation = aggregation
        structure_changed()

    @property
    def value(self):
        """The current value (the array itself, not a copy)."""
        return self.data

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        self.requires_grad = self._trainable
        structure_changed()

    def numpy(self):
        return np.array(self.data)

    def assign(self, value):
        """Copy ``value`` into the variable in place (shape must match)."""
        value = np.asarray(value.data if isinstance(value, Tensor) else value)
        problem = self.assignment_problem(value)
        if problem:
            raise ValueError(problem)
        self.data[...] = value
        return self

    def assignment_problem(self, value):
        """Why the array ``value`` cannot be assigned to this variable, or None if it can."""
        if value.shape != self.data.shape:
            return (f"Cannot assign a value of shape {value.shape} to variable '{self.path}' "
                    f"of shape {self.data.shape}.")
        if value.dtype.kind not in _NUMERIC_KINDS:
            return (f"Cannot assign a value of dtype {value.dtype} to variable '{self.path}' "
                    f"of dtype {self.data.dtype}: expected numbers (bool, int or float).")
        return None

    def assign_add(self, value):
        self.data += np.asarray(value.data if isinstance(value, Tensor) else value,
                                dtype=self.data.dtype)
        return self

    def assign_sub(self, value):
        self.data -= np.asarray(value.data if isinstance(value, Tensor) else value,
                                dtype=self.data.dtype)
        return self

    def __repr__(self):
        # a scalar shows as a Python number, as Keras prints it (0.0010000000474974513)
        value = self.data.item() if self.data.ndim == 0 else self.data
        return (f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype.name}, "
                f"value={value}>")


def assign_all_or_none(variables, values, owner, shape_message):
    """Assign ``values[i]`` to ``variables[i]`` only after every pair has passed the checks
    (shape, then ``Variable.assignment_problem``): a bad entry changes nothing.

    ``shape_message(variable, array)`` words the shape error as the caller's API does;
    other problems are prefixed with ``owner``.
    """
    arrays = [np.asarray(v) for v in values]
    for variable, array in zip(variables, arrays):
        if array.shape != variable.shape:
            raise ValueError(shape_message(variable, array))
        problem = variable.assignment_problem(array)
        if problem:
            raise ValueError(f"{owner}: {problem}")
    for variable, array in zip(variables, arrays):
        variable.assign(array)
