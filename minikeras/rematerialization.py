"""keras.remat and keras.RematScope: rematerialization, trading compute for memory.

``remat(f)`` returns a function that computes what ``f`` computes, but keeps none of
``f``'s intermediate arrays for the backward pass: the graph ``f`` records is dropped when
``f`` returns, and the backward pass runs ``f`` again (recording this time) to get the
gradients. Peak memory then holds ``f``'s inputs and outputs, not its inside; the price is
one more forward run of ``f`` per backward pass.

The recomputation sees what the first run saw: the random generators are put back in their
earlier states (a dropout draws the same mask), and variables ``f`` assigns (a batch norm's
moving statistics) read their earlier values while the recomputation records, not applies,
its assignments.

A ``RematScope`` makes the layers created inside it rematerialize their ``call``: every
layer (``"full"``), the layers named in ``layer_names`` (``"list_of_layers"``), those whose
output has more than ``output_size_threshold`` entries (``"larger_than"``), or only the
activation function of layers that have one (``"activations"``).
"""
import functools
import math

import numpy as np

from . import random
from .backend import Scope, ScopeStack
from .autodiff import grad_mode
from .autodiff import primitives as P
from .autodiff.function import Function
from .autodiff.tensor import Tensor, backprop
from .tree import flatten, map_structure, pack_sequence_as
from .variables import StatelessScope


def remat(f):
    """``f`` rematerialized: same values and gradients, intermediates recomputed in the
    backward pass instead of kept (see the module doc). Without gradient recording
    (``no_grad``, inference) it simply calls ``f``.

    Tensors ``f`` uses besides its arguments must be variables (layer weights) or other
    leaf tensors: they get their gradients through the recomputation. A tensor computed
    outside ``f`` that ``f`` reads from a closure should be passed as an argument instead.
    """
    if not callable(f):
        raise TypeError(f"`remat` expects a callable (a function or a layer). Received: "
                        f"{f!r} of type {type(f).__name__}")

    @functools.wraps(f)
    def rematerialized(*args, **kwargs):
        if not grad_mode.is_grad_enabled():
            return f(*args, **kwargs)
        return _call_rematerialized(f, args, kwargs)
    return rematerialized


class _Call:
    """``f(*args, **kwargs)`` with its tensor arguments replaceable (by position)."""

    def __init__(self, f, args, kwargs):
        self.f, self.structure = f, [list(args), kwargs]
        self.leaves = flatten(self.structure)
        self.positions = [i for i, leaf in enumerate(self.leaves) if isinstance(leaf, Tensor)]
        self.tensors = [self.leaves[i] for i in self.positions]

    def __call__(self, tensors):
        leaves = list(self.leaves)
        for i, tensor in zip(self.positions, tensors):
            leaves[i] = tensor
        args, kwargs = pack_sequence_as(self.structure, leaves)
        return self.f(*args, **kwargs)


def _call_rematerialized(f, args, kwargs):
    call = _Call(f, args, kwargs)
    generators = random.generator_states()
    fresh = [Tensor(t.data, requires_grad=True) for t in call.tensors]
    with StatelessScope() as scope:
        result = call(fresh)
    updates = scope.recorded_updates()
    before = [(variable, variable.data.copy()) for variable, _ in updates]
    originals = {id(copy): tensor for copy, tensor in zip(fresh, call.tensors)}
    # an argument handed back unchanged is the caller's own tensor
    outputs = [originals.get(id(out), out) for out in flatten(result)]
    template = pack_sequence_as(result, list(range(len(outputs))))  # no tensors: no graph
    differentiable = [i for i, out in enumerate(outputs)
                      if isinstance(out, Tensor) and out.creator is not None
                      and all(out is not t for t in call.tensors)]
    if not differentiable:  # nothing to differentiate: f's result is the answer
        _apply(updates)
        return pack_sequence_as(template, outputs)
    captured = _captured_leaves([outputs[i] for i in differentiable], fresh)
    shapes = [outputs[i].shape for i in differentiable]
    node = Rematerialized(call, differentiable, shapes, generators, before, len(fresh))
    packed = node(*call.tensors, *captured, _packed(outputs, differentiable).data)
    del fresh, result  # f's graph goes: only its inputs and outputs are kept
    _apply(updates)
    for i, piece in zip(differentiable, _unpacked(packed, shapes)):
        outputs[i] = piece
    return pack_sequence_as(template, outputs)


class Rematerialized(Function):
    """One rematerialized call: its forward hands on the values of the first run, its
    backward reruns the call with recording on and backpropagates through the rerun.

    Inputs: the call's tensor arguments, then the leaf tensors it read (variables), then
    the packed output values (a constant, last).
    """

    def __init__(self, call, differentiable, shapes, generators, before, n_args):
        self.call, self.differentiable, self.shapes = call, differentiable, shapes
        self.generators, self.before, self.n_args = generators, before, n_args

    def forward(self, *arrays):
        self.arg_arrays = arrays[:self.n_args]
        return arrays[-1]

    def backward(self, gy):
        now = random.generator_states()
        random.restore_generator_states(self.generators)
        fresh = [Tensor(a, requires_grad=True) for a in self.arg_arrays]
        try:
            with grad_mode.enable_grad(), StatelessScope(self.before):
                outputs = flatten(self.call(fresh))
        finally:
            random.restore_generator_states(now)
        root = _packed(outputs, self.differentiable)
        grads = backprop(root, gy, retain_graph=True)
        leaves = fresh + list(self.inputs[self.n_args:-1])
        return tuple(grads.get(leaf) for leaf in leaves) + (None,)


def _captured_leaves(outputs, own):
    """The leaf tensors requiring grad that ``outputs``' graphs reach, other than ``own``
    (the call's arguments): the variables the call read."""
    own_ids = {id(t) for t in own}
    found, seen, stack = {}, set(), [t.creator for t in outputs]
    while stack:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        for x in fn.inputs:
            if not x.requires_grad or id(x) in own_ids:
                continue
            if x.creator is None:
                found.setdefault(id(x), x)
            else:
                stack.append(x.creator)
    return list(found.values())


def _packed(outputs, differentiable):
    """The differentiable outputs as one flat tensor (they must share a dtype)."""
    pieces = [outputs[i] for i in differentiable]
    dtypes = {piece.dtype for piece in pieces}
    if len(dtypes) > 1:
        raise TypeError("A rematerialized function's floating outputs must share one dtype. "
                        f"Received outputs of dtypes {sorted(str(d) for d in dtypes)}.")
    if len(pieces) == 1:
        return pieces[0]
    return P.concatenate([P.reshape(piece, (-1,)) for piece in pieces])


def _unpacked(packed, shapes):
    if len(shapes) == 1:
        return [packed]
    bounds = np.cumsum([0] + [math.prod(shape) for shape in shapes])
    return [P.reshape(P.getitem(packed, slice(int(a), int(b))), shape)
            for a, b, shape in zip(bounds[:-1], bounds[1:], shapes)]


def _output_size(layer, call, args, kwargs):
    """How many entries ``call``'s outputs hold (unknown axes counted as 1): from a layer's
    ``compute_output_shape`` of its first argument's shape, else (an operation, which has no
    such method) by running ``call`` once without recording and changing no variable."""
    if hasattr(layer, "compute_output_shape"):
        result = layer.compute_output_shape(map_structure(lambda t: tuple(t.shape), args[0]))
        shapes = result if result and isinstance(result[0], (list, tuple)) else [result]
    else:
        with grad_mode.no_grad(), StatelessScope():
            shapes = [t.shape for t in flatten(call(*args, **kwargs))]
    return sum(math.prod(d or 1 for d in shape) for shape in shapes)


def _apply(updates):
    for variable, value in updates:
        variable.assign(value)


# ---- keras.RematScope ------------------------------------------------------------------------
_MODES = ("full", "activations", "larger_than", "list_of_layers", None)
class RematScope(Scope):
    """Within this scope, layers that are created rematerialize their calls (see the module
    doc).

    Args:
        mode: ``"full"``, ``"activations"``, ``"larger_than"``, ``"list_of_layers"``, or
            None (no rematerialization for layers created inside).
        output_size_threshold: for ``"larger_than"``: the output size (entries, unknown
            axes counted as 1) above which a call is rematerialized.
        layer_names: for ``"list_of_layers"``: the names of the layers to rematerialize.
    """

    _stack = ScopeStack()

    def __init__(self, mode="full", output_size_threshold=1024, layer_names=None):
        if mode not in _MODES:
            raise ValueError(f"Invalid mode '{mode}'. Supported modes are: 'full', "
                             "'activations', 'larger_than', 'list_of_layers', or None.")
        if isinstance(output_size_threshold, bool) or not isinstance(output_size_threshold,
                                                                      int):
            raise ValueError("`output_size_threshold` must be an int. Received: "
                             f"output_size_threshold={output_size_threshold!r}")
        if isinstance(layer_names, str):
            raise ValueError("`layer_names` must be a list of layer names, not one string. "
                             f"Received: layer_names={layer_names!r}")
        self.mode = mode
        self.output_size_threshold = output_size_threshold
        self.layer_names = list(layer_names or [])


def current_remat_scope():
    """The innermost open RematScope whose mode is not None, or None."""
    scope = RematScope._stack.innermost()
    return scope if scope is not None and scope.mode is not None else None


def apply_remat_scope(layer):
    """Called as a layer or operation is created: inside a RematScope, its ``call`` becomes
    the rematerialized one the scope's mode asks for."""
    scope = current_remat_scope()
    call = None if scope is None else rematerialized_call(layer, scope)
    if call is not None:
        layer.call = call


def rematerialized_call(layer, scope):
    """The layer's ``call`` under ``scope``'s mode, or None when the mode leaves this layer
    alone (``"list_of_layers"`` without its name)."""
    call = layer.call
    if scope.mode == "full" or (scope.mode == "list_of_layers"
                                and layer.name in scope.layer_names):
        return remat(call)
    if scope.mode == "larger_than":
        threshold = scope.output_size_threshold

        @functools.wraps(call)
        def call_if_large(*args, **kwargs):
            large = _output_size(layer, call, args, kwargs) > threshold
            return (remat(call) if large else call)(*args, **kwargs)
        return call_if_large
    if scope.mode == "activations":
        @functools.wraps(call)
        def call_with_remat_activation(*args, **kwargs):
            activation = getattr(layer, "activation", None)
            if activation is None:
                return call(*args, **kwargs)
            layer.activation = remat(activation)
            try:
                return call(*args, **kwargs)
            finally:
                layer.activation = activation
        return call_with_remat_activation
    return None
