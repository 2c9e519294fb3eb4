"""Sequential: a plain stack of layers, each feeding the next."""
import warnings

from .. import backend
from ..autodiff import no_grad
from ..layers.core import InputLayer
from ..layers.input_spec import (check_input_specs, invalid_input_shape, model_input_spec,
                                 structure_mismatch)
from ..layers.keras_tensor import KerasTensor
from ..layers.symbolic import record_call
from ..layers.layer import LAYERS, Layer, _keras_order, expire_added_losses
from ..layers.rnn.rnn import RNN
from ..naming import auto_name, name_scope
from ..variables import structure_changed
from .model import Model


@LAYERS.register("Sequential")
class Sequential(Model):
    """A linear stack of layers.

    Args:
        layers: optional list of layers (a ``keras.Input(...)`` may come first).
        trainable: whether the model's weights are trainable.
        name: model name (default ``sequential``, ``sequential_1``, ...).
    """

    _autocasts_inputs = False  # an Input layer's dtype rules, as in a functional model
    _converts_inputs = False
    _keras2_counts_own_node = True  # a Keras 2 file numbers its calls in a model from 1

    def __init__(self, layers=None, trainable=True, name=None):
        super().__init__(trainable=trainable, name=name)
        self._layers = []
        self._names = None  # [len(self._layers) when taken, set of their names]
        for layer in layers or ():
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    # ---- structure ------------------------------------------------------------------
    def add(self, layer, rebuild=True):
        """Append ``layer`` (or a ``keras.Input`` tensor) to the stack."""
        if isinstance(layer, KerasTensor):
            layer = layer.input_layer
        if not isinstance(layer, Layer):
            raise ValueError(
                "Only instances of `keras.Layer` can be added to a Sequential model. "
                f"Received: {layer!r} (of type {type(layer)})")
        if isinstance(layer, InputLayer):
            if self._layers:
                raise ValueError(
                    f"Sequential model '{self.name}' already has layers; an Input can only "
                    "come first.")
        elif not self._layers and layer._input_shape_arg is not None:
            self._layers.append(InputLayer(shape=layer._input_shape_arg,
                                           batch_size=layer._input_batch_arg))
        if layer.name in self._layer_names():
            raise ValueError(
                f"All layers added to a Sequential model should have unique names. Name "
                f"'{layer.name}' is already the name of a layer in this model. Update the "
                "`name` argument to pass a unique name.")
        self._layers.append(layer)
        self._names[1].add(layer.name)
        self._names[0] = len(self._layers)
        structure_changed()
        if rebuild:
            self._maybe_rebuild()

    def _layer_names(self):
        """The names of the stack's layers as a set, kept up to date by ``add`` (linear time).

        Recomputed when the stack changed another way (``pop``, an inserted Input).
        """
        if self._names is None or self._names[0] != len(self._layers):
            self._names = [len(self._layers), {other.name for other in self._layers}]
        return self._names[1]

    def pop(self, rebuild=True):
        if not self.layers:
            raise IndexError("There are no layers in the model.")  # Keras's type (a list pop)
        layer = self._layers.pop()
        structure_changed()
        self.built = False
        if rebuild:
            self._maybe_rebuild()
        return layer

    @property
    def layers(self):
        layers = self._layers  # an InputLayer can only come first (see add)
        return layers[1:] if layers and isinstance(layers[0], InputLayer) else list(layers)

    @layers.setter
    def layers(self, _):
        raise AttributeError("`Sequential.layers` cannot be assigned; use `add()` and `pop()`.")

    def _sublayers(self):
        return self.layers

    def _has_unknown_outputs(self):
        return False  # one output, as its last layer's

    def _input_layer(self):
        return self._layers[0] if self._layers and isinstance(self._layers[0], InputLayer) else None

    def _maybe_rebuild(self):
        input_layer = self._input_layer()
        if input_layer is not None and self.layers:
            self.build(input_layer.batch_shape)
        elif len(self.layers) > 1 and _declared_input_shape(self.layers[0]) is not None:
            self.build(_declared_input_shape(self.layers[0]))  # as Keras: a first model's

    # ---- building and calling ---------------------------------------------------------------
    def build(self, input_shape=None):
        """Build every layer for ``input_shape`` (batch axis first), checking shapes on the way."""
        if input_shape is None:
            if self._input_layer() is None:
                raise ValueError("You must provide an `input_shape` argument.")
            input_shape = self._input_layer().batch_shape
        input_shape = tuple(input_shape)
        if self._input_layer() is None:  # built from the first data: its batches may vary
            self._layers.insert(0, InputLayer(batch_shape=input_shape))
        elif input_shape[0] is None:  # a declared input without a batch size
            _check_no_stateful_rnn(self.layers, input_shape)
        shape, sampled = input_shape, None
        if all(d is not None for d in shape[1:]):
            sampled = [((shape[0],) + s[1:], dtype) for s, dtype in self._run_sample(shape)]
            shape = sampled[-1][0]
        else:
            for layer in self.layers:
                layer.build_from_shape(shape)
                shape = layer.compute_output_shape(shape)
        self._output_shape = shape
        self.built = True
        self._build_input_shape = input_shape
        self._trace_symbolic(sampled)
        # Keras builds (and names) a Functional inside: same next names, and its name in
        # the error of a symbolic call that does not fit the input
        self._functional_name = auto_name("functional")

    def _run_sample(self, input_shape):
        """The output shape and dtype of each layer for one sample of zeros
        run through the stack; each unbuilt layer is first built for its input with the
        declared batch size, not the sample's 1."""
        x = backend.placeholder_array((1,) + tuple(input_shape[1:]), self._input_layer().dtype)
        shapes = []
        with no_grad():
            for layer in self.layers:
                if isinstance(layer, Model):  # a built model checks a symbolic call's shape
                    layer._check_input_spec(KerasTensor((input_shape[0],) + tuple(x.shape[1:]),
                                                        backend.standardize_dtype(x.dtype)))
                if not layer.built:
                    layer.build_from_shape((input_shape[0],) + tuple(x.shape[1:]),
                                           ((), {"training": False}))
                with name_scope(layer.name, caller=layer):  # as the call that builds
                    x = layer(x, training=False)
                shapes.append((tuple(x.shape), backend.standardize_dtype(x.dtype)))
        expire_added_losses(self)
        return shapes

    def _trace_symbolic(self, sampled=None):
        """Give every layer its symbolic ``input`` / ``output`` (KerasTensors), as Keras's
        functional tracing of a built Sequential does: the shapes of the sample run when
        there was one (a user's layer without ``compute_output_shape`` traces too, as Keras
        runs its call) and their dtypes, else each layer's ``compute_output_shape`` and the
        input's dtype."""
        input_layer = self._input_layer()
        x = input_layer.output
        try:
            for i, layer in enumerate(self.layers):
                shape, dtype = (layer.compute_output_shape(x.shape), x.dtype) \
                    if sampled is None else sampled[i]
                out = KerasTensor(shape, dtype)
                # the call's history (feature extraction works), with its mask's op nodes
                record_call(layer, x, (), {}, out)
                layer._set_symbolic(x, out)
                x = out
        except Exception:  # a custom layer without compute_output_shape: leave it untraced
            return
        self._set_symbolic(input_layer.output, x)

    def _check_input_spec(self, inputs):
        """A call on a KerasTensor is checked against the built input's shape (any batch
        size, a trailing axis of 1 free), as Keras's inner Functional checks it; a call on
        data is not (Keras runs the layers on it)."""
        if isinstance(inputs, KerasTensor) and self.built and self._input_layer() is not None:
            check_input_specs(model_input_spec(self._input_layer().output), inputs,
                              self._functional_name)
        super()._check_input_spec(inputs)

    def call(self, inputs, training=None, mask=None):
        x = _one_input(self, inputs)
        built_shape = self._build_input_shape
        if built_shape is not None and len(x.shape) != len(built_shape):
            x = _adjusted_rank(x, built_shape, self._input_layer())
        if mask is not None:  # as Keras: the mask is set on the input, for the first layer
            x.mask = mask
        for layer in self.layers:
            # as Keras: `training` is passed to the layers whose `call` takes it; the others
            # run inside this call's context, which holds it (and skip the keyword's cost)
            x = layer(x, training=training) if layer._call_takes_training else layer(x)
        return x

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self.layers:
            shape = layer.compute_output_shape(shape)
        return shape

    def _check_can_run(self):
        if not self.layers:
            raise ValueError(
                f"Sequential model '{self.name}' has no layers, so it has no known input or "
                "output shape. Add layers (starting with `keras.Input(shape)`) before using it.")

    @property
    def inputs(self):
        """``[KerasTensor]`` of the model's input, once built."""
        return [self._symbolic_or_raise(0, "inputs")]

    @property
    def outputs(self):
        """``[KerasTensor]`` of the model's output, once built."""
        return [self._symbolic_or_raise(1, "outputs")]

    @property
    def input(self):
        return self._symbolic_or_raise(0, "input")

    @property
    def output(self):
        return self._symbolic_or_raise(1, "output")

    def _symbolic_or_raise(self, index, what):
        symbolic = self.__dict__.get("_symbolic")
        if not self.built or symbolic is None:
            raise AttributeError(f"Sequential model '{self.name}' has no defined {what} yet. "
                                 "Build it (start it with `keras.Input(shape)`) or call it on "
                                 "data first.")
        return symbolic[index]

    @property
    def input_shape(self):
        if self._input_layer() is None:
            raise AttributeError(f"Sequential model '{self.name}' has no defined input shape "
                                 "yet. Build it or call it on data first.")
        return self._input_layer().batch_shape

    @property
    def output_shape(self):
        if not self.built:
            raise AttributeError(f"Sequential model '{self.name}' has no defined output shape "
                                 "yet. Build it or call it on data first.")
        return self._output_shape

    # ---- config ------------------------------------------------------------------------
    def build_from_config(self, config):
        if not self.built and config and config.get("input_shape") is not None:
            self.build(tuple(config["input_shape"]))

    def _saveable_children(self):
        return [("layers", self.layers)] + _keras_order(self._attribute_children())

    def get_config(self):
        from ..saving.serialization import serialize_keras_object  # a nested model as Keras
        layers = [serialize_keras_object(layer) for layer in self._layers]
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": super().get_config()["dtype"], "layers": layers}
        if self._build_input_shape is not None:
            config["build_input_shape"] = tuple(self._build_input_shape)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..saving.serialization import deserialize_keras_object  # honours build configs
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for entry in config["layers"]:
            model.add(deserialize_keras_object(entry, custom_objects), rebuild=False)
        if model._input_layer() is None and config.get("build_input_shape"):
            model.build(tuple(config["build_input_shape"]))
        else:
            model._maybe_rebuild()
        return model


def _declared_input_shape(layer):
    """The input shape of a model with a declared input (``input_shape``, which only models
    have, raises AttributeError without one), else None."""
    try:
        return getattr(layer, "input_shape", None)
    except (AttributeError, ValueError):
        return None


def _check_no_stateful_rnn(layers, input_shape):
    """A stateful RNN needs a fixed batch size: the error the functional path gives (Keras's
    Sequential traces its layers on the declared input, so it raises there too)."""
    for layer in layers:
        for inner in layer._flatten_layers():
            if isinstance(inner, RNN):
                inner.check_static_batch(input_shape)


def _adjusted_rank(x, built_shape, input_layer):
    """``x`` with Keras's rank adjustment to the built input: a missing trailing axis of 1
    added (a 1-D column given for inputs of shape (None, 1)), an extra one dropped; any
    other rank is refused with Keras's words when the model has an input (else the first
    layer refuses it)."""
    if len(x.shape) == len(built_shape) - 1 and built_shape[-1] == 1:
        return x.reshape(tuple(x.shape) + (1,))
    if len(x.shape) == len(built_shape) + 1 and x.shape[-1] == 1:
        return x.reshape(tuple(x.shape[:-1]))
    if input_layer is not None:
        raise invalid_input_shape(x, input_layer.output.name, "", built_shape)
    return x


def _one_input(model, inputs):
    """The single input of a Sequential model (a one-element list is unwrapped, with Keras's
    warning when the model has an input; a dict must hold the input's name, as in Keras)."""
    if isinstance(inputs, dict) and model._input_layer() is not None:
        name = model._input_layer().output.name
        if name in inputs:
            return inputs[name]
        raise ValueError(structure_mismatch(name, inputs))
    if not isinstance(inputs, (list, tuple)):
        return inputs
    if len(inputs) != 1:
        raise ValueError(
            f"Sequential model '{model.name}' expects 1 input, but it received {len(inputs)} "
            "input tensors. A Sequential model has one input; use the functional API "
            "(`keras.Model(inputs=[...], outputs=...)`) for several.")
    if model._input_layer() is not None:
        # Keras's warning (its inner functional model expects the tensor itself), issued
        # from here, so Python's default filter shows it once, as Keras's
        warnings.warn(structure_mismatch(model._input_layer().output.name, inputs))
    return inputs[0]
