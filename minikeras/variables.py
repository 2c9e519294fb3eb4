"""keras.Variable: a named, assignable array that autodiff treats as a leaf; and
keras.StatelessScope, inside which variables read given values and assignments to them are
recorded instead of applied."""
import math

import numpy as np

from . import backend
from .autodiff.tensor import Tensor, python_numbers_array
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


_assignments = [0]


def assignment_count():
    """How many assignments to variables (``assign``, ``assign_add``, ``assign_sub``) have
    run so far: a computation that leaves it unchanged assigned to none."""
    return _assignments[0]


def _returns_new_arrays(initializer):
    """Whether ``initializer`` is one of minikeras's own, whose calls return an array made
    for the call (no initializer keeps or shares what it returns)."""
    call = getattr(type(initializer), "__call__", None)
    return getattr(call, "__module__", "").startswith("minikeras.initializers.")


def _sole_c_array(value):
    """Whether ``value`` is a plain, writeable, C-contiguous array owning its memory."""
    flags = value.flags
    return (type(value) is np.ndarray and flags.owndata and flags.c_contiguous
            and flags.writeable and flags.aligned)


class Variable(Tensor):
    """A mutable array owned by a layer, metric or optimizer.

    Args:
        initializer: initial value (array-like) or an initializer (callable
            ``f(shape, dtype)`` or its string name, which then needs ``shape``).
        shape: the shape, required with a callable initializer.
        dtype: dtype name; default: an array's own dtype (float64 stays float64, as in
            Keras), ``backend.floatx()`` for python floats and initializer functions,
            int32 for python ints (as Keras converts them).
        trainable: whether optimizers update it and gradients flow to it.
        name: short name (``"kernel"``); ``path`` adds the owner's scope.
    """

    __slots__ = ("_trainable", "path", "constraint", "regularizer", "aggregation",
                 "synchronization", "_created", "_created_trainable")

    def __init__(self, initializer, shape=None, dtype=None, trainable=True, autocast=True,
                 aggregation="none", synchronization="auto", name=None):
        del autocast  # accepted for Keras compatibility; nothing to do
        if _STATELESS.open:
            _STATELESS.open[-1].check_creation(name, initializer)
        if isinstance(initializer, str):
            from . import initializers  # lazy: initializers sit above this module
            initializer = initializers.get(initializer)
        if callable(initializer):
            if shape is None:
                raise ValueError(
                    "When creating a Variable from an initializer, the `shape` argument "
                    f"must be specified. Received: initializer={initializer} and shape=None")
            dtype_name = backend.standardize_dtype(dtype)
            _check_dimensions(shape, name)
            charge_load_bytes(math.prod(int(d) for d in shape) * np.dtype(dtype_name).itemsize,
                              f"variable '{name}' of shape {tuple(shape)}")
            value = initializer(tuple(shape), dtype=backend.standardize_dtype(dtype))
            fresh = type(value) is np.ndarray and _returns_new_arrays(initializer)
        else:
            value, fresh = initializer, False
        typed = isinstance(value, (Tensor, np.ndarray))
        value = np.asarray(value.data if isinstance(value, Tensor) else value)
        if dtype is not None:  # Keras's names: "int" is int32, as on Keras's torch backend
            # no copy here when the dtype already matches: np.array below makes the one copy
            value = value.astype(backend.standardize_dtype(dtype), copy=False)
        elif not typed:  # python numbers: Keras's dtypes (floatx, int32); an array keeps its own
            value = python_numbers_array(value)
        # own the storage, C-contiguous (views and reshapes); an array one of minikeras's
        # initializers made for this call already is that: no copy (ResNet152 builds ~5% faster)
        if not (fresh and _sole_c_array(value)):
            value = np.array(value, order="C")
        if shape is not None and tuple(shape) != value.shape:
            raise ValueError(
                f"Initial value for variable '{name}' has shape {value.shape}, "
                f"but `shape` is {tuple(shape)}.")
        # unnamed: "variable", "variable_1", ... counted over the process, as Keras does
        super().__init__(value, requires_grad=trainable, name=name or auto_name("variable"))
        self._trainable = self._created_trainable = trainable  # see Layer.weights
        self.path = scoped(self.name)
        self.constraint = None
        self.regularizer = None
        self.aggregation = aggregation
        self.synchronization = synchronization  # kept as Keras keeps it; one process here
        structure_changed()
        self._created = _structure[0]  # creation order: Keras orders a layer's weights by it

    @property
    def value(self):
        """The current value (the array itself, not a copy)."""
        return self.data

    @property
    def dtype(self):
        """The dtype's name (``"float32"``): a str, as Keras's variables give it on every
        backend (a tensor's ``dtype`` stays the array's dtype, as on Keras's jax backend)."""
        return self.data.dtype.name

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
        _assignments[0] += 1
        value = np.asarray(value.data if isinstance(value, Tensor) else value)
        problem = self.assignment_problem(value)
        if problem:
            raise ValueError(problem)
        if _STATELESS.open:
            _STATELESS.open[-1].add_update((self, value))
        else:
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
        return self._assign_combined(np.add, value)

    def assign_sub(self, value):
        return self._assign_combined(np.subtract, value)

    def _assign_combined(self, ufunc, value):
        """``ufunc(value now, value)`` as the new value: in place, or recorded in an open
        StatelessScope."""
        _assignments[0] += 1
        value = np.asarray(value.data if isinstance(value, Tensor) else value,
                           dtype=self.data.dtype)
        if _STATELESS.open:
            _STATELESS.open[-1].add_update((self, ufunc(self.data, value)))
        else:
            ufunc(self.data, value, out=self.data)
        return self

    def __repr__(self):
        # a scalar shows as a Python number, as Keras prints it (0.0010000000474974513)
        value = self.data.item() if self.data.ndim == 0 else self.data
        return (f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, "
                f"value={value}>")

    __str__ = __repr__  # print(variable) shows the path too, as in Keras


def _check_dimensions(shape, name):
    """Keras's errors for a shape with a dimension that is not an integer (a list left in a
    config's ``kernel_size``, say) or is None."""
    for dim in shape:
        if dim is not None and (isinstance(dim, bool) or not isinstance(dim, (int, np.integer))):
            raise ValueError(f"Cannot convert '{tuple(shape)}' to a shape. Found invalid "
                             f"dimension '{dim}' of type '{type(dim)}'. ")
    if None in tuple(shape):
        raise ValueError("Shapes used to initialize variables must be fully-defined (no "
                         f"`None` dimensions). Received: shape={tuple(shape)} for variable "
                         f"path='{name or 'variable'}'")


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


# ---- keras.StatelessScope --------------------------------------------------------------------
class StatelessScope(backend.Scope):
    """A scope in which no variable changes.

    Inside it, each variable of ``state_mapping`` reads the value given for it, and every
    assignment (``assign``, ``assign_add``, ``assign_sub``) is recorded in the scope instead
    of kept: later reads inside the scope see it, :meth:`get_current_value` returns it, and
    on exit every variable has the value it had before the scope.

    Args:
        state_mapping: pairs ``(variable, value)``; each value must have its variable's
            shape and is cast to its dtype.
        collect_losses: whether the losses layers add (``add_loss``, activity regularizers)
            inside the scope are also collected in ``scope.losses``.
        initialize_variables: Keras defers the initialization of variables created inside a
            scope until it exits when this is True, and leaves them uninitialized when
            False. minikeras initializes a variable when it is created, so with True a
            variable created from an initializer inside the scope is usable at once, and
            with False creating one raises ValueError instead of leaving it uninitialized.

    The values live in the variables' own arrays while the scope is open (they are copied in
    on entry and the saved values copied back on exit), so code that reads a variable's
    array directly sees the scope's values too.
    """

    def __init__(self, state_mapping=None, collect_losses=False, initialize_variables=True):
        for flag, value in (("collect_losses", collect_losses),
                            ("initialize_variables", initialize_variables)):
            if not isinstance(value, bool):
                raise ValueError(f"`{flag}` must be a bool. Received: {flag}={value!r}")
        self.collect_losses = collect_losses
        self.initialize_variables = initialize_variables
        self.losses = []
        self.state_mapping = {}
        self._variables, self._saved = {}, {}
        try:
            pairs = list(state_mapping or ())
        except TypeError:
            raise ValueError("`state_mapping` must be a list of (variable, value) pairs. "
                             f"Received: state_mapping={state_mapping!r}") from None
        for pair in pairs:
            if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
                raise ValueError("`state_mapping` must be a list of (variable, value) pairs. "
                                 f"Received the entry {pair!r}")
            variable, value = pair
            if not isinstance(variable, Variable):
                raise ValueError("Invalid reference variable in StatelessScope: all keys in "
                                 "argument `mapping` must be Variable instances. Received "
                                 f"instead: {variable!r}")
            value = np.asarray(value.data if isinstance(value, Tensor) else value,
                               dtype=variable.data.dtype)
            if value.shape != variable.data.shape:
                raise ValueError(
                    "Invalid variable value in StatelessScope: all values in argument "
                    "`mapping` must be tensors with a shape that matches the corresponding "
                    f"variable shape. For variable '{variable.path}' of shape "
                    f"{variable.data.shape}, received a value of shape {value.shape}.")
            self._variables[id(variable)] = variable
            self.state_mapping[id(variable)] = np.array(value)

    _stack = backend.ScopeStack()

    def __enter__(self):
        for key, value in self.state_mapping.items():
            self._write(self._variables[key], value)
        return super().__enter__()

    def __exit__(self, *exc_info):
        super().__exit__(*exc_info)
        for key, (variable, original) in self._saved.items():
            # what the scope's code left in the array (assigned, or written in place as an
            # optimizer's flat update does) is the variable's value in the scope
            self.state_mapping[key] = variable.data.copy()
            variable.data[...] = original
        self._saved.clear()

    def _write(self, variable, value):
        """Put ``value`` in the variable's array, first saving what it held before."""
        if id(variable) not in self._saved:
            self._saved[id(variable)] = (variable, variable.data.copy())
        variable.data[...] = value

    def add_update(self, update):
        """Record ``(variable, value)``: the variable's value inside this scope from now on."""
        variable, value = update
        value = np.array(value.data if isinstance(value, Tensor) else value,
                         dtype=variable.data.dtype)
        self._variables[id(variable)] = variable
        self.state_mapping[id(variable)] = value
        self._write(variable, value)

    def add_loss(self, loss):
        self.losses.append(loss)

    def recorded_updates(self):
        """``[(variable, value)]`` for every variable given or assigned in this scope, the
        value its latest (after the scope: final) one."""
        return [(self._variables[key], self.get_current_value(self._variables[key]))
                for key in self.state_mapping]

    def get_current_value(self, variable):
        """The variable's value in this scope (a Tensor), or None when the scope was given no
        value for it and nothing was assigned to it."""
        if id(variable) in self._saved:  # open: the value is in the variable's array
            return Tensor(variable.data.copy())
        value = self.state_mapping.get(id(variable))
        return None if value is None else Tensor(np.array(value))

    def check_creation(self, name, initializer):
        """Raise when a variable may not be created in this scope (see the class doc)."""
        if not callable(initializer) and not isinstance(initializer, str):
            raise ValueError(
                f"You are attempting to create a variable ('{name}') from a value while in a "
                "stateless scope. This is disallowed. Make sure that all variables are created "
                "before you start using your layer/model objects.")
        if not self.initialize_variables:
            raise ValueError(
                f"Variable '{name}' was created inside a StatelessScope(initialize_variables="
                "False): minikeras initializes every variable when it is created, so it cannot "
                "leave it uninitialized. Create the variable before the scope, or use "
                "initialize_variables=True.")


_STATELESS = StatelessScope._stack


def in_stateless_scope():
    return bool(_STATELESS.open)


def get_stateless_scope():
    """The innermost open StatelessScope, or None."""
    return _STATELESS.innermost()


def check_one_to_one(values, variables, argument, expected):
    """ValueError (Keras's wording) unless ``values`` has one entry per variable."""
    if len(values) != len(variables):
        raise ValueError(f"Argument `{argument}` must be a list of tensors corresponding 1:1 "
                         f"to {expected}. Received list with length {len(values)}, but "
                         f"expected {len(variables)} variables.")


def run_statelessly(fn, variables, values, collect_losses=False):
    """``fn()`` run in a StatelessScope where each of ``variables`` reads the matching entry
    of ``values`` (one per variable); returns (its result, the variables' values after it,
    as Tensors)."""
    variables, values = list(variables), list(values)
    check_one_to_one(values, variables, "values", "the variables")
    with StatelessScope(list(zip(variables, values)), collect_losses=collect_losses) as scope:
        result = fn()
    return result, [scope.get_current_value(v) for v in variables]
