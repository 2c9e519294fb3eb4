"""The Layer base: hyperparameters in __init__, weights in build, math in call."""
import functools
import inspect

import numpy as np

from .. import backend, constraints, initializers, regularizers
from ..autodiff.tensor import Tensor
from ..ops.core import convert_to_tensor
from ..registry import Registry
from ..naming import auto_name, to_snake_case
from ..variables import Variable, structure_changed
from .symbolic import call_structured, edge_cast

LAYERS = Registry("layer")

_DEPRECATED_SHAPE_KWARGS = ("input_shape", "input_dim", "batch_input_shape", "batch_size")
_STRUCTURES = (list, tuple, dict)  # inputs that may hold several tensors (or KerasTensors)


class InputSpec:
    """What a built layer accepts: rank bounds and fixed sizes of some axes."""

    def __init__(self, ndim=None, min_ndim=None, axes=None):
        self.ndim, self.min_ndim, self.axes = ndim, min_ndim, dict(axes or {})

    def problem(self, shape):
        """A description of why ``shape`` does not fit, or None when it does."""
        rank = len(shape)
        if self.ndim is not None and rank != self.ndim:
            return f"expected ndim={self.ndim}, found ndim={rank}"
        if self.min_ndim is not None and rank < self.min_ndim:
            return f"expected min_ndim={self.min_ndim}, found ndim={rank}"
        for axis, size in self.axes.items():
            if size is not None and -rank <= axis < rank and shape[axis] not in (size, None):
                return (f"expected axis {axis} of input shape to have value {size}, "
                        f"but received input with shape {format_shape(shape)}")
        return None


def format_shape(shape):
    """A shape as Keras prints it in messages: ``(None, 3)``, ``(4,)``."""
    shape = tuple(shape)
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (
        ",)" if len(shape) == 1 else ")")


def dtype_policy_config(dtype):
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": dtype},
            "registered_name": None}


def _dtype_name(dtype):
    if isinstance(dtype, dict):  # a serialized DTypePolicy
        dtype = dtype.get("config", {}).get("name")
    return backend.standardize_dtype(dtype)


class Layer:
    """Base class of every layer.

    Subclasses set hyperparameters in ``__init__``, create weights in
    ``build(input_shape)`` with :meth:`add_weight`, and write the math in
    ``call(inputs, training=None)`` with ``keras.ops``. Building happens on the
    first call.
    """

    _saved_as_child = True  # False for layers that never own variables (InputLayer)

    def __new__(cls, *args, **kwargs):
        # Keras's automatic config: a custom layer that does not override get_config is
        # saved with the (plain-valued) arguments it was constructed with.
        obj = super().__new__(cls)
        obj._auto_config = _auto_config(cls, args, kwargs)
        return obj

    def __init__(self, activity_regularizer=None, trainable=True, dtype=None, autocast=True,
                 name=None, **kwargs):
        del autocast
        shape_kwargs = {k: kwargs.pop(k) for k in _DEPRECATED_SHAPE_KWARGS if k in kwargs}
        if kwargs:
            raise ValueError(
                f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}")
        self.name = name or auto_name(to_snake_case(type(self).__name__))
        self.dtype = _dtype_name(dtype)
        self._trainable = bool(trainable)
        self.built = False
        self.input_spec = None
        self._checked_shape = None  # the last input shape that passed input_spec
        self._own_weights = []
        self._activity_losses = []
        self._added_losses, self._added_losses_call = [], -1
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self._input_shape_arg = _shape_from_kwargs(shape_kwargs)
        self._build_input_shape = None
        self._first_call_shape = None

    # ---- weights ---------------------------------------------------------------------
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True, autocast=True,
                   regularizer=None, constraint=None, aggregation="none",
                   overwrite_with_gradient=False, name=None):
        """Create a weight of this layer and track it."""
        del autocast, overwrite_with_gradient
        dtype = backend.standardize_dtype(dtype or self.dtype)
        if initializer is None:
            initializer = "glorot_uniform" if backend.is_float_dtype(dtype) else "zeros"
        variable = Variable(initializers.get(initializer), shape=tuple(shape or ()), dtype=dtype,
                            trainable=trainable, aggregation=aggregation, name=name)
        variable.path = _variable_path(self, variable.name)
        variable.regularizer = regularizers.get(regularizer)
        variable.constraint = constraints.get(constraint)
        self._own_weights.append(variable)
        return variable

    def _sublayers(self):
        """Layers held in attributes (also inside lists, tuples and dicts), in assignment order."""
        found = []
        for value in vars(self).values():
            if isinstance(value, Layer):
                found.append(value)
            elif isinstance(value, (list, tuple, dict)) and value:
                items = value.values() if isinstance(value, dict) else value
                found.extend(v for v in items if isinstance(v, Layer))
        seen = set()
        return [layer for layer in found if not (id(layer) in seen or seen.add(id(layer)))]

    def _flatten_layers(self):
        """This layer and every layer inside it, depth first."""
        yield self
        for layer in self._sublayers():
            yield from layer._flatten_layers()

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for layer in self._sublayers():
            layer.trainable = value
        structure_changed()

    @property
    def weights(self):
        """Own trainable weights, own non-trainable weights, then each sublayer's weights.

        This is Keras's order, the one ``get_weights`` / ``set_weights`` and files use:
        a BatchNormalization inside a model gives gamma, beta, moving mean, moving variance
        in its place among the layers.
        """
        own = [v for v in self._own_weights if v.trainable] + [
            v for v in self._own_weights if not v.trainable]
        return own + [v for layer in self._sublayers() for v in layer.weights]

    @property
    def trainable_weights(self):
        if not self._trainable:
            return []
        own = [v for v in self._own_weights if v.trainable]
        return own + [v for layer in self._sublayers() for v in layer.trainable_weights]

    @property
    def non_trainable_weights(self):
        if not self._trainable:
            own = list(self._own_weights)
            return own + [v for layer in self._sublayers() for v in layer.weights]
        own = [v for v in self._own_weights if not v.trainable]
        return own + [v for layer in self._sublayers() for v in layer.non_trainable_weights]

    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def get_weights(self):
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights):
        """Assign a list of arrays in :attr:`weights` order; every shape is checked first."""
        params = self.weights
        if len(weights) != len(params):
            raise ValueError(
                f"You called `set_weights(weights)` on layer '{self.name}' with a weight list "
                f"of length {len(weights)}, but the layer was expecting {len(params)} weights.")
        arrays = [np.asarray(w) for w in weights]
        for v, w in zip(params, arrays):
            if v.shape != w.shape:
                raise ValueError(
                    f"Layer {self.name} weight shape {v.shape} is not compatible with provided "
                    f"weight shape {w.shape} (weight '{v.path}').")
        for v, w in zip(params, arrays):
            v.assign(w)

    def count_params(self):
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer '{self.name}', but the layer isn't "
                "built. You can build it manually via: `layer.build(input_shape)`.")
        return int(sum(v.size for v in self.weights))

    @property
    def losses(self):
        """Penalties: ``add_loss`` and activity ones from the last call, then weight ones."""
        layers = list(self._flatten_layers())
        return added_losses(layers) + activity_penalties(layers) + weight_penalties(
            v for v in self.trainable_weights if v.regularizer is not None)

    def add_loss(self, loss):
        """Add a scalar penalty (built from ``keras.ops``) to the loss of the current call.

        Call it inside ``call``: the penalty is added to the training loss of that forward
        pass (and to the logged ``loss``); the next call of the model starts afresh.
        """
        if self._added_losses_call != _CALLS.outermost:
            self._added_losses_call = _CALLS.outermost
            self._added_losses = []
        self._added_losses.append(loss if isinstance(loss, Tensor) else convert_to_tensor(loss))

    # ---- symbolic input / output (set when a Sequential model is built) ---------------------
    def _set_symbolic(self, inputs, outputs):
        self._symbolic = (inputs, outputs)

    @property
    def input(self):
        """The symbolic input (a KerasTensor) of this layer inside a built Sequential model."""
        return self._symbolic_part(0, "input")

    @property
    def output(self):
        """The symbolic output (a KerasTensor) of this layer inside a built Sequential model."""
        return self._symbolic_part(1, "output")

    def _symbolic_part(self, index, what):
        symbolic = self.__dict__.get("_symbolic")
        if symbolic is None:
            raise AttributeError(
                f"The layer {self.name} has never been called and thus has no defined {what}.")
        return symbolic[index]

    # ---- building and calling ------------------------------------------------------------
    def build(self, input_shape):
        self.built = True

    def build_from_shape(self, input_shape):
        """Build once for ``input_shape`` (a tuple whose first entry is the batch size)."""
        if not self.built:
            self.build(tuple(input_shape))
            self.built = True
            self._build_input_shape = tuple(input_shape)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._call_takes_training = "training" in inspect.signature(cls.call).parameters
        if "build" in cls.__dict__:
            cls.build = _marks_built(cls.__dict__["build"])

    def __call__(self, inputs, training=None, **kwargs):
        if isinstance(inputs, Tensor):
            x = inputs
        else:
            if isinstance(inputs, _STRUCTURES) or getattr(inputs, "_keras_history", 0) != 0:
                # KerasTensors (the functional API) or a list / dict of arrays
                out = call_structured(self, inputs, training, kwargs)
                if out is not NotImplemented:
                    return out
            x = convert_to_tensor(edge_cast(inputs))
        if not self.built:  # the first call builds, and runs inside this layer's name scope
            _BUILDING.append(self)
            try:
                self.build_from_shape((None,) + tuple(x.shape[1:]))
                self._first_call_shape = tuple(x.shape)  # what Keras's summary shows for these
                return self._run_call(x, training, kwargs)
            finally:
                _BUILDING.pop()
        if self.input_spec is not None and x.shape != self._checked_shape:
            problem = self.input_spec.problem(x.shape)
            if problem:
                raise ValueError(
                    f'Input 0 of layer "{self.name}" is incompatible with the layer: {problem}')
            self._checked_shape = x.shape
        return self._run_call(x, training, kwargs)

    def _run_call(self, inputs, training, kwargs):
        """``call`` itself, counting forward passes (add_loss) and recording activity penalties."""
        if _CALLS.depth == 0:
            _CALLS.outermost += 1  # a new forward pass: earlier add_loss penalties expire
        _CALLS.depth += 1
        try:
            if self._call_takes_training:
                out = self.call(inputs, training=training, **kwargs)
            else:
                out = self.call(inputs, **kwargs)
        finally:
            _CALLS.depth -= 1
        if self.activity_regularizer is not None:
            self._activity_losses = [self.activity_regularizer(out) / max(out.shape[0], 1)]
        return out

    def call(self, inputs, training=None):
        return inputs

    # ---- config ------------------------------------------------------------------------
    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": dtype_policy_config(self.dtype)}
        if type(self).get_config is Layer.get_config and _has_own_init(type(self)):
            auto = self.__dict__.get("_auto_config")
            if auto is None:
                raise NotImplementedError(
                    f"Layer {type(self).__name__} was created with arguments that are not plain "
                    "values (str, int, float, bool, None, or lists/tuples/dicts of them), so "
                    "its config cannot be generated automatically. Override `get_config()` "
                    "(return `{**super().get_config(), 'arg': self.arg, ...}`) to make it "
                    "serializable.")
            config = {"name": self.name, **auto, "trainable": self.trainable,
                      "dtype": dtype_policy_config(self.dtype)}
            if not _init_accepts_name(type(self)):
                config.pop("name")
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    # ---- saving: how a file records and rebuilds this layer ------------------------------
    def get_build_config(self):
        """The input shape the layer was built for, ``{"input_shape": [...]}``, or None."""
        if self._build_input_shape is None:
            return None
        return {"input_shape": list(self._build_input_shape)}

    def build_from_config(self, config):
        """Build for the input shape a saved build config recorded (nothing when it has none)."""
        if self.built or not config or config.get("input_shape") is None:
            return
        self.build_from_shape(tuple(config["input_shape"]))

    def _saveable_children(self):
        """(attribute, child) pairs whose variables a file stores inside this layer: every
        attribute holding a layer, an optimizer, or a list / dict of them, in Keras's order
        (sorted names, private ones last)."""
        return _keras_order(self._attribute_children())

    def _attribute_children(self):
        found = {}
        for attr, value in vars(self).items():
            if attr in ("_layers", "layers") or attr.startswith("__"):
                continue
            if isinstance(value, dict):
                value = list(value.values())
            if isinstance(value, (list, tuple)):
                if any(is_saved_child(v) for v in value):
                    found[attr] = list(value)
            elif is_saved_child(value):
                found[attr] = value
        return found

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


_PLAIN = (str, int, float, bool, type(None))


def _is_plain(value):
    if isinstance(value, (list, tuple)):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    return isinstance(value, _PLAIN)


def _auto_config(cls, args, kwargs):
    """The constructor arguments by name when they are all plain values, else None."""
    if cls.get_config is not Layer.get_config or not _has_own_init(cls):
        return {}
    try:
        names = [p.name for p in inspect.signature(cls.__init__).parameters.values()
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)][1:]
    except (TypeError, ValueError):
        return None
    config = dict(kwargs)
    config.update(zip(names, args))
    if len(args) > len(names) or not _is_plain(config):
        return None
    return {k: list(v) if isinstance(v, tuple) else v for k, v in config.items()}


def _has_own_init(cls):
    """True for classes (user layers and models) that define an ``__init__`` of their own
    below the built-in ones."""
    for klass in cls.__mro__:
        if klass.__module__.startswith("minikeras."):
            return False
        if "__init__" in klass.__dict__:
            return True
    return False


def _init_accepts_name(cls):
    params = inspect.signature(cls.__init__).parameters
    return "name" in params or any(p.kind == p.VAR_KEYWORD for p in params.values())


# The layers whose build() is running, outermost first: a weight created inside gets the path
# "<outer>/<inner>/<name>", as Keras names it (``sequential/dense/kernel``).
_BUILDING = []


def _variable_path(layer, name):
    names = [each.name for each in _BUILDING]
    if not _BUILDING or _BUILDING[-1] is not layer:
        names.append(layer.name)
    return "/".join(names + [name])


def _marks_built(build):
    """Wrap a subclass's ``build``: it runs inside the layer's name scope, and calling it
    directly also marks the layer built."""
    @functools.wraps(build)
    def wrapper(self, input_shape=None, *args, **kwargs):
        if _BUILDING and _BUILDING[-1] is self:  # a subclass calling super().build()
            build(self, input_shape, *args, **kwargs)
        else:
            _BUILDING.append(self)
            try:
                build(self, input_shape, *args, **kwargs)
            finally:
                _BUILDING.pop()
        self.built = True
        if input_shape is not None and self._build_input_shape is None:
            self._build_input_shape = tuple(input_shape)
    return wrapper


class _CallState:
    """How deep inside layer calls we are, and a number for the current outermost call."""
    depth = 0
    outermost = 0


_CALLS = _CallState()


def added_losses(layers):
    """The ``add_loss`` penalties the given layers recorded during the latest forward pass."""
    return [loss for layer in layers if layer._added_losses_call == _CALLS.outermost
            for loss in layer._added_losses]


def activity_penalties(layers):
    """The activity-regularization penalties the given layers recorded on their last call."""
    return [penalty for layer in layers for penalty in layer._activity_losses]


def weight_penalties(variables):
    """``regularizer(variable)`` for each variable (they must all have a regularizer)."""
    return [v.regularizer(v) for v in variables]


def _shape_from_kwargs(kwargs):
    """The per-sample input shape given through the deprecated layer kwargs, or None."""
    if kwargs.get("batch_input_shape") is not None:
        return tuple(kwargs["batch_input_shape"])[1:]
    if kwargs.get("input_shape") is not None:
        return tuple(kwargs["input_shape"])
    if kwargs.get("input_dim") is not None:
        return (int(kwargs["input_dim"]),)
    return None


def is_saved_child(value):
    """Whether a file stores ``value``'s variables as a child object: a layer that can own
    variables (not an InputLayer) or an optimizer."""
    if isinstance(value, Layer):
        return value._saved_as_child
    from ..optimizers.optimizer import Optimizer  # optimizers load on first use
    return isinstance(value, Optimizer)


def _keras_order(children):
    """Children sorted by attribute name, private (``_``) ones last, as Keras visits them."""
    names = sorted(children, key=lambda name: "~" + name if name.startswith("_") else name)
    return [(name, children[name]) for name in names]
