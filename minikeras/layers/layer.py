"""The Layer base: hyperparameters in __init__, weights in build, math in call."""
import functools
import inspect
import itertools
import warnings
import weakref

import numpy as np

from .. import backend, constraints, initializers, regularizers
from ..autodiff.float_errors import QUIET, STATE
from ..autodiff.grad_mode import is_grad_enabled
from ..autodiff.repoint import repoint
from ..autodiff.tensor import Tensor
from ..dtype_policies import DTypePolicy, effective_dtype
from ..metrics.metric import Metric
from ..ops.core import cast, convert_to_tensor
from ..registry import Registry
from ..rematerialization import apply_remat_scope
from ..random import SeedGenerator
from ..naming import auto_name, current_path, name_scope, scoped, to_snake_case
from ..variables import (Variable, assign_all_or_none, check_one_to_one, get_stateless_scope,
                         run_statelessly, structure_changed)
from ..tree import flatten, map_structure
from .input_spec import InputSpec, check_input_specs, format_shape
from .operation import _PLAIN, Operation, _has_own_init, _init_accepts_name
from .keras_tensor import has_symbolic
from .masks import carries_mask, input_mask, set_output_mask, warn_dropped_mask
from .output_probe import build_sublayers_by_running
from .symbolic import as_tensor_structure, edge_cast, symbolic_call

LAYERS = Registry("layer")

_DEPRECATED_SHAPE_KWARGS = ("input_shape", "input_dim", "batch_input_shape", "batch_size")
_STRUCTURES = (list, tuple, dict)  # inputs that may hold several tensors (or KerasTensors)
_FLAGS = frozenset(("training", "mask"))  # keywords of a plain call on one array
_TRAINING_ONLY = {"training": None}.keys()  # the keywords of the fast eager call
_NO_KWARGS, _MASK_NONE = {}, {"mask": None}  # its call's keywords (read, never modified)


def dtype_policy_config(dtype):
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": dtype},
            "registered_name": None}


def serialize_layer(layer):
    """A layer's Keras config dict, with its build config when built: what ``keras.layers.
    serialize`` returns and what wrappers, RNNs and stacked cells nest for their sublayers."""
    config = LAYERS.serialize(layer, "keras.layers")
    build_config = layer.get_build_config()
    if build_config is not None:
        config["build_config"] = build_config
    return config


def deserialize_layer(config, custom_objects=None):
    """The layer a config from :func:`serialize_layer` describes, built from its build config
    when it has one (as Keras rebuilds a wrapper's, an RNN's or stacked cells' sublayers)."""
    layer = LAYERS.deserialize(config, custom_objects)
    layer.build_from_config(config.get("build_config"))
    return layer


def _other_tensor_arguments(args, kwargs):
    """Whether a call's arguments beyond its first hold tensors (Keras then fills no mask)."""
    return any(isinstance(leaf, Tensor) for value in (*args, *kwargs.values())
               for leaf in flatten(value))


def _refuse_non_tensor_positionals(rest):
    """Keras's error for a positional argument after the inputs that is not a tensor or
    array (an int, a string): such values go to ``call`` as keywords."""
    for arg in flatten(rest):
        if arg is not None and not isinstance(arg, (Tensor, np.ndarray, np.generic)) \
                and not has_symbolic(arg):
            raise ValueError("Only input tensors may be passed as positional arguments. The "
                             "following argument value should be passed as a keyword "
                             f"argument: {arg} (of type {type(arg)})")


class Layer(Operation):
    """Base class of every layer.

    Subclasses set hyperparameters in ``__init__``, create weights in
    ``build(input_shape)`` with :meth:`add_weight`, and write the math in
    ``call(inputs, training=None)`` with ``keras.ops``. Building happens on the
    first call.
    """

    _saved_as_child = True  # False for layers that never own variables (InputLayer)
    # minikeras's layers compute on numbers unless they say otherwise (text and lookup
    # layers, wrappers that only forward); a user's own layer takes whatever it is given
    _accepts_strings = False
    # True where compute_output_shape is exact and the output, for one unmasked input of
    # the layer's dtype, has that dtype and no mask: the functional API then infers the
    # output from the shape alone instead of running the layer on a sample of zeros
    _exact_output_shape = False
    # Keras's autocast of floating inputs to the layer's dtype (see _autocast_input); off
    # for functional and sequential models, whose inputs keep their Input's dtype
    _autocasts_inputs = True
    # a layer that cannot pass a mask on warns that it drops it; an op node (a Keras
    # Operation, not a Layer) drops it silently, as in Keras
    _warns_on_dropped_mask = True
    # what ``call``'s signature accepts (set for every subclass by __init_subclass__)
    _call_takes_training, _call_takes_mask, _call_first_name = True, False, "inputs"
    _call_training_default = None  # the default of call's `training`, when not None
    _converts_inputs = True  # False where Keras leaves a call's inputs as given (no casting)
    # whether a built layer's eager call opens its name scope, as every Keras call does: for
    # user classes, whose call may build sublayers (paths under the model's name); minikeras's
    # own layers build none in call, and their hot path skips the scope (about 1 us a call)
    _scopes_calls = False
    _allow_non_tensor_positional_args = False  # Keras: extra positionals must be tensors

    def __setattr__(self, name, value):
        # Keras tracks a layer or weight when it is assigned, after everything tracked so
        # far: an attribute given a new one (a subclass replacing its parent's sublayer)
        # moves to the end of the order weights and sublayers follow; a list's items are
        # tracked when the list is assigned, and those appended later when appended
        if isinstance(value, _TRACKED_KINDS):
            old = self.__dict__.get(name)
            if old is not value:
                if type(value) is list and all(isinstance(v, _TRACKABLE) for v in value):
                    value = _TrackedList(value)  # empty, or trackables only
                if old is not None and isinstance(value, (Layer, Variable)):
                    del self.__dict__[name]
                    if isinstance(old, (Layer, Variable)) and not type(
                            self).__module__.startswith("minikeras."):
                        # Keras keeps tracking what a user class's attribute held before
                        # (DeiT's subclass replacing its parent's tokens and head)
                        self.__dict__.setdefault(_REPLACED, []).append(old)
                _track(self, value.values() if isinstance(value, dict) else
                       value if isinstance(value, (list, tuple)) else [value])
        object.__setattr__(self, name, value)

    def __init__(self, activity_regularizer=None, trainable=True, dtype=None, autocast=True,
                 name=None, **kwargs):
        self.autocast = bool(autocast)
        shape_kwargs = {k: kwargs.pop(k) for k in _DEPRECATED_SHAPE_KWARGS if k in kwargs}
        if kwargs:
            raise ValueError(
                f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}")
        if name is not None and (not isinstance(name, str) or "/" in name):
            raise ValueError("Argument `name` must be a string and cannot contain character "
                             f"`/`. Received: name={name} (of type {type(name)})")
        self.name = name or auto_name(to_snake_case(type(self).__name__))
        self.dtype = effective_dtype(dtype)  # variables and computation
        self._trainable = bool(trainable)
        self.built = _built_at_init(type(self))  # as Keras: a weightless layer is built at once
        self.input_spec = None
        self._checked_shape = None  # the last input shape that passed input_spec
        self._own_weights = []
        self._activity_losses, self._added_losses = [], []
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self._input_shape_arg = _shape_from_kwargs(shape_kwargs)
        if any(shape_kwargs.get(k) is not None for k in ("input_shape", "input_dim")):
            warnings.warn("Do not pass an `input_shape`/`input_dim` argument to a layer. When "
                          "using Sequential models, prefer using an `Input(shape)` object as "
                          "the first layer in the model instead.", stacklevel=2)  # as Keras
        self._input_batch_arg = _batch_from_kwargs(shape_kwargs)  # Keras 2: a fixed batch
        self._build_input_shape = None
        if not hasattr(type(self), "supports_masking"):  # unless a class declares it
            # Whether calls set the output's mask (compute_mask): true by default for a
            # layer that overrides compute_mask; a layer may assign it.
            self.supports_masking = type(self).compute_mask is not Layer.compute_mask
        apply_remat_scope(self)  # inside a keras.RematScope: a rematerialized call

    # ---- weights ---------------------------------------------------------------------
    def add_weight(self, *args, shape=None, initializer=None, dtype=None, trainable=True,
                   autocast=True, regularizer=None, constraint=None, aggregation="none",
                   overwrite_with_gradient=False, name=None):
        """Create a weight of this layer and track it. As in Keras 3.15, ``shape``,
        ``initializer`` and ``dtype`` may be given by position, and Keras 2's positional
        ``name`` (``add_weight("kernel", ...)``) is refused with a message saying so."""
        del autocast, overwrite_with_gradient
        if args:
            shape, initializer, dtype = _positional_weight_args(args, shape, initializer, dtype)
        dtype = backend.standardize_dtype(dtype or self.dtype)
        if initializer is None:
            initializer = "glorot_uniform" if backend.is_float_dtype(dtype) else "zeros"
        if shape is not None and not hasattr(shape, "__iter__"):
            raise ValueError(f"Cannot convert '{shape}' to a shape.")  # Keras's words, for 3
        shape = () if shape is None else tuple(shape)
        if any(d is None for d in shape):  # e.g. a Dense built on (None, None): Keras's error
            raise ValueError(
                "Shapes used to initialize variables must be fully-defined (no `None` "
                f"dimensions). Received: shape={shape} for variable path="
                f"'{_variable_path(self, name or 'variable')}'")
        variable = Variable(initializers.get(initializer), shape=shape, dtype=dtype,
                            trainable=trainable, aggregation=aggregation, name=name)
        variable.path = _variable_path(self, variable.name)
        variable.regularizer = regularizers.get(regularizer)
        variable.constraint = constraints.get(constraint)
        self._own_weights.append(variable)
        if trainable and not self._trainable:  # a frozen layer's new weights are frozen too
            variable.trainable = False        # (Keras), still filed as made trainable
        return variable

    def add_variable(self, shape, initializer, dtype=None, trainable=True, autocast=True,
                     regularizer=None, constraint=None, name=None):
        """Keras 3's other name of :meth:`add_weight` (same arguments; shape and
        initializer required)."""
        return self.add_weight(shape=shape, initializer=initializer, dtype=dtype,
                               trainable=trainable, autocast=autocast, regularizer=regularizer,
                               constraint=constraint, name=name)

    def _attributes_of_type(self, kind):
        """The ``kind`` objects held in attributes (also inside lists, tuples and dicts), in
        assignment order, each once."""
        stamps, stamp, found = self.__dict__.get("_tracking_stamps", {}), 0, []
        for value in vars(self).values():
            if isinstance(value, kind):
                items, appended = [value], {}
            elif isinstance(value, (list, tuple, dict)) and value:
                items = value.values() if isinstance(value, dict) else value
                appended = value.stamps if isinstance(value, _TrackedList) else {}
            else:
                continue
            for item in items:
                if isinstance(item, kind):
                    entry = stamps.get(id(item)) or appended.get(id(item))
                    # one set around __setattr__ keeps its place after the one before
                    stamp = entry[0] if entry and entry[1] is item else stamp
                    found.append((stamp, item))
        found.sort(key=lambda pair: pair[0])  # stable: equal stamps keep attribute order
        seen = set()
        return [item for _, item in found if not (id(item) in seen or seen.add(id(item)))]

    def _sublayers(self):
        """Layers held in attributes (also inside lists, tuples and dicts), in assignment order."""
        return self._attributes_of_type(Layer)

    @property
    def metrics(self):
        """As in Keras: the Metric objects held in this layer's attributes, then the metrics
        of each sublayer (a nested model's include its compiled ones)."""
        return self._attributes_of_type(Metric) + [
            metric for layer in self._sublayers() for metric in layer.metrics]

    @property
    def metrics_variables(self):
        """The variables of :attr:`metrics`, metric by metric."""
        return [v for metric in self.metrics for v in metric.variables]

    def _layers_within(self):
        """This layer and every layer inside it (``_flatten_layers``), asked at the start of
        each forward pass when some layer holds penalties; a model answers from its
        training plan instead of walking its layers again."""
        return self._flatten_layers()

    def _flatten_layers(self, _seen=None):
        """This layer and every layer inside it, depth first, each once (a layer shared by
        two sublayers is reached once, as in Keras)."""
        seen = set() if _seen is None else _seen
        if id(self) in seen:
            return
        seen.add(id(self))
        yield self
        for layer in self._sublayers():
            yield from layer._flatten_layers(seen)

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        """Freezes or unfreezes the layer, its sublayers and, as in Keras, the flag of each
        weight made trainable (a BatchNormalization's moving statistics stay frozen)."""
        self._trainable = bool(value)
        for variable in self._weights_made_trainable():
            variable.trainable = self._trainable
        for layer in self._sublayers():
            layer.trainable = value
        structure_changed()

    @property
    def weights(self):
        """Own weights created trainable, own weights created non-trainable, then each
        sublayer's weights.

        This is Keras's order, the one ``get_weights`` / ``set_weights`` and files use:
        a BatchNormalization inside a model gives gamma, beta, moving mean, moving variance
        in its place among the layers.
        """
        return _first_of_each(self._own_variables_in_keras_order() + [
            v for layer in self._sublayers() for v in layer.weights])

    @property
    def dtype_policy(self):
        return DTypePolicy(self.dtype)

    @dtype_policy.setter
    def dtype_policy(self, value):
        """Keras's setter: the dtype of the computation and of the variables made from now on
        (a policy, its name or its dict; a mixed one: its variable dtype)."""
        self.dtype = effective_dtype(value)

    @property
    def compute_dtype(self):
        return self.dtype

    @property
    def variable_dtype(self):
        return self.dtype

    @property
    def input_dtype(self):
        """The dtype floating inputs are cast to (Keras's: the compute dtype)."""
        return self.compute_dtype

    @property
    def quantization_mode(self):
        """None: the layer is not quantized (Dense, EinsumDense and Embedding can be)."""
        return None

    @property
    def trainable_weights(self):
        if not self._trainable:
            return []
        own = [v for v in self._own_variables() if v.trainable]
        return _first_of_each(
            own + [v for layer in self._sublayers() for v in layer.trainable_weights])

    @property
    def non_trainable_weights(self):
        if not self._trainable:
            own = list(self._own_variables())
            return _first_of_each(own + [v for layer in self._sublayers() for v in layer.weights])
        own = [v for v in self._own_variables() if not v.trainable]
        return _first_of_each(
            own + [v for layer in self._sublayers() for v in layer.non_trainable_weights])

    @property
    def variables(self):
        """Keras's: :attr:`weights` and the state of each random seed generator, in
        Keras's order (own weights, the states of the layer's own ``SeedGenerator``
        attributes, then each sublayer's variables). Files store only the weights."""
        return _first_of_each(self._own_variables_in_keras_order() + [
            generator.state for generator in self._attributes_of_type(SeedGenerator)] + [
            v for layer in self._sublayers() for v in layer.variables])

    trainable_variables = trainable_weights  # a seed state is never trainable

    @property
    def non_trainable_variables(self):
        """:attr:`non_trainable_weights` with the seed generators' states (Keras's)."""
        if not self._trainable:
            return self.variables
        return [v for v in self.variables if not v.trainable]

    def get_weights(self):
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights):
        """Assign a list of arrays in :attr:`weights` order; every shape is checked first."""
        params = self.weights
        if len(weights) != len(params):
            raise ValueError(
                f"You called `set_weights(weights)` on layer '{self.name}' with a weight list "
                f"of length {len(weights)}, but the layer was expecting {len(params)} weights.")
        assign_all_or_none(
            params, weights, f"Layer {self.name}",
            lambda v, w: f"Layer {self.name} weight shape {v.shape} is not compatible with "
                         f"provided weight shape {w.shape}.")

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
        loss = loss if isinstance(loss, Tensor) else convert_to_tensor(loss)
        self._added_losses.append(loss)
        _LOSS_HOLDERS.add(self)
        _collect_in_scope(loss)

    def add_metric(self, *args, **kwargs):
        """Gone in Keras 3, as there: raises, saying what to write instead."""
        raise NotImplementedError(
            "Layer `add_metric()` method is deprecated. Add your metric in "
            "`Model.compile(metrics=[...])`, or create metric trackers in init() or build() "
            "when subclassing the layer or model, then call `metric.update_state()` "
            "whenever necessary.")

    def stateless_call(self, trainable_variables, non_trainable_variables, *args,
                       return_losses=False, **kwargs):
        """Call the layer with its variables reading the given values, changing none of them.

        Returns ``(outputs, non_trainable_variables)``: the new values of the
        non-trainable variables (a BatchNormalization's moving statistics after a training
        call), in ``self.non_trainable_variables``' order; with ``return_losses``, also the
        call's losses (``add_loss``, activity and weight penalties, computed from the given
        values). The call runs through ``__call__`` (Keras's runs ``call`` directly).
        Gradients of the outputs reach the values given (tensors that require grad).
        """
        if not self.built:
            raise ValueError(
                f"To call stateless_call, {type(self).__name__} must be built (i.e. its "
                "variables must have been already created). You can build it by calling it "
                "on some data.")
        trainable, non_trainable = self.trainable_variables, self.non_trainable_variables
        name = type(self).__name__
        check_one_to_one(trainable_variables, trainable, "trainable_variables",
                         f"{name}().trainable_variables")
        check_one_to_one(non_trainable_variables, non_trainable, "non_trainable_variables",
                         f"{name}().non_trainable_variables")

        variables = trainable + non_trainable
        given = list(trainable_variables) + list(non_trainable_variables)
        stand_ins = _stand_ins(variables, given) if is_grad_enabled() else {}

        def run():
            outputs = self(*args, **kwargs)
            losses = self.losses if return_losses else None
            if stand_ins:  # the graph reads the given values (see autodiff/repoint.py)
                repoint(flatten([outputs, losses]), stand_ins,
                        boundary=flatten([list(args), kwargs]))
            return outputs, losses
        (outputs, losses), values = run_statelessly(run, variables, given, return_losses)
        non_trainable_values = values[len(trainable):]
        if return_losses:
            return outputs, non_trainable_values, losses
        return outputs, non_trainable_values

    def _record_activity_penalty(self, out):
        """The activity penalty of this call, beside those of earlier calls in the same
        forward pass (a layer called twice in one pass counts twice, as in Keras)."""
        penalty = self.activity_regularizer(out) / max(out.shape[0], 1)
        self._activity_losses.append(penalty)
        _LOSS_HOLDERS.add(self)
        _collect_in_scope(penalty)

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
        flat = flatten(symbolic[index])  # Keras: one tensor, else the flat list of them
        return flat[0] if len(flat) == 1 else flat

    # ---- building and calling ------------------------------------------------------------
    def build(self, input_shape):
        """The base build, called directly (a call builds through ``build_from_shape``):
        marks the layer built, with Keras's warning when a sublayer is still unbuilt and the
        class has no build of its own (an overriding build that ends with ``super().build``
        builds its sublayers later, in the first call)."""
        if type(self).build is Layer.build:
            self._warn_of_unbuilt_state()
        self._mark_built()
        if self._build_input_shape is None and isinstance(input_shape, (list, tuple)):
            self._build_input_shape = tuple(input_shape)  # Keras records a direct build's shape

    def _warn_of_unbuilt_state(self):
        """Keras's warning for a layer without a ``build`` of its own that is marked built
        while one of its sublayers is still unbuilt."""
        if any(not layer.built for layer in self._sublayers()):
            warnings.warn(
                f"`build()` was called on layer '{self.name}', however the layer does not "
                "have a `build()` method implemented and it looks like it has unbuilt state. "
                "This will cause the layer to be marked as built, despite not being actually "
                "built, which may cause failures down the line. Make sure to implement a "
                "proper `build()` method.", UserWarning)

    def _mark_built(self):
        self._set_path()
        self.built = True

    def _set_path(self):
        """Record the layer's path, its name under the name scopes open around its build."""
        with name_scope(self.name, caller=self):
            self._path = current_path()

    @property
    def path(self):
        """Keras's: the layer's name-scope path once it is built (``"outer/inner"`` for a
        layer built inside another's build or call), None before."""
        return getattr(self, "_path", None)

    def build_from_shape(self, input_shape, call_arguments=None):
        """Build once for ``input_shape`` (a tuple whose first entry is the batch size).

        ``call_arguments`` (the call's other positional and keyword arguments) serve a
        ``build`` with several parameters: Keras's rule gives ``build(self, a_shape,
        b_shape)`` the shapes of ``call``'s arguments ``a`` and ``b``; a ``build`` with one
        required parameter gets the first argument's shape.
        """
        if self.built:
            return
        names, required = _build_parameters(self)
        call_names = _call_names(self)
        named = len(names) > 1 and all(
            name.endswith("_shape") and name[:-len("_shape")] in call_names for name in names)
        if type(self).build is Layer.build:  # nothing to build but the sublayers
            if build_sublayers_by_running(self, input_shape, call_arguments):
                self._warn_of_unbuilt_state()  # as Keras, after a trace that ran
            self._mark_built()
            self._build_input_shape = tuple(input_shape)
        elif not named and len(required) <= 1:
            self.build(tuple(input_shape))
            self._build_input_shape = tuple(input_shape)
        else:
            rest, kwargs = call_arguments or ((), {})
            shapes = _call_shapes(self, input_shape, rest, kwargs)
            for name in names:
                if not name.endswith("_shape") or name[:-len("_shape")] not in call_names:
                    raise ValueError(
                        f"For a `build()` method with more than one argument, all arguments "
                        f"should have a `_shape` suffix and match an argument from `call()`, "
                        f"e.g. `build(self, foo_shape, bar_shape)`. Layer "
                        f"'{type(self).__name__}' has `build()` argument `{name}`; `call()` "
                        f"takes {list(_call_names(self))}.")
            self._build_shapes_dict = {k: v for k, v in shapes.items() if k in names}
            self.build(**self._build_shapes_dict)
        self.built = True

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        params = inspect.signature(cls.call).parameters
        cls._call_takes_training = "training" in params
        cls._call_takes_mask = "mask" in params
        stated = "_call_training_default" in cls.__dict__  # a class may state it
        if not stated and "training" in params:
            default = params["training"].default
            cls._call_training_default = None if default is inspect.Parameter.empty else default
        elif not stated and "call" in cls.__dict__ and not cls.__module__.startswith("minikeras."):
            cls._call_training_default = None  # a user's call without `training`
        cls._call_first_name = next(iter(list(params)[1:2]), "inputs")
        cls._call_positional = tuple(list(params)[1:])
        cls._call_argument_masks = {name: f"{name}_mask" for name in params
                                    if f"{name}_mask" in params}
        if not cls.__module__.startswith("minikeras."):
            if "_accepts_strings" not in cls.__dict__:
                cls._accepts_strings = True
            cls._scopes_calls = True
        if "build" in cls.__dict__:
            cls.build = _marks_built(cls.__dict__["build"])

    def __call__(self, *args, **kwargs):
        """Call the layer on tensors (eager) or KerasTensors (building a functional graph).

        Keras's rule for the arguments: the first one (``inputs``, positional or by its name
        in ``call``) is the input the layer is built for and its mask is read from; every
        other argument, positional or keyword, that holds arrays or tensors is converted to
        tensors, and plain Python values (numbers, strings, lists of numbers) pass unchanged.
        ``training`` and ``mask`` reach ``call`` only when its signature accepts them.
        """
        if len(args) == 1 and (not kwargs or kwargs.keys() == _TRAINING_ONLY):
            x = args[0]  # the common eager call: one array or tensor, at most `training`
            if type(x) is np.ndarray:
                x = convert_to_tensor(edge_cast(x))
                args = (x,)
            if type(x) is Tensor and x.mask is None and self.built:
                data = x.data
                kind = data.dtype.kind
                if ((self.input_spec is None or data.shape == self._checked_shape)
                        and (kind != "f" or data.dtype.type.__name__ == self.dtype  # no autocast
                             or not (self.autocast and self._autocasts_inputs))
                        and (kind not in "US" or self._accepts_strings)):
                    plain = _MASK_NONE if self._call_takes_mask else _NO_KWARGS
                    if not self._scopes_calls:
                        return self._call_in_context(x, (), plain, kwargs.get("training"),
                                                     None)
                    with name_scope(self.name, caller=self):  # as every Keras call
                        return self._call_in_context(x, (), plain, kwargs.get("training"),
                                                     None)
        if not args:
            if self._call_first_name not in kwargs:
                raise TypeError(f"Layer '{self.name}' was called without its first argument "
                                f"`{self._call_first_name}`. Received only keyword arguments "
                                f"{sorted(kwargs)}.")
            args = (kwargs.pop(self._call_first_name),)
        inputs, rest = args[0], args[1:]
        if rest and not self._allow_non_tensor_positional_args:
            _refuse_non_tensor_positionals(rest)
        flags_only = not kwargs or kwargs.keys() <= _FLAGS
        plain_call = isinstance(inputs, (Tensor, np.ndarray)) and not rest and flags_only
        if not plain_call and (has_symbolic(args) or has_symbolic(kwargs)):
            outputs = symbolic_call(self, inputs, rest, kwargs)
            expire_added_losses(self)
            return outputs
        if rest or not flags_only:  # the other tensor arguments are autocast too, as Keras
            autocast = self._autocast_input
            rest = tuple(_tensor_argument(a, autocast) for a in rest)
            kwargs = {k: v if k in ("training", "mask") else _tensor_argument(v, autocast)
                      for k, v in kwargs.items()}
        if isinstance(inputs, Tensor):
            x = inputs
        else:
            if isinstance(inputs, _STRUCTURES):  # a list / dict of arrays
                structured = as_tensor_structure(inputs)
                if structured is not None:
                    structured = map_structure(self._autocast_input, structured)
                    self._check_input_spec(structured)
                    return self._scoped_run(
                        structured, lambda: map_structure(lambda t: tuple(t.shape),
                                                          structured, none_is_leaf=False),
                        rest, kwargs)
            x = convert_to_tensor(edge_cast(inputs))
        if x.dtype.kind in "US" and not self._accepts_strings:
            raise _strings_refused(self, x)
        x = self._autocast_input(x)
        if self.input_spec is not None and x.shape != self._checked_shape:
            self._check_input_spec(x)  # before build, as Keras: a clear error first
        return self._scoped_run(x, lambda: tuple(x.shape), rest, kwargs)

    def _scoped_run(self, inputs, shapes, rest, kwargs):
        """A call on arrays, inside this layer's name scope as every Keras call is (so the
        weights of a sublayer first built in a subclassed model's call are paths under the
        model's name, also when the model was marked built before): builds first for
        ``shapes()`` when unbuilt."""
        with name_scope(self.name, caller=self):
            if not self.built:
                self.build_from_shape(shapes(), (rest, kwargs))
            return self._run_call(inputs, rest, kwargs)

    def symbolic_call(self, *args, **kwargs):
        """The call on KerasTensors (builds the layer for them; see ``symbolic.py``)."""
        return symbolic_call(self, args[0], args[1:], kwargs)

    def _autocast_input(self, x):
        """Keras's autocast: a floating input of another float dtype is cast to the layer's
        dtype (a Dense given float64 computes and returns float32); integers pass as they
        are. The mask goes with the cast tensor."""
        # the dtype's type name first: comparing a numpy dtype with a string costs ~1 us
        if not (isinstance(x, Tensor) and x.data.dtype.kind == "f"
                and x.data.dtype.type.__name__ != self.dtype and self.autocast
                and self._autocasts_inputs and self.dtype.startswith(("float", "bfloat"))):
            return x
        out = cast(x, self.dtype)
        out.mask = x.mask
        return out

    def _check_input_spec(self, inputs):
        """Raise Keras's ValueError when the first argument does not fit ``input_spec``. One
        spec checks one tensor (a structure given to a one-spec layer is the layer's to check:
        an RNN takes Keras 2's ``[sequences, *initial_states]``); a structure of specs checks a
        structure. A tensor that fits a dtype-free spec is remembered by its shape: the next
        call with that shape skips the check."""
        spec = self.input_spec
        single = isinstance(spec, InputSpec)
        if not spec or (single and not hasattr(inputs, "shape")):
            return
        check_input_specs(spec, inputs, self.name)
        if single and spec.dtype is None:
            self._checked_shape = inputs.shape

    def _run_call(self, inputs, args, kwargs):
        """``call`` itself, given the arguments: passes the mask when ``call`` takes one (the
        one given, else the input's, which Keras fills in only for a call given one tensor
        argument: an RNN given ``initial_state`` runs unmasked; none when ``mask`` came
        positionally, as GauGAN's ``ResBlock(filters)(x, mask)``); as in Keras, the output's
        mask is computed from the given mask, else the input's (see
        :meth:`_call_in_context` for the rest)."""
        training = kwargs.pop("training", None)
        mask = kwargs.pop("mask", None)
        previous_mask = input_mask(inputs) if mask is None else mask
        if self._call_takes_mask and "mask" not in self._call_positional[1:1 + len(args)]:
            kwargs["mask"] = mask if mask is not None or _other_tensor_arguments(
                args, kwargs) else previous_mask
        if self._call_argument_masks:
            self._fill_argument_masks(inputs, args, kwargs)
        return self._call_in_context(inputs, args, kwargs, training, previous_mask)

    def _fill_argument_masks(self, inputs, args, kwargs):
        """Keras's rule for a call given several tensors: each ``<name>_mask`` argument not
        given is the mask of the tensor passed as ``<name>`` (MultiHeadAttention's
        ``query_mask`` and ``value_mask`` come from its inputs' masks this way)."""
        given = dict(zip(self._call_positional, (inputs,) + tuple(args)))
        given.update({k: v for k, v in kwargs.items() if k in self._call_argument_masks})
        tensors = {k: v for k, v in given.items()
                   if any(isinstance(t, Tensor) for t in flatten(v))}
        if len(tensors) < 2:  # one tensor argument: its mask is `mask`, as in Keras
            return
        for name, mask_name in self._call_argument_masks.items():
            if name in tensors and mask_name not in given and kwargs.get(mask_name) is None:
                found = input_mask(tensors[name])
                if found is not None:
                    kwargs[mask_name] = found

    def _call_in_context(self, inputs, args, kwargs, training, previous_mask):
        """Run ``call``: counts forward passes (add_loss), resolves ``training`` by Keras's
        call-context rule, records activity penalties and sets the output's mask. ``kwargs``
        (not modified) already holds ``mask`` when ``call`` takes it.

        Keras's rule: a call's ``training`` is the one given, else the value of the outer
        call under way, else ``call``'s default; and the value a call resolves stays for
        every layer called after it until the outermost call returns. So in ``model(x)``
        a Resizing (default True) puts the BatchNormalization after it in training mode,
        and after ``base(x, training=False)`` inside a subclassed model's ``call`` the layers
        that follow run in inference mode."""
        calls = _CALLS
        if training is None:
            training = self._call_training_default if calls.training is None else \
                calls.training
        quieted = None
        if calls.depth == 0:
            expire_added_losses(self)  # a new forward pass of this layer starts afresh
            if QUIET is not None and STATE.get() is not QUIET:
                # numpy's warnings off for the whole call, once (float_errors): its
                # primitives then skip their own switch (~0.7 us each)
                quieted = STATE.set(QUIET)
        calls.depth += 1
        calls.training = training
        try:
            if args or kwargs:
                out = self.call(inputs, *args, training=training, **kwargs) \
                    if self._call_takes_training else self.call(inputs, *args, **kwargs)
            else:  # the common call spelled out: unpacking empty *args / **kwargs costs 0.17 us
                out = self.call(inputs, training=training) if self._call_takes_training \
                    else self.call(inputs)
        finally:
            calls.depth -= 1
            if calls.depth == 0:
                calls.training = None  # the outermost call is over: the context with it
                if quieted is not None:
                    STATE.reset(quieted)
        if self.activity_regularizer is not None:
            self._record_activity_penalty(out)
        if self.supports_masking:
            # the base compute_mask hands back the input's mask: nothing to set without one
            if previous_mask is not None or type(self).compute_mask is not Layer.compute_mask:
                set_output_mask(out, self.compute_mask(inputs, previous_mask))
        elif previous_mask is not None and self._warns_on_dropped_mask \
                and carries_mask(previous_mask):
            warn_dropped_mask(self)
        return out

    # ---- masks -------------------------------------------------------------------------
    def compute_mask(self, inputs, mask=None):
        """The mask of the output (a boolean array, True = keep): the input's by default."""
        return mask

    def call(self, inputs, training=None):
        return inputs

    def quantize(self, mode=None, type_check=True, config=None):
        """Only Dense, EinsumDense, Embedding and ReversibleEmbedding have a quantized form
        (docs/quantization.md)."""
        raise NotImplementedError(
            f"Layer {type(self).__name__} does not have a `quantize` method implemented.")

    # ---- config ------------------------------------------------------------------------
    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": dtype_policy_config(self.dtype)}
        # Keras's automatic config: only when this method is the class's get_config (a
        # subclass of Dense inherits Dense's, which lists Dense's arguments only)
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
        elif (type(self).get_config is Layer.get_config and type(self).__init__ is Layer.__init__
              and not type(self).__module__.startswith("minikeras.")):
            # a user layer with neither: Keras's automatic config holds Layer's own arguments
            config = {"name": self.name, "activity_regularizer": None, **config,
                      "autocast": self.autocast}
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    # ---- saving: how a file records and rebuilds this layer ------------------------------
    def get_build_config(self):
        """The input shape the layer was built for, ``{"input_shape": [...]}`` (or, for a
        ``build`` given several shapes, ``{"shapes_dict": {"a_shape": [...], ...}}``), or
        None. None too for the layers Keras marks built in ``__init__`` (Dropout, pooling,
        activation layers: ``_keras_builds_at_init``) until ``build`` is called on them."""
        shapes = self.__dict__.get("_build_shapes_dict")
        if shapes is not None and len(shapes) > 1:
            return {"shapes_dict": {k: _plain_shape(v) for k, v in shapes.items()}}
        if shapes is not None:  # one shape: Keras writes it as the input shape
            return {"input_shape": next(iter(shapes.values()))}
        if self._build_input_shape is None:  # never built for a shape (Dropout: at __init__)
            return None
        return {"input_shape": tuple(self._build_input_shape)}

    def build_from_config(self, config):
        """Build for the input shape a saved build config recorded (nothing when it has none)."""
        if self.built or not config:
            return
        if type(self).build is Layer.build and not type(self).__module__.startswith(
                "minikeras.") and not all(layer.built for layer in self._sublayers()):
            warnings.warn(  # Keras's words when its default build() meets a user layer's
                # unbuilt sublayers (minikeras's own layers build theirs when called)
                f"`build()` was called on layer '{self.name}', however the layer does not have "
                "a `build()` method implemented and it looks like it has unbuilt state. This "
                "will cause the layer to be marked as built, despite not being actually built, "
                "which may cause failures down the line. Make sure to implement a proper "
                "`build()` method.", stacklevel=2)
        if config.get("shapes_dict") is not None:
            shapes = {k: _tuple_shape(v) for k, v in config["shapes_dict"].items()}
            self.build(**shapes)
            self._build_shapes_dict = shapes
            self.built = True
        elif config.get("input_shape") is not None:
            self.build_from_shape(tuple(config["input_shape"]))

    def save_own_variables(self, store):
        """Write this layer's own variables (not its sublayers') into ``store``, a dict-like
        object, as ``store["0"]``, ``store["1"]``, ...: trainable ones first. ``model.save``
        and ``save_weights`` call it; override it (and :meth:`load_own_variables`) to store
        more under other keys."""
        for i, variable in enumerate(self._saved_own_variables()):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store):
        """Assign this layer's own variables from ``store`` (what :meth:`save_own_variables`
        wrote). Every count and shape is checked before anything is assigned."""
        variables = self._saved_own_variables()
        if len(store) != len(variables):
            raise ValueError(
                f"Layer '{self.name}' expected {len(variables)} variables, but received "
                f"{len(store)} variables during loading. Expected: "
                f"{[v.name for v in variables]}")
        assign_all_or_none(
            variables, [store[str(i)] for i in range(len(variables))], f"Layer '{self.name}'",
            lambda v, a: f"Layer '{self.name}': variable '{v.name}' has shape "
                         f"{format_shape(v.shape)}, the saved value {format_shape(a.shape)}.")

    def _own_variables(self):
        """The weights ``add_weight`` made and Variables set as attributes, which Keras
        tracks too (keras-io's trainable temperature ``self.tau = keras.Variable(...)``, a
        weight-normalizing wrapper's ``self.v = self.layer.kernel``: the wrapper's own
        then, before the weights it adds after), in the order they were created, as Keras
        tracks them."""
        own = self._own_weights
        held = list(vars(self).values()) + self.__dict__.get(_REPLACED, [])
        extra = [v for v in held if isinstance(v, Variable) and all(v is not w for w in own)]
        return sorted(own + extra, key=lambda v: v._created) if extra else own

    def _weights_made_trainable(self):
        """The weights ``add_weight`` made trainable, whatever their flag since."""
        return [v for v in self._own_weights if v._created_trainable]

    def _own_variables_in_keras_order(self):
        """Those created trainable, then the others, each group in creation order: as
        Keras files them when they are tracked, so a variable frozen later (LoRA's kernel,
        ``layer.kernel.trainable = False``) keeps its place in ``weights`` and files."""
        own = self._own_variables()
        return ([v for v in own if v._created_trainable]
                + [v for v in own if not v._created_trainable])

    def _saved_own_variables(self):
        """The own variables a file stores for this layer, in its order: all of them here;
        Keras's Dense, EinsumDense and Embedding store only their named weights."""
        return self._own_variables_in_keras_order()

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


def _strings_refused(layer, x):
    return ValueError(
        f"Layer '{layer.name}' ({type(layer).__name__}) computes on numbers, but received an "
        f"array of strings (dtype {x.dtype}, shape {tuple(x.shape)}). Turn text into numbers "
        "first, e.g. with a TextVectorization, StringLookup or Hashing layer.")


def _tensor_argument(value, autocast):
    """A call argument after Keras's rule: arrays (anything with ``__array__``) and
    structures of them become tensors, each passed through ``autocast`` (the layer's
    ``_autocast_input``); plain Python values stay as they are."""
    if isinstance(value, Tensor):
        return autocast(value)
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, _STRUCTURES):
        return map_structure(lambda v: _tensor_argument(v, autocast), value)
    if hasattr(value, "__array__"):
        return autocast(convert_to_tensor(edge_cast(value)))
    return value


def _build_parameters(layer):
    """(names, names without a default) of ``layer.build``'s parameters (not *args, **kw)."""
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD,
             inspect.Parameter.KEYWORD_ONLY)
    params = [p for p in _parameters(layer.build) if p.kind in kinds]
    return [p.name for p in params], [p.name for p in params if p.default is p.empty]


def _call_names(layer):
    return [p.name for p in _parameters(layer.call)]


# a bound method's function -> its parameters as bound (self left out): building asks
# for build's and call's per layer, and inspect.signature takes ~50 us (ResNet152: 0.05 s)
_BOUND_PARAMETERS = weakref.WeakKeyDictionary()


def _parameters(method):
    """``inspect.signature(method).parameters.values()`` as a tuple, cached per function
    for a bound method (its signature depends on its function only)."""
    function = getattr(method, "__func__", None)
    if function is None or getattr(method, "__self__", None) is None:
        return tuple(inspect.signature(method).parameters.values())
    try:
        return _BOUND_PARAMETERS[function]
    except (KeyError, TypeError):  # TypeError: a function that takes no weak reference
        pass
    params = tuple(inspect.signature(method).parameters.values())
    try:
        _BOUND_PARAMETERS[function] = params
    except TypeError:
        pass
    return params


def _call_shapes(layer, input_shape, rest, kwargs):
    """``{"<argument>_shape": shape}`` of the call's tensor arguments (the mask left out)."""
    names = _call_names(layer)
    shapes = {f"{names[0]}_shape": input_shape} if names else {}
    values = dict(zip(names[1:], rest))
    values.update(kwargs)
    for name, value in values.items():
        leaves = [v for v in _leaves(value) if hasattr(v, "shape")]
        if name != "mask" and leaves:
            shapes[f"{name}_shape"] = map_structure(
                lambda t: tuple(t.shape) if hasattr(t, "shape") else t, value)
    return shapes


def _leaves(value):
    if isinstance(value, _STRUCTURES):
        return [leaf for item in (value.values() if isinstance(value, dict) else value)
                for leaf in _leaves(item)]
    return [value]


def _built_at_init(cls):
    """Whether Keras builds ``cls`` in ``__init__``: the nearest class defining either flag
    or ``build`` decides (a user subclass with its own ``build`` is built as usual)."""
    for klass in cls.__mro__:
        if "_keras_builds_at_init" in vars(klass):
            return True
        if "build" in vars(klass):
            return False
    return False


def _plain_shape(shape):
    return [_plain_shape(s) for s in shape] if isinstance(shape, (list, tuple)) and shape and \
        isinstance(shape[0], (list, tuple)) else list(shape)


def _tuple_shape(shape):
    return tuple(_tuple_shape(s) if isinstance(s, list) else s for s in shape)


def _positional_weight_args(args, shape, initializer, dtype):
    """``(shape, initializer, dtype)`` from ``add_weight``'s positional arguments, with
    Keras 3.15's errors for a positional name, too many arguments or one given twice."""
    if len(args) > 3:
        raise TypeError(f"add_weight() takes at most 3 positional arguments but {len(args)} "
                        "were given.")
    if isinstance(args[0], str):
        raise ValueError("`name` must be passed as a keyword argument. Received: "
                         f"add_weight('{args[0]}', ...). Use: add_weight(shape=..., "
                         f"name='{args[0]}').")
    given = {"shape": shape, "initializer": initializer, "dtype": dtype}
    for key, value in zip(given, args):
        if given[key] is not None:
            raise ValueError(f"`{key}` was passed both positionally and as a keyword "
                             "argument.")
        given[key] = value
    return given["shape"], given["initializer"], given["dtype"]


def _variable_path(layer, name):
    """The path of ``layer``'s weight ``name``: under the layer's own name scope, which
    nests in the scopes of the layers whose build or call is running
    (``sequential/dense/kernel``), as Keras names it; once the layer is built, under the
    path it was built at, wherever the weight is added (Keras keeps the parent path of a
    layer's first scope: ``enable_lora`` after the build names ``block/dense/lora_kernel_a``)."""
    built_at = getattr(layer, "_path", None)
    if built_at:
        return f"{built_at}/{name}"
    with name_scope(layer.name, caller=layer):
        return scoped(name)


_TRACKING = itertools.count(1)  # the order in which layers track what they hold
_TRACKABLE = (Layer, Variable, Metric)
_TRACKED_KINDS = _TRACKABLE + (list, tuple, dict)  # what __setattr__ looks into
# the attribute holding the layers and variables a user class's attributes held before
# they were replaced: Keras still tracks them (a name with "__" is not saved as a child)
_REPLACED = "__replaced_but_tracked"


def _track(owner, items):
    """Record when ``owner`` first tracks each trackable item (id -> (order, item); the
    item is kept so a reused id cannot take its place)."""
    stamps = owner.__dict__.setdefault("_tracking_stamps", {})
    for item in items:
        if isinstance(item, _TRACKABLE) and id(item) not in stamps:
            stamps[id(item)] = (next(_TRACKING), item)


class _TrackedList(list):
    """A list held in a layer's attribute, as Keras wraps it: an item appended or inserted
    later is tracked at that moment (``stamps``, as a layer's), so sublayers made in a
    loop that fills two lists come in the order they were made, as in Keras."""

    def __init__(self, items=()):
        super().__init__(items)
        self.stamps = {}

    def _track(self, items):
        for item in items:
            if isinstance(item, _TRACKABLE) and id(item) not in self.stamps:
                self.stamps[id(item)] = (next(_TRACKING), item)

    def append(self, item):
        super().append(item)
        self._track([item])

    def insert(self, index, item):
        super().insert(index, item)
        self._track([item])

    def extend(self, items):
        items = list(items)
        super().extend(items)
        self._track(items)

    def __iadd__(self, items):
        self.extend(items)
        return self


def _marks_built(build):
    """Wrap a subclass's ``build``: it runs inside the layer's name scope, and calling it
    directly also marks the layer built."""
    @functools.wraps(build)
    def wrapper(self, *args, **kwargs):
        with name_scope(self.name, caller=self):  # re-entered by super().build(): no-op
            build(self, *args, **kwargs)
            self._path = current_path()
        self.built = True
        input_shape = args[0] if args else kwargs.get("input_shape")
        if input_shape is not None and self._build_input_shape is None:
            self._build_input_shape = tuple(input_shape)
    return wrapper


class _CallState:
    """How deep inside layer calls we are, and the ``training`` flag of the outermost call
    under way: the value the latest layer call resolved (see ``Layer._call_in_context``)."""
    depth = 0
    training = None


_CALLS = _CallState()
# The layers holding add_loss or activity penalties from their latest pass (none, for most
# models: then a call has nothing to clear)
_LOSS_HOLDERS = weakref.WeakSet()


def expire_added_losses(layer):
    """Drop the penalties ``layer`` and the layers inside it hold, as Keras does when a
    layer is called from outside any layer call (a new forward pass); also after a building
    run (a symbolic call's sample, a Sequential's shape run), which leaves no losses.
    Other layers keep theirs."""
    if not _LOSS_HOLDERS:  # most models: nothing to clear, and no walk of their layers
        return
    inside = {id(l) for l in layer._layers_within()}
    for holder in [h for h in _LOSS_HOLDERS if id(h) in inside]:
        holder._added_losses, holder._activity_losses = [], []
        _LOSS_HOLDERS.discard(holder)


def added_losses(layers):
    """The ``add_loss`` penalties the given layers recorded during their latest pass."""
    if not _LOSS_HOLDERS:
        return []
    return [loss for layer in layers for loss in layer._added_losses]


def _collect_in_scope(loss):
    """Add ``loss`` to the open StatelessScope's losses when it collects them."""
    scope = get_stateless_scope()
    if scope is not None and scope.collect_losses:
        scope.add_loss(loss)


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


def _batch_from_kwargs(kwargs):
    """The batch size fixed through Keras 2's ``batch_input_shape`` or ``batch_size``."""
    if kwargs.get("batch_input_shape") is not None:
        return tuple(kwargs["batch_input_shape"])[0]
    return kwargs.get("batch_size")


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


def _first_of_each(variables):
    """``variables`` with each one kept at its first place: a layer reached twice (shared by
    two sublayers) lists its weights once, as Keras's ``weights`` do."""
    seen = set()
    return [v for v in variables if not (id(v) in seen or seen.add(id(v)))]


def _stand_ins(variables, values):
    """``{id(variable): tensor}``: what a stateless call's graph reads for each variable,
    the value given for it (cast to the variable's dtype, as the call computed with it), a
    tensor of its own for a value given as an array; none for the variable itself or its own
    array (``variable.value``, which is the variable's tensor in Keras)."""
    stand_ins = {}
    for variable, value in zip(variables, values):
        if value is variable or value is variable.data:
            continue
        if not isinstance(value, Tensor):
            value = Tensor(np.array(value, dtype=variable.data.dtype))
        elif value.dtype != variable.data.dtype:
            value = cast(value, variable.data.dtype)
        stand_ins[id(variable)] = value
    return stand_ins
