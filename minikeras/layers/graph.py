"""The functional graph: the calls recorded on KerasTensors, walked from the outputs back to
the inputs and replayed on values; and ``keras.Function``, such a graph as a callable.

Calling a layer or operation on KerasTensors records a node (``op._inbound_nodes``) and
returns KerasTensors whose ``_keras_history`` points back at it. :func:`map_graph` walks
those histories from the outputs back to the inputs and orders the nodes by depth (as Keras
does: deepest first, ties in the order a depth-first walk from the outputs meets them);
:func:`run_node` replays one node. The functional model (``models/functional.py``) and
:class:`Function` both run their graphs with these.
"""
from ..tree import assert_same_paths, flatten, map_structure
from .core import InputLayer
from .layer import Layer, format_shape
from .operation import Operation
from .keras_tensor import KerasTensor
from .symbolic import Node


class Function(Operation):
    """A callable graph of operations and layers between input and output KerasTensors.

    Calling it on values runs the recorded calls on them (the layers with their current
    weights); calling it on KerasTensors records it as one node of a bigger graph. Unlike a
    functional model it is not a layer: it tracks no weights and cannot be trained or saved.

    Args:
        inputs: a KerasTensor (``keras.Input(...)``, ``keras.KerasTensor(shape)``, or a
            tensor computed in another graph), or a list / dict of them.
        outputs: KerasTensors computed from ``inputs`` only, or a list / dict of them.
        name: the function's name.
    """

    def __init__(self, inputs, outputs, name=None):
        super().__init__(name=name)
        check_tensors(inputs, "inputs", from_input=False)
        check_tensors(outputs, "outputs")
        self._given_inputs = flatten(inputs)
        inputs, outputs = cut_at_inputs(inputs, outputs)
        self._inputs_struct, self._outputs_struct = inputs, outputs
        self._inputs, self._outputs = flatten(inputs), flatten(outputs)
        _, self._run_order, self._operations = map_graph(self._inputs, self._outputs)

    @property
    def operations(self):
        """The graph's operations and layers (its InputLayers included), deepest first."""
        return list(self._operations)

    @property
    def inputs(self):
        """The input KerasTensors, flat, as given."""
        return list(self._given_inputs)

    @property
    def outputs(self):
        """The output KerasTensors, flat."""
        return list(self._outputs)

    def call(self, inputs):
        """The outputs (in the structure of ``outputs``) for the values ``inputs`` (in the
        structure of the function's inputs)."""
        memo = {id(ref): value for ref, value in zip(self._inputs, self._check_inputs(inputs))}
        for node in self._run_order:
            run_node(node, memo)
        return fill(self._outputs_struct, memo)

    def _check_inputs(self, inputs):
        flat = flatten(inputs)
        try:
            assert_same_paths(inputs, self._inputs_struct)
        except ValueError:
            raise ValueError(
                f"Function '{self.name}' was called with an invalid input structure. Expected "
                f"input structure: {self._inputs_struct}. Received input structure: "
                f"{inputs!r:.200}") from None
        for value, ref in zip(flat, self._inputs):
            shape = tuple(getattr(value, "shape", ()))
            if len(shape) != len(ref.shape) or any(
                    d is not None and r is not None and d != r for d, r in zip(shape, ref.shape)):
                raise ValueError(
                    f"Function '{self.name}' was passed incompatible inputs. For input "
                    f"'{ref.name}', expected shape {format_shape(ref.shape)}, but received "
                    f"instead a tensor with shape {format_shape(shape)}.")
        return flat


def run_node(node, memo, training=None):
    """Call the node's operation on the values ``memo`` holds for its arguments (by the id
    of each KerasTensor) and store its outputs' values in ``memo``. ``training``, when not
    None, overrides the call's recorded one (as in Keras) for layers."""
    args = node.args
    args = (memo[id(args[0])],) if len(args) == 1 and isinstance(
        args[0], KerasTensor) else fill(args, memo)
    kwargs = fill(node.kwargs, memo) if node.kwargs else {}
    if training is not None and isinstance(node.layer, Layer):
        kwargs["training"] = training
    out = node.layer(*args, **kwargs)
    if len(node.outputs) == 1:
        memo[id(node.outputs[0])] = out
    else:
        for tensor, value in zip(node.outputs, flatten(out)):
            memo[id(tensor)] = value


def check_tensors(structure, argument, from_input=True):
    """Raise ValueError unless ``structure`` holds KerasTensors, each (when ``from_input``)
    made by ``keras.Input`` or a call."""
    flat = flatten(structure)
    if not flat:
        raise ValueError(f"`{argument}` argument cannot be empty. Received: {argument}="
                         f"{structure!r}")
    for x in flat:
        if not isinstance(x, KerasTensor):
            raise ValueError(  # Keras's words, then where KerasTensors come from
                f"All `{argument}` values must be KerasTensors. Received: {argument}="
                f"{structure} including invalid value {x} of type {type(x)}. KerasTensors come "
                "from `keras.Input(...)` or a layer called on one.")
        if from_input and x._keras_history is None:
            raise ValueError(
                f"The tensor {x.name} (shape {format_shape(x.shape)}) in `{argument}` was not made by "
                "`keras.Input(...)` or by calling a layer, so the model cannot trace it.")


def cut_at_inputs(inputs, outputs):
    """Inputs that are intermediate tensors of another graph become new ``keras.Input``
    tensors, and the calls from them to the outputs are recorded again on the new tensors
    (as Keras's graph cloning does), so the model starts where its inputs are."""
    replace = {}
    for x in flatten(inputs):
        if x._keras_history is None or not isinstance(x._keras_history[0], InputLayer):
            replace[id(x)] = InputLayer(batch_shape=x.shape, dtype=x.dtype,  # Keras's name
                                        name=f"{x.name}CLONE").output
    if not replace:
        return inputs, outputs
    memo = dict(replace)
    pending = list(flatten(outputs))
    while pending:  # iterative: deep graphs need no recursion
        tensor = pending[-1]
        if id(tensor) in memo:
            pending.pop()
            continue
        node = node_of(tensor)
        if node.is_input:
            memo[id(tensor)] = tensor
            continue
        missing = [x for x in node.inputs if id(x) not in memo]
        if missing:
            pending.extend(missing)
            continue
        new_outputs = [KerasTensor(out.shape, out.dtype) for out in node.outputs]
        memo.update((id(out), new) for out, new in zip(node.outputs, new_outputs))

        def rewired(value):
            return memo[id(value)] if isinstance(value, KerasTensor) else value
        Node(node.layer, map_structure(rewired, node.args), map_structure(rewired, node.kwargs),
             new_outputs, node.filled)

    def swap(tensor):
        return memo[id(tensor)]
    return map_structure(swap, inputs), map_structure(swap, outputs)


def fill(structure, memo, unpack=False):
    """``structure`` with each KerasTensor replaced by its computed value."""
    if isinstance(structure, KerasTensor):
        return memo[id(structure)]
    if isinstance(structure, (list, tuple)):
        if unpack and len(structure) == 1:
            return fill(structure[0], memo)
        return type(structure)(fill(item, memo) for item in structure)
    if isinstance(structure, dict):
        return {key: fill(value, memo) for key, value in structure.items()}
    return structure


def node_of(tensor):
    """The node that made ``tensor``; ValueError for a tensor no call made (a bare
    ``keras.KerasTensor`` that is not among the graph's inputs)."""
    if tensor._keras_history is None:
        raise ValueError(
            f"Graph disconnected: the outputs need the tensor {tensor.name} (shape "
            f"{format_shape(tensor.shape)}), which no call made and which is not among the "
            "inputs. Pass it in `inputs`.")
    layer, node_index, _ = tensor._keras_history
    return layer._inbound_nodes[node_index]


def map_graph(inputs, outputs):
    """({node: depth}, non-input nodes in run order, layers in Keras's order) between the
    tensors (a node's depth: the longest path from it to an output).

    Raises ValueError naming the tensor when an output needs a ``keras.Input`` that is not
    among ``inputs`` (a disconnected graph), for cycles and for duplicate layer names.
    """
    input_ids = {id(x) for x in inputs}
    order, layer_index = [], {}
    finished, in_progress = set(), set()

    def enter(tensor):
        node = node_of(tensor)
        if node in finished:
            return None
        if node in in_progress:
            raise ValueError(f"Tensor {tensor.name} from layer '{node.layer.name}' is part of "
                             "a cycle.")
        layer_index.setdefault(node.layer, len(layer_index))
        in_progress.add(node)
        if node.is_input and id(tensor) not in input_ids:
            raise ValueError(
                f"Graph disconnected: the model's outputs need the input tensor "
                f"{tensor.name} (shape {format_shape(tensor.shape)}, from Input layer "
                f"'{node.layer.name}'), which is not among the model's `inputs` "
                f"{[x.name for x in inputs]}. Pass it in `inputs`, or build the outputs from "
                "the given inputs only.")
        children = [] if node.is_input else node.inputs
        return [node, iter(children)]

    for output in outputs:  # iterative depth-first walk: deep graphs need no recursion
        root = enter(output)
        stack = [root] if root is not None else []
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is not None:
                frame = enter(child)
                if frame is not None:
                    stack.append(frame)
                continue
            stack.pop()
            in_progress.discard(node)
            finished.add(node)
            order.append(node)

    # depth: the longest path to an output (outputs are 0); a layer takes its deepest node's
    node_depth, layer_depth = {}, {}
    for node in reversed(order):
        depth = node_depth.setdefault(node, 0)
        depth = max(depth, layer_depth.get(node.layer, 0))
        layer_depth[node.layer] = depth
        node_depth[node] = depth
        for parent in {id(p): p for p in map(node_of, node.inputs)}.values():
            node_depth[parent] = max(depth + 1, node_depth.get(parent, 0))
    for x in inputs:  # inputs that no output uses are still part of the model
        node = node_of(x)
        if node.layer not in layer_depth:
            layer_depth[node.layer], layer_index[node.layer] = 0, -1
            node_depth[node] = 0
    by_depth = {}
    for node, depth in node_depth.items():
        by_depth.setdefault(depth, []).append(node)
    run_order = [n for d in sorted(by_depth, reverse=True) for n in by_depth[d]
                 if not n.is_input]
    layers = sorted(layer_depth, key=lambda layer: (-layer_depth[layer], layer_index[layer]))
    names = [layer.name for layer in layers]
    for name in names:
        if names.count(name) > 1:
            raise ValueError(f'The name "{name}" is used {names.count(name)} times in the '
                             "model. All operation names should be unique.")
    return node_depth, run_order, layers
