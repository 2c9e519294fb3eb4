"""Input, Dense and Activation; KerasTensor and the symbolic (functional-API) call."""
import numpy as np

from .. import activations, backend
from ..autodiff import no_grad
from ..autodiff import primitives as P
from ..autodiff.tensor import Tensor
from ..ops.core import convert_to_tensor
from .layer import LAYERS, InputSpec, Layer, _edge_cast
from .weight_options import add_weight_with_options, set_weight_options, weight_options_config


@LAYERS.register("InputLayer")
class InputLayer(Layer):
    """The entry point of a model: fixes the per-sample shape and dtype. Has no weights."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, ragged=None, **kwargs):
        legacy = kwargs.pop("input_shape", None)
        legacy_batch = kwargs.pop("batch_input_shape", None)
        super().__init__(name=name, dtype=dtype, **kwargs)
        shape = shape if shape is not None else legacy
        batch_shape = batch_shape if batch_shape is not None else legacy_batch
        if shape is not None and batch_shape is not None:
            raise ValueError("You cannot pass both `shape` and `batch_shape` at the same time.")
        if batch_shape is None:
            if shape is None:
                raise ValueError("You must pass a `shape` argument to InputLayer or Input.")
            shape = (shape,) if isinstance(shape, int) else tuple(shape)
            batch_shape = (batch_size,) + shape
        self.batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self.sparse, self.ragged, self.optional = bool(sparse), bool(ragged), optional
        self.built = True
        if not isinstance(input_tensor, KerasTensor):
            input_tensor = KerasTensor(self.batch_shape, self.dtype, self.sparse, self.ragged,
                                       name=name)
        input_tensor.input_layer = self
        Node(self, None, {}, [input_tensor])  # node 0: the model input, called on nothing
        self._set_symbolic(input_tensor, input_tensor)

    def get_config(self):
        return {"batch_shape": list(self.batch_shape), "dtype": self.dtype,
                "sparse": self.sparse, "ragged": self.ragged, "name": self.name,
                "optional": self.optional}


class KerasTensor:
    """A symbolic tensor: a shape (batch axis first, ``None`` where unknown) and a dtype.

    ``keras.Input(...)`` returns one (its ``input_layer`` starts a Sequential model); a built
    Sequential gives its layers' ``input`` / ``output`` and its ``inputs`` / ``outputs`` as
    KerasTensors. Calling a layer on KerasTensors returns new ones that remember the call in
    ``_keras_history`` = ``(layer, node_index, tensor_index)``: the graph a functional
    ``keras.Model(inputs, outputs)`` is made of.
    """

    _keras_history = None  # set by Node for tensors made by a layer call or keras.Input

    def __init__(self, shape, dtype="float32", sparse=False, ragged=False, name=None,
                 input_layer=None):
        from ..naming import auto_name
        self.shape = tuple(shape)
        self.dtype = dtype
        self.sparse, self.ragged = bool(sparse), bool(ragged)
        self.name = name or auto_name("keras_tensor")
        self.input_layer = input_layer

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return (f"<KerasTensor shape={self.shape}, dtype={self.dtype}, sparse={self.sparse}, "
                f"ragged={self.ragged}, name={self.name}>")


class Node:
    """One call of a layer on KerasTensors: the input structure, call kwargs and outputs.

    Appended to ``layer._inbound_nodes``; each output tensor gets ``_keras_history``
    ``(layer, index of this node, index of the tensor among the outputs)``. An InputLayer's
    node 0 has no inputs (``args`` is None).
    """

    __slots__ = ("layer", "args", "kwargs", "inputs", "outputs", "index")

    def __init__(self, layer, args, kwargs, outputs):
        self.layer, self.args, self.kwargs = layer, args, dict(kwargs)
        self.inputs = [] if args is None else flatten(args)
        self.outputs = list(outputs)
        nodes = layer.__dict__.setdefault("_inbound_nodes", [])
        self.index = len(nodes)
        nodes.append(self)
        for i, tensor in enumerate(self.outputs):
            tensor._keras_history = (layer, self.index, i)

    @property
    def is_input(self):
        return not self.inputs

    def __repr__(self):
        return f"<Node {self.layer.name}[{self.index}]>"


def flatten(structure):
    """The leaves of a tensor, or list / tuple / dict (sorted keys, as Keras) of them."""
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in flatten(structure[key])]
    return [structure]


def map_structure(fn, structure):
    """``structure`` with ``fn`` applied to every leaf (lists stay lists, tuples tuples)."""
    if isinstance(structure, (list, tuple)):
        return type(structure)(map_structure(fn, item) for item in structure)
    if isinstance(structure, dict):
        return {key: map_structure(fn, value) for key, value in structure.items()}
    return fn(structure)


def call_structured(layer, inputs, training, kwargs):
    """``layer(inputs)`` for KerasTensors (a symbolic call) or a list / tuple / dict of arrays.

    Returns NotImplemented when ``inputs`` holds neither (a plain nested list of numbers),
    so that ``Layer.__call__`` converts it to one array as before.
    """
    leaves = flatten(inputs)
    symbolic = [isinstance(leaf, KerasTensor) for leaf in leaves]
    if any(symbolic):
        if not all(symbolic):
            raise TypeError(
                f"Layer '{layer.name}' was called on a mix of symbolic KerasTensors and real "
                "arrays. In the functional API every input must come from `keras.Input(...)` "
                "or from a layer called on one.")
        return _symbolic_call(layer, inputs, training, kwargs)
    if not leaves or not all(isinstance(leaf, (Tensor, np.ndarray)) for leaf in leaves):
        return NotImplemented
    tensors = map_structure(
        lambda v: v if isinstance(v, Tensor) else convert_to_tensor(_edge_cast(v)), inputs)
    if not layer.built:
        layer.build_from_shape(map_structure(lambda t: (None,) + tuple(t.shape[1:]), tensors))
    return layer._run_call(tensors, training, kwargs)


def _symbolic_call(layer, inputs, training, kwargs):
    """Build ``layer`` for the inputs' shapes and return KerasTensors for its outputs."""
    shapes = map_structure(lambda t: tuple(t.shape), inputs)
    if not layer.built:
        layer.build_from_shape(shapes)
    elif isinstance(inputs, KerasTensor) and layer.input_spec is not None:
        problem = layer.input_spec.problem(inputs.shape)
        if problem:
            raise ValueError(
                f'Input 0 of layer "{layer.name}" is incompatible with the layer: {problem}')
    call_kwargs = dict(kwargs)
    if training is not None:
        call_kwargs["training"] = training
    leaves = flatten(inputs)
    batch = leaves[0].shape[0] if leaves[0].shape else None
    if all(d is not None for leaf in leaves for d in leaf.shape[1:]):
        # Every size is known: run the layer on one sample of zeros (cheap, and exact for
        # custom layers that have no compute_output_shape).
        zeros = map_structure(lambda t: convert_to_tensor(
            np.zeros((1,) + tuple(t.shape[1:]), dtype=t.dtype)), inputs)
        with no_grad():
            result = layer(zeros, **call_kwargs)
        outputs = map_structure(lambda out: KerasTensor(
            (batch,) + tuple(out.shape[1:]), backend.standardize_dtype(out.dtype)), result)
    else:
        result = layer.compute_output_shape(shapes)
        dtype = leaves[0].dtype
        if result and isinstance(result[0], (list, tuple)):
            outputs = [KerasTensor(shape, dtype) for shape in result]
        else:
            outputs = KerasTensor(result, dtype)
    Node(layer, inputs, call_kwargs, flatten(outputs))
    if layer.__dict__.get("_symbolic") is None:
        layer._set_symbolic(inputs, outputs)
    return outputs


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False, ragged=None):
    """A symbolic input of per-sample ``shape``, to start a Sequential model."""
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, input_tensor=tensor, name=name,
                       optional=optional, ragged=ragged)
    return layer.output


# Activations the dense primitive applies itself (same numbers, one graph node fewer).
FUSED_ACTIVATIONS = {activations.relu: "relu", activations.tanh: "tanh"}


@LAYERS.register("Dense")
class Dense(Layer):
    """A densely connected layer.

    Formula: ``output = activation(inputs @ kernel + bias)`` on the last axis;
    leading axes are kept, so (batch, 7, in) gives (batch, 7, units).
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 lora_rank=None, lora_alpha=None, quantization_config=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
            raise ValueError(
                f"Received an invalid value for `units`, expected a positive integer. "
                f"Received: units={units!r}")
        if lora_rank is not None:
            raise NotImplementedError("LoRA (`lora_rank`) is not supported by minikeras yet.")
        del lora_alpha, quantization_config  # Keras 3.15 configs carry quantization_config=None
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        set_weight_options(self, kernel_initializer=kernel_initializer,
                           bias_initializer=bias_initializer,
                           kernel_regularizer=kernel_regularizer,
                           bias_regularizer=bias_regularizer,
                           kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape):
        in_dim = input_shape[-1]
        self.kernel = add_weight_with_options(self, "kernel", (in_dim, self.units))
        self.bias = add_weight_with_options(self, "bias", (self.units,)) if self.use_bias else None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: in_dim})

    def call(self, inputs):
        fused = FUSED_ACTIVATIONS.get(self.activation)
        if fused is not None:
            return P.dense(inputs, self.kernel, self.bias, activation=fused)
        return self.activation(P.dense(inputs, self.kernel, self.bias))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)[:-1] + (self.units,)

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                **weight_options_config(self, "kernel", "bias")}


@LAYERS.register("Activation")
class Activation(Layer):
    """Applies an activation function (a name like ``"relu"`` or a callable)."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


