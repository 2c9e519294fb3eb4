"""The functional API's symbolic side: Node, and calling a layer on KerasTensors.

``Layer.__call__`` hands every call with KerasTensors among its arguments here
(``symbolic_call``), and uses the helpers below for structures of arrays. This module knows
the Layer only through the methods it calls (``build_from_shape``, ``__call__``,
``compute_output_shape``, ``_set_symbolic``) and imports no layer module. KerasTensor is in
``keras_tensor.py``; outputs found by running a call on placeholders in ``output_probe.py``.
"""
import functools

import numpy as np

from .. import backend
from ..autodiff.tensor import Tensor
from ..ops.core import convert_to_tensor
from ..tree import flatten, map_structure
from .input_spec import InputSpec, check_input_specs
from .keras_tensor import KerasTensor
from .masks import carries_mask, warn_dropped_mask
from .output_probe import outputs_by_running, outputs_or_advice, sizes_known, symbolic_leaves


class Node:
    """One call of a layer on KerasTensors: its positional ``args`` (a tuple: the first
    argument, then the others), ``kwargs`` and outputs. ``filled`` holds the plain keywords
    Keras records besides the given ones (``training``, a ``mask`` of None: see
    ``_filled_in_arguments``): files hold them, runs need not pass them.

    ``inputs`` lists every KerasTensor among the arguments. Appended to
    ``layer._inbound_nodes``; each output tensor gets ``_keras_history``
    ``(layer, index of this node, index of the tensor among the outputs)``. An InputLayer's
    node 0 has no inputs (``args`` is None).
    """

    __slots__ = ("layer", "args", "kwargs", "filled", "inputs", "outputs", "index")

    def __init__(self, layer, args, kwargs, outputs, filled=None):
        self.layer = layer
        self.args = None if args is None else map_structure(_constant, args)
        self.kwargs = {k: map_structure(_constant, v) for k, v in kwargs.items()}
        self.filled = filled or {}
        self.inputs = [] if args is None else [
            leaf for leaf in flatten([list(args), self.kwargs]) if isinstance(leaf, KerasTensor)]
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


def _constant(value):
    """A call argument as a node keeps it: a tensor computed while the graph was built (say
    ``Embedding(...)(ops.arange(n))``) as its values alone, a constant of the graph that no
    gradient reaches, as in Keras; KerasTensors and everything else as they are."""
    if type(value) is Tensor and value.creator is not None:
        return Tensor(value.data)
    return value


def as_tensor_structure(inputs):
    """A list / tuple / dict of arrays or tensors as the same structure of tensors, or None
    when its leaves are not all arrays (a nested list of numbers is one array instead).
    None entries stay None (Keras 3.15 passes them on: the migration guide's
    ``{"foo": x, "bar": {"baz": None}}``)."""
    leaves = [leaf for leaf in flatten(inputs) if leaf is not None]
    if not leaves or not all(isinstance(leaf, (Tensor, np.ndarray)) for leaf in leaves):
        return None
    return map_structure(
        lambda v: v if v is None or isinstance(v, Tensor) else convert_to_tensor(edge_cast(v)),
        inputs)


# ---- the symbolic call --------------------------------------------------------------------
def _check_input_count(layer, inputs):
    """Keras's error for a list of several tensors given to a layer whose one InputSpec
    takes one (a Dense given a Lambda's list output, or two branches not concatenated). An
    RNN takes Keras 2's ``[sequences, *initial_states]`` and checks that itself."""
    if (isinstance(layer.input_spec, InputSpec) and type(inputs) in (list, tuple)
            and len(inputs) > 1 and not getattr(layer, "takes_states_in_inputs", False)):
        check_input_specs(layer.input_spec, inputs, layer.name)


def symbolic_call(layer, inputs, rest, kwargs):
    """``layer(inputs, *rest, **kwargs)`` on KerasTensors: build ``layer`` for the first
    argument's shapes, record a Node holding every argument, return KerasTensors. Other
    arguments may be constants (arrays, tensors), kept in the node as Keras keeps them."""
    args = (inputs,) + tuple(rest)
    shapes = map_structure(lambda t: tuple(t.shape) if isinstance(t, (KerasTensor, Tensor, np.ndarray))
                           else t, inputs)
    _check_input_count(layer, inputs)
    layer._check_input_spec(inputs)
    if not layer.built:
        layer.build_from_shape(shapes, (rest, kwargs))
    kwargs = {k: v for k, v in kwargs.items() if not (k == "training" and v is None)}
    symbolic = symbolic_leaves(args, kwargs)
    if _defines_output_spec(type(layer)):  # as Keras: a layer's own rules
        outputs = layer.compute_output_spec(*args, **kwargs)
    elif _shape_is_enough(layer, args, kwargs):
        outputs = KerasTensor(layer.compute_output_shape(shapes), inputs.dtype)
    elif sizes_known(symbolic) or not _defines_output_shape(layer):
        # Run the layer on zeros: exact for custom layers that have no compute_output_shape
        # (whose call failing on every trace is an error, as in Keras)
        if _defines_output_shape(layer):
            outputs = outputs_by_running(layer, args, kwargs)
        else:
            outputs = outputs_or_advice(layer, args, kwargs)
        if outputs is None:
            outputs = _outputs_from_shape(layer, inputs, shapes, symbolic)
    else:
        outputs = _outputs_from_shape(layer, inputs, shapes, symbolic)
    record_call(layer, inputs, rest, kwargs, outputs)
    if layer.__dict__.get("_symbolic") is None:  # Keras: every tensor the first call took
        layer._set_symbolic(layer._inbound_nodes[-1].inputs, outputs)
    return outputs


def record_call(layer, inputs, rest, kwargs, outputs):
    """Record ``layer(inputs, *rest, **kwargs)`` returning the KerasTensors ``outputs`` as
    Keras's symbolic call does: the outputs' masks first (``_set_symbolic_masks``, which may
    add op nodes), then the call's Node, with the keywords Keras fills in. A filled-in mask
    that is a KerasTensor of the graph is an argument of the node (runs pass it to the call,
    as Keras's do: the op nodes that compute it run before)."""
    _set_symbolic_masks(layer, inputs, kwargs.get("mask"), outputs)
    filled = {} if rest or (kwargs and layer._converts_inputs) \
        else _filled_in_arguments(layer, inputs)
    filled = {k: v for k, v in filled.items() if kwargs.get(k) is None}  # not given
    passed = {k: v for k, v in filled.items()
              if any(isinstance(leaf, KerasTensor) for leaf in flatten(v))}
    Node(layer, (inputs,) + tuple(rest), {**kwargs, **passed}, flatten(outputs),
         filled={k: v for k, v in filled.items() if k not in passed})


def _filled_in_arguments(layer, inputs):
    """The keywords Keras records for a call on one argument alone (a KerasTensor, or a
    list / tuple / dict of them): ``training`` when ``call``'s default for it is not None,
    and ``mask`` (the input's: None, or the KerasTensor that op nodes of ``compute_mask``
    made; for a structure, the structure of its tensors' masks: ``[None, not_equal]``) when
    ``call`` takes one. Keras records them only when it did not convert the input (a
    KerasTensor of the layer's compute dtype given without keywords, or any call of a
    layer that converts none, such as a functional model)."""
    if isinstance(inputs, KerasTensor):
        if layer._converts_inputs and inputs.dtype != layer.compute_dtype:
            return {}
    elif layer._converts_inputs or not isinstance(inputs, (list, tuple, dict)) or not all(
            isinstance(leaf, KerasTensor) for leaf in flatten(inputs)):
        return {}
    filled = {}
    if layer._call_training_default is not None:
        filled["training"] = layer._call_training_default
    mask = map_structure(lambda tensor: tensor._keras_mask, inputs)
    if layer._call_takes_mask and all(m is None or m._keras_history is not None
                                      for m in flatten(mask)):
        filled["mask"] = mask
    return filled


def _set_symbolic_masks(layer, inputs, given_mask, outputs):
    """Keras's masks on a symbolic call's outputs: ``layer.compute_mask`` run on the
    KerasTensors themselves (the given ``mask=``, else the first argument's masks), so the
    ``keras.ops`` it calls (Embedding's ``not_equal``, Masking's ``not_equal`` and ``any``)
    become op nodes of the graph and their output KerasTensors the masks; a mask passed on
    is the input's own KerasTensor. A layer that does not support masking warns that it
    drops a mask, as its eager call does. Outputs that all carry masks already (set by
    the layer's own ``compute_output_spec``) keep them, as in Keras."""
    previous = given_mask if given_mask is not None else _symbolic_mask(inputs)
    if not layer.supports_masking:
        if carries_mask(previous) and layer._warns_on_dropped_mask:
            warn_dropped_mask(layer)
        return
    flat = flatten(outputs)
    if all(isinstance(t, KerasTensor) and t._keras_mask is not None for t in flat):
        return  # a compute_output_spec of the layer's own set them
    masks = layer.compute_mask(inputs, previous)
    if masks is None:
        return
    masks = flatten(masks)
    if len(masks) == 1:
        masks = masks * len(flat)
    for tensor, mask in zip(flat, masks):
        if isinstance(tensor, KerasTensor) and isinstance(mask, KerasTensor):
            tensor._keras_mask = mask


def _symbolic_mask(inputs):
    """The masks carried by a symbolic call's first argument: one KerasTensor, a structure
    of them (None where a tensor has none), or None."""
    if isinstance(inputs, KerasTensor):
        return inputs._keras_mask
    if isinstance(inputs, (list, tuple, dict)):
        masks = map_structure(lambda t: getattr(t, "_keras_mask", None), inputs)
        return None if all(m is None for m in flatten(masks)) else masks
    return None


def _outputs_from_shape(layer, inputs, shapes, symbolic):
    """The output KerasTensors of ``compute_output_shape`` (unknown sizes, no sample run),
    with the dtype guessed."""
    result = layer.compute_output_shape(shapes)
    dtype = _output_dtype_guess(layer, symbolic[0].dtype)
    if isinstance(result, dict):  # a functional model's dict of outputs
        return {key: _tensors_for_shapes(shape, dtype) for key, shape in result.items()}
    if result and isinstance(result[0], (list, tuple)):
        return _tensors_for_shapes(result, dtype)
    return KerasTensor(result, dtype)


def _tensors_for_shapes(shapes, dtype):
    """KerasTensors arranged as ``shapes``: one shape (sizes and Nones), or lists of them
    (an RNN's states nest as its cells' state sizes do)."""
    if all(d is None or isinstance(d, (int, np.integer)) for d in shapes):
        return KerasTensor(tuple(shapes), dtype)
    return [_tensors_for_shapes(s, dtype) for s in shapes]


@functools.lru_cache(maxsize=None)
def _defines_output_spec(cls):
    """Whether ``cls`` has its own ``compute_output_spec`` (a user's layer, or a minikeras
    layer whose outputs depend on its call's options), not the base Operation's."""
    return any("compute_output_spec" in klass.__dict__ for klass in cls.__mro__
               if klass.__module__ != "minikeras.layers.operation")


@functools.lru_cache(maxsize=None)
def user_defines(cls, method):
    """Whether a class outside minikeras (a user's subclass) defines ``method``."""
    return any(method in klass.__dict__ for klass in cls.__mro__
               if not klass.__module__.startswith("minikeras."))


def _output_dtype_guess(layer, input_dtype):
    """The output dtype when no sample can run (unknown sizes): the layer's float dtype for
    a floating input (autocast) or for a layer with weights (an Embedding or Dense given
    integers computes in floats); otherwise the input's dtype."""
    floating = layer.dtype.startswith(("float", "bfloat"))
    if floating and (layer.weights or (
            layer.autocast and layer._autocasts_inputs and input_dtype.startswith("float"))):
        return layer.dtype
    return input_dtype


def _shape_is_enough(layer, args, kwargs):
    """Whether the layer's output follows from ``compute_output_shape`` alone (see
    ``Layer._exact_output_shape``): one unmasked KerasTensor of the layer's dtype."""
    x = args[0]
    return (layer._exact_output_shape and len(args) == 1 and not kwargs
            and isinstance(x, KerasTensor) and x._keras_mask is None and x.dtype == layer.dtype)


def _defines_output_shape(layer):
    """Whether the layer's output shape comes from ``compute_output_shape``: a minikeras
    layer's always does (those that keep ``Layer``'s keep their input's shape); a user's
    class must define its own (or inherit one from a parent below ``Layer``)."""
    if type(layer).__module__.startswith("minikeras."):
        return True
    for klass in type(layer).__mro__:
        if "compute_output_shape" in klass.__dict__:
            return klass.__module__ != "minikeras.layers.layer"
    return False


def edge_cast(x):
    """Cast user data at the model's edge: floating arrays become floatx, others stay."""
    x = np.asarray(x)
    # dtype.kind and the type's name: np.issubdtype and comparing a dtype with a string
    # cost ~1 us per batch
    if x.dtype.kind == "f" and x.dtype.type.__name__ != backend.floatx():
        return x.astype(backend.floatx())
    return x
