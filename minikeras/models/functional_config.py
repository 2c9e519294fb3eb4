"""Functional-model configs in Keras 3's format, and rebuilding the graph from one.

::

    {"name": "functional", "trainable": True,
     "layers": [{"module": "keras.layers", "class_name": "Dense", "config": {...},
                 "registered_name": None, "build_config": {"input_shape": [None, 4]},
                 "name": "dense",
                 "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__",
                                              "config": {"shape": [None, 4],
                                                         "dtype": "float32",
                                                         "keras_history": ["input_layer",
                                                                           0, 0]}}],
                                    "kwargs": {}}]}, ...],
     "input_layers": ["input_layer", 0, 0],        # or a list / dict of such triples
     "output_layers": ["dense", 0, 0]}

A triple ``[layer name, node index, tensor index]`` names one output of one call of a
layer; node indices count only the calls that belong to this model (a nested functional
model counts from 1, as in Keras, whose models own a node of their own). Keras 2 configs
(``inbound_nodes`` as ``[[["dense", 0, 0, {}]]]``) are read too.
"""
from ..layers.keras_tensor import KerasTensor
from ..tree import map_structure
from ..layers.layer import Layer
from ..layers.op_call import OpCall, is_op_entry

_TENSOR = "__keras_tensor__"
_SLICE, _ELLIPSIS = "__slice__", "__ellipsis__"


class _NotYet(Exception):
    """A node refers to a layer call that has not been replayed yet."""


def _is_functional(layer, keras2=False):
    """A functional model: Keras files count a node of its own before its calls in
    ``input_layers`` / ``output_layers`` (not in the calls' arguments). Keras 2 files count
    one for a nested Sequential too (Keras 2 built it as a graph of its own)."""
    return getattr(layer, "_counts_own_node", False) or (
        keras2 and getattr(layer, "_keras2_counts_own_node", False))


# ---- writing ------------------------------------------------------------------------------
def get_config(model):
    """The Keras 3 config of a functional model (layers in model order, with their calls)."""
    from ..saving.serialization import serialize_keras_object
    own = model._node_set
    new_index = {}  # (id(layer), index among all its calls) -> index among this model's
    for layer in model._layers:
        kept = 0
        for i, node in enumerate(layer._inbound_nodes):
            if node in own:
                new_index[(id(layer), i)] = kept
                kept += 1

    def history(tensor, own_node_first=False):
        layer, node_index, tensor_index = tensor._keras_history
        index = new_index[(id(layer), node_index)]
        return [layer.name, index + (own_node_first and _is_functional(layer)), tensor_index]

    def end_history(tensor):
        return history(tensor, own_node_first=True)

    def tensor_config(value):
        if isinstance(value, slice):  # an index key, as Keras writes it
            return {"class_name": _SLICE, "config": {"start": value.start, "stop": value.stop,
                                                      "step": value.step}}
        if value is Ellipsis:
            return {"class_name": _ELLIPSIS, "config": {}}
        if not isinstance(value, KerasTensor):
            return serialize_keras_object(value)
        return {"class_name": _TENSOR, "config": {"shape": list(value.shape),
                                                  "dtype": value.dtype,
                                                  "keras_history": history(value)}}

    entries = []
    for layer in model._layers:
        entry = layer.keras_entry() if isinstance(layer, OpCall) else serialize_keras_object(layer)
        entry["name"] = layer.name
        # a node's keywords: the given ones first, then those Keras filled in (given win)
        entry["inbound_nodes"] = [
            {"args": _plain([map_structure(tensor_config, arg) for arg in node.args]),
             "kwargs": {k: map_structure(tensor_config, v)
                        for k, v in {**node.kwargs, **node.filled, **node.kwargs}.items()}}
            for node in layer._inbound_nodes if node in own and not node.is_input]
        entries.append(entry)
    return {"name": model.name, "trainable": model.trainable, "layers": entries,
            "input_layers": _plain(map_structure(end_history, model._inputs_struct)),
            "output_layers": _plain(map_structure(end_history, model._outputs_struct))}


def _plain(value):
    """Tuples become lists (JSON has only lists), keeping the config comparable."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


# ---- reading ------------------------------------------------------------------------------
def rebuild_graph(config, custom_objects=None):
    """Create the layers of a functional config and replay their calls.

    Returns ``(inputs, outputs, {"name": ..., "trainable": ...})`` for ``Functional(...)``.
    """
    from ..saving.serialization import deserialize_keras_object
    for key in ("layers", "input_layers", "output_layers"):
        if key not in config:
            raise ValueError(f"A functional model config needs a '{key}' entry; this one has "
                             f"only {sorted(config)}.")
    entries = config["layers"]
    created, pending = {}, {}
    for entry in entries:
        name = entry.get("name") or (entry.get("config") or {}).get("name")
        body = {k: v for k, v in entry.items() if k not in ("name", "inbound_nodes")}
        if is_op_entry(body):  # a keras.ops call
            layer = OpCall.from_keras_entry(body)
        else:
            layer = deserialize_keras_object(body, custom_objects)
        if not isinstance(layer, Layer):
            raise ValueError(f"The functional config entry '{name}' does not describe a layer "
                             f"(it gave {type(layer).__name__}).")
        if name in created:
            raise ValueError(f'The layer name "{name}" appears twice in the functional config.')
        created[name] = layer
        pending[name] = list(entry.get("inbound_nodes") or [])
    # Replay the calls in layer order; a call whose inputs do not exist yet waits for the
    # next pass (a layer shared at different depths, e.g. A(B(A(x)))).
    while any(pending.values()):
        progress = False
        for entry in entries:
            name = entry.get("name") or entry["config"].get("name")
            queue = pending[name]
            while queue:
                try:
                    args, kwargs = _node_arguments(queue[0], created)
                except _NotYet:
                    break
                created[name](*args, **kwargs)
                queue.pop(0)
                progress = True
        if not progress:
            stuck = sorted(k for k, v in pending.items() if v)
            raise ValueError(f"The functional config is inconsistent: the calls of layers "
                             f"{stuck} refer to layer calls that never happen.")
    keras2 = any(isinstance(node, list) for entry in entries
                 for node in entry.get("inbound_nodes") or [])
    inputs = _tensors(config["input_layers"], created, keras2)
    outputs = _tensors(config["output_layers"], created, keras2)
    return inputs, outputs, {"name": config.get("name"),
                             "trainable": config.get("trainable", True)}


def _lookup(created, name, node_index, tensor_index, own_node_first=False, keras2=False):
    layer = created.get(name)
    if layer is None:
        raise ValueError(f"The functional config refers to an unknown layer '{name}'. Known "
                         f"layers: {sorted(created)}")
    if own_node_first and _is_functional(layer, keras2):
        node_index -= 1  # input_layers / output_layers count a model's own node first
    nodes = layer.__dict__.get("_inbound_nodes", [])
    if node_index >= len(nodes):
        raise _NotYet()
    return nodes[node_index].outputs[tensor_index]


def _is_triple(value):
    return isinstance(value, (list, tuple)) and len(value) == 3 and isinstance(value[0], str)


def _tensors(structure, created, keras2):
    if _is_triple(structure):
        return _lookup(created, *structure, own_node_first=True, keras2=keras2)
    if isinstance(structure, dict):
        return {k: _tensors(v, created, keras2) for k, v in structure.items()}
    return [_tensors(v, created, keras2) for v in structure]


def _keras2_argument(value, created):
    """A Keras 2 call keyword: a tensor is its ``[layer name, node, tensor]`` (``value`` of a
    MultiHeadAttention call), maybe inside a list; anything else is itself."""
    if _is_triple(value) and value[0] in created and all(
            isinstance(i, int) for i in value[1:]):
        return _lookup(created, *value, own_node_first=True, keras2=True)
    if isinstance(value, list):
        return [_keras2_argument(v, created) for v in value]
    return value


def _node_arguments(data, created):
    """(args, kwargs) to call a layer with, from one serialized node (Keras 3 or 2)."""
    if isinstance(data, list):  # Keras 2: [[name, node, tensor, kwargs], ...]
        tensors, kwargs = [], {}
        for item in data:
            tensors.append(_lookup(created, item[0], item[1], item[2], own_node_first=True,
                                   keras2=True))
            if len(item) > 3 and item[3]:
                kwargs = {k: _keras2_argument(v, created) for k, v in item[3].items()}
        return [tensors[0] if len(tensors) == 1 else tensors], kwargs

    from ..saving.serialization import deserialize_keras_object

    def revive(value):
        if isinstance(value, dict) and value.get("class_name") == _TENSOR:
            return _lookup(created, *value["config"]["keras_history"])
        if isinstance(value, dict) and value.get("class_name") in ("__numpy__", "__tensor__"):
            return deserialize_keras_object(value)  # a constant argument
        if isinstance(value, dict) and value.get("class_name") == _SLICE:
            return slice(*(value["config"].get(k) for k in ("start", "stop", "step")))
        if isinstance(value, dict) and value.get("class_name") == _ELLIPSIS:
            return Ellipsis
        if isinstance(value, list):
            return [revive(v) for v in value]
        if isinstance(value, dict):
            return {k: revive(v) for k, v in value.items()}
        return value

    return revive(list(data.get("args") or [])), revive(dict(data.get("kwargs") or {}))
