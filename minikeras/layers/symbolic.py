"""The functional API's symbolic side: KerasTensor, Node, and calling a layer on structures.

``Layer.__call__`` hands every list / tuple / dict input and every KerasTensor here.
This module knows the Layer only through the methods it calls (``build_from_shape``,
``_run_call``, ``compute_output_shape``, ``_set_symbolic``) and imports no layer module.
"""
import numpy as np

from .. import backend
from ..autodiff import no_grad
from ..autodiff.tensor import Tensor
from ..naming import auto_name
from ..ops.core import convert_to_tensor
from ..tree import flatten, map_structure


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
        lambda v: v if isinstance(v, Tensor) else convert_to_tensor(edge_cast(v)), inputs)
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
            backend.placeholder_array((1,) + tuple(t.shape[1:]), t.dtype)), inputs)
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


def edge_cast(x):
    """Cast user data at the model's edge: floating arrays become floatx, others stay."""
    x = np.asarray(x)
    if np.issubdtype(x.dtype, np.floating) and x.dtype != backend.floatx():
        return x.astype(backend.floatx())
    return x
