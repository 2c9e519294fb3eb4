"""The functional API: ``keras.Model(inputs, outputs)``, a model made of a graph of layer calls.

Calling a layer on KerasTensors records a node (``layer._inbound_nodes``) and returns
KerasTensors whose ``_keras_history`` points back at it. The model walks those histories
from its outputs back to its inputs, orders the nodes by depth (as Keras does: deepest
first, ties in the order a depth-first walk from the outputs meets them) and replays them
on real tensors in ``call``. A layer called twice is one layer, so its weights are shared.
"""
from ..autodiff.grad_mode import is_grad_enabled
from ..autodiff.tensor import Tensor
from ..layers.core import InputLayer
from ..layers.layer import LAYERS, Layer, _has_own_init, format_shape
from ..layers.op_call import OpCall
from ..layers.symbolic import KerasTensor, Node, edge_cast
from ..ops.core import convert_to_tensor
from ..tree import flatten, map_structure
from . import functional_config, inference_fusion
from .model import Model

@LAYERS.register("Functional", "Model")  # "Model": Keras 2 configs
class Functional(Model):
    """A model defined by its input and output KerasTensors.

    Args:
        inputs: a ``keras.Input(...)`` tensor, or a list / dict of them.
        outputs: a KerasTensor computed from the inputs, or a list / dict of them.
        name: model name (default ``functional``, ``functional_1``, ...).
        trainable: whether the model's weights are trainable.
    """

    _counts_own_node = True  # Keras files number a functional model's own node 0
    _autocasts_inputs = False  # each Input keeps its dtype (Keras: _convert_input_args)

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        Layer.__init__(self, trainable=trainable, name=name, **kwargs)
        self._init_trainer()
        _check_tensors(inputs, "inputs")
        _check_tensors(outputs, "outputs")
        inputs, outputs = _cut_at_inputs(inputs, outputs)
        self._inputs_struct, self._outputs_struct = inputs, outputs
        self._inputs, self._outputs = flatten(inputs), flatten(outputs)
        graph = _map_graph(self._inputs, self._outputs)
        self._nodes, self._run_order, self._layers = graph
        self._node_set = set(self._nodes)
        self.built = True
        self._single_input = len(self._inputs) == 1

    def get_build_config(self):
        """``{"input_shape": None}``: Keras builds a functional model with ``build(None)``."""
        return {"input_shape": None}

    # ---- structure -------------------------------------------------------------------
    @property
    def layers(self):
        """Every layer of the graph, InputLayers included, in Keras's order (by depth).
        ``keras.ops`` calls on KerasTensors (``x + y``) are nodes but not layers, as in
        Keras."""
        return [layer for layer in self._layers if not isinstance(layer, OpCall)]

    @property
    def _operations(self):
        """The layers and the op nodes (Keras's name): what summary() and plot_model() show."""
        return list(self._layers)

    @layers.setter
    def layers(self, _):
        raise AttributeError("`Model.layers` attribute is reserved and should not be used. "
                             "Please use another name.")

    def _sublayers(self):
        return list(self._layers)

    @property
    def inputs(self):
        return list(self._inputs)

    @property
    def outputs(self):
        return list(self._outputs)

    @property
    def input(self):
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    @property
    def input_shape(self):
        shapes = [x.shape for x in self._inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [x.shape for x in self._outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_names(self):
        return [x._keras_history[0].name for x in self._outputs]

    def _output_names(self):
        """The names compile() gives the outputs: a dict of outputs is named by its keys
        unless they are the output layers' names (Keras prefers the keys; sorted, the order
        in which a dict flattens)."""
        names = self.output_names
        if isinstance(self._outputs_struct, dict) and set(self._outputs_struct) != set(names):
            return sorted(self._outputs_struct)
        return names

    # ---- running ---------------------------------------------------------------------
    def call(self, inputs, training=None):
        memo = {}
        for tensor, value in zip(self._inputs, self._standardize(inputs)):
            memo[id(tensor)] = value

        def run_node(node, memo):
            args = node.args
            args = (memo[id(args[0])],) if len(args) == 1 and isinstance(
                args[0], KerasTensor) else _fill(args, memo)
            kwargs = _fill(node.kwargs, memo) if node.kwargs else {}
            if training is not None:  # as Keras: it overrides a call's recorded training
                kwargs["training"] = training
            out = node.layer(*args, **kwargs)
            if len(node.outputs) == 1:
                memo[id(node.outputs[0])] = out
            else:
                for tensor, value in zip(node.outputs, flatten(out)):
                    memo[id(tensor)] = value

        if training or is_grad_enabled():
            for node in self._run_order:
                run_node(node, memo)
        else:  # inference: convolution + batch norm + ReLU fused, tensors freed early
            inference_fusion.plan_for(self).run(memo, run_node)
        return _fill(self._outputs_struct, memo, unpack=True)

    def _standardize(self, inputs):
        """The inputs as a list aligned with ``self._inputs``, shape-checked and converted."""
        expected = self._inputs
        if isinstance(inputs, dict):
            names = [x._keras_history[0].name for x in expected]
            struct = self._inputs_struct
            keys = sorted(struct) if isinstance(struct, dict) else names
            missing = [k for k in keys if k not in inputs]
            if missing:
                raise ValueError(f"Model '{self.name}' expects inputs named {keys}; the dict "
                                 f"passed lacks {missing}. Received keys: {sorted(inputs)}")
            values = [inputs[k] for k in keys]
        elif isinstance(inputs, (list, tuple)):
            values = list(inputs)
        else:
            values = [inputs]
        if len(values) != len(expected):
            raise ValueError(
                f"Model '{self.name}' expects {len(expected)} input(s) "
                f"{[x.name for x in expected]}, but it was called on {len(values)}.")
        out = []
        for i, (value, ref) in enumerate(zip(values, expected)):
            if not isinstance(value, Tensor):
                value = convert_to_tensor(edge_cast(value))
            shape, ref_shape = value.shape, ref.shape
            if len(shape) == len(ref_shape) + 1 and shape[-1] == 1:
                value = value.reshape(shape[:-1])  # Keras squeezes a trailing axis of 1
            elif len(shape) == len(ref_shape) - 1 and ref_shape[-1] == 1:
                value = value.reshape(shape + (1,))
            shape = value.shape
            if len(shape) != len(ref_shape) or any(  # the batch axis may differ (last batch)
                    r is not None and d != r for d, r in zip(shape[1:], ref_shape[1:])):
                raise ValueError(
                    f'Input {i} of layer "{self.name}" is incompatible with the layer: expected '
                    f"shape={format_shape(ref_shape)}, found shape={format_shape(value.shape)} (input "
                    f"'{ref._keras_history[0].name}').")
            out.append(value)
        return out

    def compute_output_shape(self, input_shape):
        shapes = [x.shape for x in self._outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    # ---- config ---------------------------------------------------------------------
    def get_config(self):
        if _has_own_init(type(self)):  # a functional subclass: its constructor's arguments
            return Layer.get_config(self)
        return functional_config.get_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if _has_own_init(cls):
            return cls(**config)
        inputs, outputs, rest = functional_config.rebuild_graph(config, custom_objects)
        return cls(inputs, outputs, **rest)


def _check_tensors(structure, argument):
    flat = flatten(structure)
    if not flat:
        raise ValueError(f"`{argument}` argument cannot be empty. Received: {argument}="
                         f"{structure!r}")
    for x in flat:
        if not isinstance(x, KerasTensor):
            raise ValueError(
                f"All `{argument}` values must be KerasTensors (from `keras.Input(...)` or a "
                f"layer called on one). Received: {argument}={structure!r} including {x!r} of "
                f"type {type(x).__name__}")
        if x._keras_history is None:
            raise ValueError(
                f"The tensor {x.name} (shape {format_shape(x.shape)}) in `{argument}` was not made by "
                "`keras.Input(...)` or by calling a layer, so the model cannot trace it.")


def _cut_at_inputs(inputs, outputs):
    """Inputs that are intermediate tensors of another graph become new ``keras.Input``
    tensors, and the calls from them to the outputs are recorded again on the new tensors
    (as Keras's graph cloning does), so the model starts where its inputs are."""
    replace = {}
    for x in flatten(inputs):
        if not isinstance(x._keras_history[0], InputLayer):
            replace[id(x)] = InputLayer(batch_shape=x.shape, dtype=x.dtype).output
    if not replace:
        return inputs, outputs
    memo = dict(replace)
    pending = list(flatten(outputs))
    while pending:  # iterative: deep graphs need no recursion
        tensor = pending[-1]
        if id(tensor) in memo:
            pending.pop()
            continue
        node = _node_of(tensor)
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
             new_outputs)

    def swap(tensor):
        return memo[id(tensor)]
    return map_structure(swap, inputs), map_structure(swap, outputs)


def _fill(structure, memo, unpack=False):
    """``structure`` with each KerasTensor replaced by its computed value."""
    if isinstance(structure, KerasTensor):
        return memo[id(structure)]
    if isinstance(structure, (list, tuple)):
        if unpack and len(structure) == 1:
            return _fill(structure[0], memo)
        return type(structure)(_fill(item, memo) for item in structure)
    if isinstance(structure, dict):
        return {key: _fill(value, memo) for key, value in structure.items()}
    return structure


def _node_of(tensor):
    layer, node_index, _ = tensor._keras_history
    return layer._inbound_nodes[node_index]


def _map_graph(inputs, outputs):
    """({node: depth}, non-input nodes in run order, layers in Keras's order) between the
    tensors (a node's depth: the longest path from it to an output).

    Raises ValueError naming the tensor when an output needs a ``keras.Input`` that is not
    among ``inputs`` (a disconnected graph), for cycles and for duplicate layer names.
    """
    input_ids = {id(x) for x in inputs}
    order, layer_index = [], {}
    finished, in_progress = set(), set()

    def enter(tensor):
        node = _node_of(tensor)
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
        for parent in {id(p): p for p in map(_node_of, node.inputs)}.values():
            node_depth[parent] = max(depth + 1, node_depth.get(parent, 0))
    for x in inputs:  # inputs that no output uses are still part of the model
        node = _node_of(x)
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
                             "model. All layer names should be unique.")
    return node_depth, run_order, layers


Model._built_from_inputs_and_outputs = Functional  # what keras.Model(inputs, outputs) makes
