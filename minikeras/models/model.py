"""Model: a Layer that can be compiled and trained."""
import inspect
import re
import warnings

import numpy as np

from .. import backend
from ..autodiff import no_grad
from ..autodiff.tensor import Tensor
from ..layers.layer import Layer, _keras_order
from ..quantizers.quantization_config import validate_and_resolve_config
from .trainer import Trainer


class Model(Trainer, Layer):
    """Base of every trainable model: ``keras.Model(inputs, outputs)`` (the functional API),
    a subclass that defines ``call``, or Sequential."""

    _accepts_strings = True

    # The class ``Model(inputs, outputs)`` makes: Functional, set by models/functional.py
    # (which imports this module), so that Model need not import its own subclass.
    _built_from_inputs_and_outputs = None

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            functional = Model._built_from_inputs_and_outputs
            return functional.__new__(functional, *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, trainable=True, name=None, **kwargs):
        if args or "inputs" in kwargs or "outputs" in kwargs:
            # A functional subclass: it becomes a subclass of Functional (as in Keras)
            functional = Model._built_from_inputs_and_outputs
            _rebase_on(type(self), functional)
            functional.__init__(self, *args, trainable=trainable, name=name, **kwargs)
            return
        Layer.__init__(self, trainable=trainable, name=name, **kwargs)
        self._init_trainer(kwargs.get("dtype"))

    def call(self, *args, **kwargs):
        """A subclassed model's forward pass: the subclass writes it (Keras's error if not)."""
        raise NotImplementedError(
            f"Model {type(self).__name__} does not have a `call()` method implemented.")

    def compute_output_shape(self, *args, **kwargs):
        """A subclassed model's output shape is unknown until the subclass says (Keras's
        error; ``compute_output_spec`` runs the call instead)."""
        raise NotImplementedError(
            f"Layer {type(self).__name__} does not have a `compute_output_shape` method "
            "implemented. Should implement `def compute_output_shape(self, input_shape)`.")

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A model from its config: ``Model.from_config`` of a functional config rebuilds the
        graph; a subclass is created from its constructor's arguments."""
        functional = Model._built_from_inputs_and_outputs
        if cls is Model and all(k in config for k in ("layers", "input_layers", "output_layers")):
            return functional.from_config(config, custom_objects=custom_objects)
        return cls(**config)

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print the layer table in Keras 3's format, with parameter totals; a branching
        functional graph gets a ``Connected to`` column. ``print_fn`` receives the whole
        text in one call."""
        if hasattr(self, "operations"):
            from .functional_summary import print_functional_summary as print_table
        else:
            from ..utils.summary import print_summary as print_table
        print_table(self, line_length=line_length, positions=positions, print_fn=print_fn,
                    expand_nested=expand_nested, show_trainable=show_trainable,
                    layer_range=layer_range)

    @property
    def layers(self):
        """The layers this model holds in its attributes, in assignment order."""
        return list(self._sublayers())

    @layers.setter
    def layers(self, _):
        raise AttributeError("`Model.layers` attribute is reserved and should not be used. "
                             "Please use another name.")

    def get_layer(self, name=None, index=None):
        if index is not None and name is not None:
            raise ValueError("Provide only a layer name or a layer index. Received: "
                             f"index={index}, name={name}.")
        if index is None and name is None:
            raise ValueError("Provide either a layer name or layer index at `get_layer`.")
        layers = self._sublayers()
        if index is not None:
            if not 0 <= index < len(layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only "
                                 f"has {len(layers)} layers.")
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: "
                         f"{[layer.name for layer in layers]}.")

    # ---- quantization (see docs/quantization.md) -----------------------------------------
    def quantize(self, mode=None, config=None, filters=None, **kwargs):
        """Quantize the Dense, EinsumDense, Embedding and ReversibleEmbedding weights of this
        built model: ``mode`` "int8" or "int4", or a ``config``
        (``keras.quantizers.Int8QuantizationConfig`` ...). ``filters`` (a regex on layer
        names, a list of them, or a callable taking the layer) picks the layers. Other
        layers are left as they are, with a warning."""
        type_check = kwargs.pop("type_check", True)
        config = validate_and_resolve_config(mode, config)
        if not self.built:
            raise ValueError(
                "Cannot quantize a layer that isn't yet built. Layer "
                f"'{self.name}' (of type '{type(self).__name__}') is not built yet.")
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to {type(self).__name__}: "
                             f"{kwargs}")
        if filters is not None and not (isinstance(filters, (str, list, tuple))
                                        or callable(filters)):
            raise ValueError("The `filters` argument must be a regex string, a list of regex "
                             f"strings, or a callable. Received: {type(filters)}")
        for layer in _leaf_layers(self):
            if not _selected(layer, filters):
                continue
            try:
                layer.quantize(config.mode, type_check=type_check, config=config)
            except NotImplementedError as error:
                warnings.warn(str(error), stacklevel=2)

    # ---- saving (see minikeras.saving and docs/saving.md) ----------------------------------
    def build_from_config(self, config):
        """Build for a saved input shape: a subclassed model creates its weights on a first
        call, made here on zeros of that shape (when every per-sample size is known): the
        saved batch size when there is one, as Keras's build traces the full shape (its
        layers' summary shapes show it), else one sample."""
        if self.built or not config or config.get("input_shape") is None:
            return
        input_shape = tuple(config["input_shape"])
        if all(d is not None for d in input_shape[1:]):
            batch = 1 if input_shape[0] is None else input_shape[0]
            with no_grad():
                self(np.zeros((batch,) + input_shape[1:], dtype=backend.floatx()))
            self._build_input_shape = input_shape

    # ---- Keras's execution settings: reported as compile (or the user) set them; numpy
    # runs every step eagerly either way --------------------------------------------------
    def _execution_setting(self, key, default):
        """``key`` (run_eagerly, jit_compile, steps_per_execution) as last set: on the model
        since the last ``compile``, else by that ``compile``, else Keras's default."""
        config = getattr(self, "_compile_config", None)
        override = self.__dict__.get("_execution_overrides", {}).get(key)
        if override is not None and override[0] is config:
            return override[1]
        return default if config is None else config.get(key, default)

    def _set_execution_setting(self, key, value):
        overrides = self.__dict__.setdefault("_execution_overrides", {})
        overrides[key] = (getattr(self, "_compile_config", None), value)

    @property
    def run_eagerly(self):
        return self._execution_setting("run_eagerly", False)

    @run_eagerly.setter
    def run_eagerly(self, value):
        self._set_execution_setting("run_eagerly", value)

    @property
    def jit_compile(self):
        """False for "auto" (Keras's choice on the torch and numpy-like backends) and when
        ``run_eagerly`` is set at compile, as Keras resolves it."""
        value = self._execution_setting("jit_compile", "auto")
        if value == "auto" or (value and self._execution_setting("run_eagerly", False)):
            return False
        return value

    @jit_compile.setter
    def jit_compile(self, value):
        self._set_execution_setting("jit_compile", value)

    @property
    def steps_per_execution(self):
        return self._execution_setting("steps_per_execution", 1)

    @steps_per_execution.setter
    def steps_per_execution(self, value):
        self._set_execution_setting("steps_per_execution", value)

    # ---- the state tree: every variable by path -------------------------------------------
    _STATE_GROUPS = ("trainable_variables", "non_trainable_variables", "optimizer_variables",
                     "metrics_variables")

    def _state_group(self, group):
        if group == "optimizer_variables":
            return list(self.optimizer.variables) if self.optimizer is not None else []
        return list(getattr(self, group))

    def get_state_tree(self, value_format="backend_tensor"):
        """The model's variables as nested dicts, one per group (trainable, non-trainable,
        optimizer, metrics), each keyed by the parts of the variables' paths:
        ``tree["trainable_variables"]["seq"]["dense"]["kernel"]``. The leaves are copies,
        Tensors (``value_format="backend_tensor"``) or numpy arrays (``"numpy_array"``).

        Raises:
            ValueError: for another ``value_format``, or when two variables share a path.
        """
        if value_format not in ("backend_tensor", "numpy_array"):
            raise ValueError("get_state_tree: value_format must be 'backend_tensor' or "
                             f"'numpy_array'. Received: value_format={value_format!r}")
        leaf = Tensor if value_format == "backend_tensor" else (lambda a: a)
        tree = {}
        for group in self._STATE_GROUPS:
            branch = tree[group] = {}
            seen = set()
            for variable in self._state_group(group):
                if variable.path in seen:
                    raise ValueError(
                        f"get_state_tree: the variable path '{variable.path}' is found twice in "
                        "the model; give its layers (and other objects) unique names.")
                seen.add(variable.path)
                *parents, name = variable.path.split("/")
                node = branch
                for part in parents:
                    node = node.setdefault(part, {})
                node[name] = leaf(np.array(variable.value))
        return tree

    def set_state_tree(self, state_tree):
        """Assign the values of a state tree (``get_state_tree``'s layout; any subset of its
        groups and paths) to the variables with those paths. Paths the model does not have
        are skipped, as in Keras. Every value is checked before any is assigned, so a bad
        tree changes nothing.

        Raises:
            ValueError: for a group name not among ``get_state_tree``'s, or a value whose
                shape is not its variable's.
        """
        updates = []
        for group, branch in state_tree.items():
            if group not in self._STATE_GROUPS:
                raise ValueError(f"set_state_tree: unknown group {group!r}; expected one of "
                                 f"{list(self._STATE_GROUPS)}.")
            values = _flattened_by_path(branch)
            for variable in self._state_group(group):
                if variable.path not in values:
                    continue
                value = np.asarray(values[variable.path])
                if value.shape != tuple(variable.shape):
                    raise ValueError(
                        f"set_state_tree: the value for '{variable.path}' has shape "
                        f"{value.shape}; the variable's shape is {tuple(variable.shape)}.")
                updates.append((variable, value))
        for variable, value in updates:
            variable.assign(value)

    def get_compile_config(self):
        """The ``compile()`` arguments, serialized, or ``{}`` for a model not compiled."""
        from ..saving.model_config import compile_config
        return compile_config(self)

    def compile_from_config(self, config):
        """``compile()`` with the arguments of a saved compile config. A built model's
        optimizer is built at once, as Keras does, so that loading a file (``load_model``)
        restores the optimizer's state into its variables. A class with its own
        ``compile`` is left uncompiled, with Keras's warning (it should override this)."""
        if type(self).compile is not Trainer.compile:
            warnings.warn(
                "`compile()` was not called as part of model loading because the model's "
                "`compile()` method is custom. All subclassed Models that have `compile()` "
                "overridden should also override `get_compile_config()` and "
                "`compile_from_config(config)`. Alternatively, you can call `compile()` "
                "manually after loading.", stacklevel=2)
            return
        from ..saving.model_config import compile_from_config
        compile_from_config(self, config)
        if self.built:
            _check_one_trainable_dtype(self)
            self._build_optimizer()

    def _saveable_children(self):
        return _keras_order({"layers": list(self.layers), **self._attribute_children()})

    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Save the whole model: ``.keras`` (zip) or legacy ``.h5`` / ``.hdf5``."""
        from ..saving import save_model
        return save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath, overwrite=True, max_shard_size=None):
        """Save the weights (and optimizer state) to a ``.weights.h5`` file."""
        from ..saving import save_weights
        return save_weights(self, filepath, overwrite=overwrite, max_shard_size=max_shard_size)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Load weights from ``.weights.h5`` / ``.keras`` or a legacy ``.h5`` file
        (``by_name=True`` matches legacy layers by name)."""
        from ..saving import load_weights
        return load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    def to_json(self, **kwargs):
        """The model's config as a JSON string (``json.dumps`` keyword arguments allowed)."""
        from ..saving.api import to_json
        return to_json(self, **kwargs)


def _leaf_layers(model):
    """The layers inside ``model`` (at any depth, each once) that hold no layers themselves."""
    return [layer for layer in model._flatten_layers()
            if layer is not model and not layer._sublayers()]


def _selected(layer, filters):
    """Keras's layer filter of ``quantize``: a regex searched in the layer's name, a list of
    them (any), or a callable."""
    if filters is None:
        return True
    if isinstance(filters, str):
        return re.search(filters, layer.name) is not None
    if isinstance(filters, (list, tuple)):
        return any(re.search(pattern, layer.name) for pattern in filters)
    return bool(filters(layer))


def _rebase_on(cls, functional):
    """Make a user subclass of Model a subclass of ``functional`` (Keras does the same when
    a subclass hands ``inputs`` / ``outputs`` to ``Model.__init__``)."""
    if issubclass(cls, functional):
        return
    own_call = next((klass.__dict__["call"] for klass in cls.__mro__
                     if klass is not Model and "call" in klass.__dict__), None)
    if own_call is not None:
        params = [p for p in inspect.signature(own_call).parameters.values()][1:]
        if not params or params[0].kind not in (params[0].POSITIONAL_ONLY,
                                                params[0].POSITIONAL_OR_KEYWORD):
            raise TypeError(
                f"{cls.__name__} passes `inputs` / `outputs` to `Model.__init__` (a functional "
                f"model), so its `call` must take the inputs as its first argument, as "
                f"`call(self, inputs, training=None)`. Received: call{inspect.signature(own_call)}")
    for klass in cls.__mro__:
        if Model in klass.__bases__:
            klass.__bases__ = tuple(functional if base is Model else base
                                    for base in klass.__bases__)


def _flattened_by_path(tree, prefix=""):
    """``{"a/b/c": leaf}`` of a nested dict ``{"a": {"b": {"c": leaf}}}``."""
    flat = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(_flattened_by_path(value, f"{prefix}{key}/"))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _check_one_trainable_dtype(model):
    """A file's compiled model whose trainable variables mix dtypes (a ``dtype="float64"``
    layer among float32 ones) trains in Keras; minikeras's optimizers keep one flat buffer
    of one dtype, so such a model loads for inference only (docs/porting.md)."""
    dtypes = sorted({v.dtype for v in model.trainable_variables})
    if len(dtypes) > 1:
        raise ValueError(
            f"Model '{model.name}' has trainable variables of several dtypes ({dtypes}); "
            "minikeras's optimizers train variables of one dtype, so it cannot be compiled "
            "with its optimizer. To deploy it, load it with compile=False "
            "(keras.saving.load_model(path, compile=False)) and predict; to train it, give "
            "every layer the same dtype.")
