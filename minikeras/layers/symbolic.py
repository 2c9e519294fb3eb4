"""The functional API's symbolic side: KerasTensor, Node, and calling a layer on structures.

``Layer.__call__`` hands every call with KerasTensors among its arguments here, and uses
the helpers below for structures of arrays and for the mask slot. This module knows the
Layer only through the methods it calls (``build_from_shape``, ``__call__``,
``compute_output_shape``, ``_set_symbolic``) and imports no layer module.
"""
import functools
import re
import warnings

import numpy as np

from .. import backend, ops
from ..autodiff import no_grad
from ..autodiff.tensor import Tensor
from ..naming import auto_name, name_scope
from ..ops.core import convert_to_tensor
from ..ops.dispatch import symbolic_op as _symbolic_op
from ..tree import flatten, map_structure


@backend.register_keras_tensor_type
class KerasTensor:
    """A symbolic tensor: a shape (batch axis first, ``None`` where unknown) and a dtype.

    ``keras.Input(...)`` returns one (its ``input_layer`` starts a Sequential model); a built
    Sequential gives its layers' ``input`` / ``output`` and its ``inputs`` / ``outputs`` as
    KerasTensors. Calling a layer on KerasTensors returns new ones that remember the call in
    ``_keras_history`` = ``(layer, node_index, tensor_index)``: the graph a functional
    ``keras.Model(inputs, outputs)`` is made of.
    """

    _keras_history = None  # set by Node for tensors made by a layer call or keras.Input
    _keras_mask = None  # a KerasTensor of the mask's shape when the layer sets a mask

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

    def reshape(self, newshape):
        """``ops.reshape(self, newshape)``, recorded in the graph like any op."""
        return ops.reshape(self, newshape)

    def squeeze(self, axis=None):
        """``ops.squeeze(self, axis)``, recorded in the graph like any op."""
        return ops.squeeze(self, axis)

    def __bool__(self):  # Keras's words: a graph value has no truth value yet
        raise TypeError("A symbolic KerasTensor cannot be used as a boolean.")

    def __iter__(self):  # Keras's words (iterating by __getitem__ would record nodes)
        raise NotImplementedError("Iterating over a symbolic KerasTensor is not supported.")

    # Operators record ``keras.ops`` calls as nodes of the graph (see layers/op_call.py).
    def __add__(self, other):
        return ops.add(self, other)

    def __radd__(self, other):
        return ops.add(other, self)

    def __sub__(self, other):
        return ops.subtract(self, other)

    def __rsub__(self, other):
        return ops.subtract(other, self)

    def __mul__(self, other):
        return ops.multiply(self, other)

    def __rmul__(self, other):
        return ops.multiply(other, self)

    def __truediv__(self, other):
        return ops.true_divide(self, other)

    def __rtruediv__(self, other):
        return ops.true_divide(other, self)

    def __floordiv__(self, other):
        return ops.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return ops.floor_divide(other, self)

    def __mod__(self, other):
        return ops.mod(self, other)

    def __rmod__(self, other):
        return ops.mod(other, self)

    def __pow__(self, other):
        return ops.power(self, other)

    def __rpow__(self, other):
        return ops.power(other, self)

    def __matmul__(self, other):
        return ops.matmul(self, other)

    def __rmatmul__(self, other):
        return ops.matmul(other, self)

    # comparisons and logic, as Keras's KerasTensor has them (no __eq__: `==` stays identity)
    def __lt__(self, other):
        return ops.less(self, other)

    def __le__(self, other):
        return ops.less_equal(self, other)

    def __gt__(self, other):
        return ops.greater(self, other)

    def __ge__(self, other):
        return ops.greater_equal(self, other)

    def __ne__(self, other):
        return ops.not_equal(self, other)

    def __and__(self, other):
        return ops.logical_and(self, other)

    def __rand__(self, other):
        return ops.logical_and(other, self)

    def __or__(self, other):
        return ops.logical_or(self, other)

    def __ror__(self, other):
        return ops.logical_or(other, self)

    def __xor__(self, other):
        return ops.logical_xor(self, other)

    def __rxor__(self, other):
        return ops.logical_xor(other, self)

    def __invert__(self):
        return ops.logical_not(self)

    def __round__(self, ndigits=None):
        return ops.round(self, decimals=ndigits or 0)

    def __neg__(self):
        return ops.negative(self)

    def __abs__(self):
        return ops.absolute(self)

    def __getitem__(self, key):
        return _symbolic_op("get_item", (self, key), {})

    def __repr__(self):
        return (f"<KerasTensor shape={self.shape}, dtype={self.dtype}, sparse={self.sparse}, "
                f"ragged={self.ragged}, name={self.name}>")


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


def has_symbolic(values):
    """Whether ``values`` (call arguments: a tuple, a dict, or one value) hold a KerasTensor."""
    if isinstance(values, KerasTensor):
        return True
    if isinstance(values, dict):
        values = values.values()
    elif not isinstance(values, (list, tuple)):
        return False
    return any(isinstance(v, KerasTensor) or (isinstance(v, (list, tuple, dict)) and v
                                                and has_symbolic(v)) for v in values)


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


# ---- masks: the one slot on Tensor (``tensor.mask``, Keras's ``tensor._keras_mask``) -------
def input_mask(inputs):
    """The mask carried by a call's first argument: one array, a structure of them, or None."""
    if isinstance(inputs, Tensor):
        return inputs.mask
    if isinstance(inputs, (list, tuple, dict)):
        masks = map_structure(lambda t: getattr(t, "mask", None), inputs)
        return None if all(m is None for m in flatten(masks)) else masks
    return None


def set_output_mask(outputs, mask):
    """Attach ``mask`` (from ``compute_mask``) to the outputs that carry none yet."""
    if mask is None:
        return
    outputs, masks = flatten(outputs), flatten(mask)
    if len(masks) == 1:
        masks = masks * len(outputs)
    for tensor, each in zip(outputs, masks):
        if isinstance(tensor, Tensor) and tensor.mask is None and each is not None:
            tensor.mask = each


# the start of warn_dropped_mask's warning, for a layer's name and type
_DROPPED_MASK = r"Layer '{name}' \(of type {type}\) was passed an input with a mask"


# ---- the symbolic call --------------------------------------------------------------------
def symbolic_call(layer, inputs, rest, kwargs):
    """``layer(inputs, *rest, **kwargs)`` on KerasTensors: build ``layer`` for the first
    argument's shapes, record a Node holding every argument, return KerasTensors. Other
    arguments may be constants (arrays, tensors), kept in the node as Keras keeps them."""
    args = (inputs,) + tuple(rest)
    shapes = map_structure(lambda t: tuple(t.shape) if isinstance(t, (KerasTensor, Tensor, np.ndarray))
                           else t, inputs)
    layer._check_input_spec(inputs)
    if not layer.built:
        layer.build_from_shape(shapes, (rest, kwargs))
    kwargs = {k: v for k, v in kwargs.items() if not (k == "training" and v is None)}
    symbolic = _symbolic_leaves(args, kwargs)
    if _defines_output_spec(type(layer)):  # as Keras: a layer's own rules
        outputs = layer.compute_output_spec(*args, **kwargs)
    elif _shape_is_enough(layer, args, kwargs):
        outputs = KerasTensor(layer.compute_output_shape(shapes), inputs.dtype)
    elif (_sizes_known(symbolic) or layer._outputs_by_running
          or not _defines_output_shape(layer)):
        # Run the layer on zeros: exact for custom layers that have no compute_output_shape
        outputs = outputs_by_running(layer, args, kwargs)
        if outputs is None:
            outputs = _outputs_from_shape(layer, inputs, shapes, symbolic)
    else:
        outputs = _outputs_from_shape(layer, inputs, shapes, symbolic)
    record_call(layer, inputs, rest, kwargs, outputs)
    if layer.__dict__.get("_symbolic") is None:
        layer._set_symbolic(inputs, outputs)
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
        if previous is not None and layer._warns_on_dropped_mask:
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


def warn_dropped_mask(layer, stacklevel=3):
    """Keras's warning for a masked input given to a layer that does not support masking."""
    warnings.warn(
        f"Layer '{layer.name}' (of type {type(layer).__name__}) was passed an input with a "
        "mask attached to it. However, this layer does not support masking and will "
        "therefore destroy the mask information. Downstream layers will not see the "
        "mask.", stacklevel=stacklevel + 1)


def outputs_by_running(op, args, kwargs):
    """The output KerasTensors of ``op`` called on ``args`` / ``kwargs`` (KerasTensors among
    them), found by running it on zeros: one sample when every size but the batch is known
    (its errors propagate), else two traces whose differing sizes are unknown (None when
    the traces fail). As in Keras, whose traces vary the batch size too, an output size
    that follows the batch size is unknown and one that does not stays (positions from
    ``ops.arange(ops.shape(x)[1])`` embed to (6, 8), not (None, 8)). Their masks are not
    the samples': see ``_set_symbolic_masks``."""
    symbolic = _symbolic_leaves(args, kwargs)
    unknown_batch = _batch_unknown(symbolic)
    if _sizes_known(symbolic):
        result = _sample_call(op, args, kwargs)
        if unknown_batch and not _all_batched(result):
            other = _second_sample(op, args, kwargs)
            if other is not None:
                return map_structure(_merged_like, result, other)
        return map_structure(
            lambda out: _symbolic_like(out, _with_batch(tuple(out.shape), unknown_batch)),
            result)
    traced = _traced_outputs(op, args, kwargs)
    if traced is None:
        return None
    return map_structure(_merged_like, *traced)


def _all_batched(result):
    """Whether each output of a sample run (batch size 1) has the sample's batch size first:
    then the unknown batch size is its first size, with no second run (the common case)."""
    return all(not out.shape or out.shape[0] == 1 for out in flatten(result))


def _second_sample(op, args, kwargs):
    """The outputs of a run on 2 samples, which tells the sizes that follow the batch size
    from those that do not; None if the op cannot run on 2 (then the first size is taken
    for the batch's, as for a batched output)."""
    try:
        return _sample_call(op, args, kwargs, batch=2)
    except Exception:  # noqa: BLE001 - any failure: keep the one-sample rule
        return None


def _outputs_from_shape(layer, inputs, shapes, symbolic):
    """The output KerasTensors of ``compute_output_shape`` (unknown sizes, no sample run),
    with the dtype guessed."""
    result = layer.compute_output_shape(shapes)
    dtype = _output_dtype_guess(layer, symbolic[0].dtype)
    if result and isinstance(result[0], (list, tuple)):
        return _tensors_for_shapes(result, dtype)
    return KerasTensor(result, dtype)


def _tensors_for_shapes(shapes, dtype):
    """KerasTensors arranged as ``shapes``: one shape (sizes and Nones), or lists of them
    (an RNN's states nest as its cells' state sizes do)."""
    if all(d is None or isinstance(d, (int, np.integer)) for d in shapes):
        return KerasTensor(tuple(shapes), dtype)
    return [_tensors_for_shapes(s, dtype) for s in shapes]


def _symbolic_leaves(args, kwargs):
    return [leaf for leaf in flatten([list(args), kwargs]) if isinstance(leaf, KerasTensor)]


def _sizes_known(symbolic):
    """Whether every size but the batch's is known."""
    return all(d is not None for leaf in symbolic for d in leaf.shape[1:])


def _batch_unknown(symbolic):
    """Whether a call's batch size is unknown: a KerasTensor argument's first size is None
    (a slice ``x[0]`` of an Input has a known one, and is not the call's batch)."""
    return any(leaf.shape and leaf.shape[0] is None for leaf in symbolic)


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


def _sample_call(layer, args, kwargs, fill=None, batch=1):
    """The layer's outputs for zeros shaped like its KerasTensor arguments (an unknown size
    other than the batch set to ``fill``; a masked one carries an all-True mask, so that
    ``call`` sees one), run in the layer's name scope as the call that builds it. ``batch``
    samples, unless the batch size is declared: a layer may reshape to it (keras-io's
    Switch transformer on ``Input(..., batch_size=8)``)."""
    def zeros(value):
        if not isinstance(value, KerasTensor):
            return value
        tensor = _placeholder(value, fill, batch)
        if value._keras_mask is not None:
            tensor.mask = np.ones(_sample_shape(value._keras_mask.shape, fill, batch),
                                  dtype=bool)
        return tensor
    # placeholder values: a 1 / 0 or log(0) among them is no user's number to warn of; the
    # layer's own dropped mask is warned of once, by the symbolic call (_set_symbolic_masks),
    # those of the layers inside it here, as in Keras's trace
    with no_grad(), name_scope(layer.name, caller=layer), np.errstate(all="ignore"), \
            warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_DROPPED_MASK.format(
            name=re.escape(layer.name), type=re.escape(type(layer).__name__)))
        return layer(*map_structure(zeros, args), **map_structure(zeros, kwargs))


def _placeholder(value, fill, batch):
    """Placeholder values for the KerasTensor ``value`` at its sample shape."""
    return convert_to_tensor(
        backend.placeholder_array(_sample_shape(value.shape, fill, batch), value.dtype))


def _merged_shape(shape, other):
    """The sizes two runs' shapes agree on; None where they differ (an unknown size)."""
    return tuple(a if a == b else None for a, b in zip(shape, other))


def _with_batch(shape, unknown_batch):
    """A sample run's output shape with the call's unknown batch size first. A declared
    batch size was the sample's own, so the run's first size stands (``segment_sum`` of
    6 rows into 3 segments gives 3); so does a scalar's, or a call on scalars only."""
    return (None,) + shape[1:] if shape and unknown_batch else shape


def _sample_shape(shape, fill, batch):
    """A KerasTensor's shape for a sample run: the batch size ``batch`` unless declared, the
    other unknown sizes ``fill`` (a scalar stays a scalar)."""
    if not shape:
        return ()
    return (shape[0] or batch,) + tuple(fill if d is None else d for d in shape[1:])


def _traced_outputs(layer, args, kwargs):
    """The layer's outputs for two samples whose unknown sizes differ, or None if it cannot
    run on them. Keras traces such a call with the sizes 83 and 89 (an output size that
    differs between the two runs is unknown); on its meta device nothing is computed, so a
    call that fails on them for real (a position Embedding of 8 rows given arange(83))
    still traces there: here it is retried with the sizes 2 and 3."""
    for sizes in ((83, 89), (2, 3)):
        try:  # an unknown batch size differs too: 1 and 2 samples
            return [_sample_call(layer, args, kwargs, fill, batch)
                    for fill, batch in zip(sizes, (1, 2))]
        except Exception:  # noqa: BLE001 - any failure: try the next sizes
            continue
    return None


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


def _symbolic_like(out, shape):
    """The KerasTensor of ``shape`` for one output ``out`` of a sample run."""
    return KerasTensor(tuple(shape), backend.standardize_dtype(out.dtype))


def _merged_like(out, other):
    """The KerasTensor for one output of a sample run, given the same output of another run
    (other sizes): unknown where their sizes differ."""
    return _symbolic_like(out, _merged_shape(tuple(out.shape), tuple(other.shape)))


def edge_cast(x):
    """Cast user data at the model's edge: floating arrays become floatx, others stay."""
    x = np.asarray(x)
    # dtype.kind and the type's name: np.issubdtype and comparing a dtype with a string
    # cost ~1 us per batch
    if x.dtype.kind == "f" and x.dtype.type.__name__ != backend.floatx():
        return x.astype(backend.floatx())
    return x
