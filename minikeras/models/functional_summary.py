"""summary() of a functional model: Keras 3's table, with ``Connected to`` for branching graphs.

A graph that is a plain chain (one call per depth, one input per call, no shared layer)
prints like a Sequential (88 columns: ``Layer (type)``, ``Output Shape``, ``Param #``);
any other graph gets a fourth column ``Connected to`` listing the inputs of each call as
``layer_name[node][tensor]`` (108 columns, positions 0.3 / 0.56 / 0.74 / 1.0).
InputLayers are rows too, as in Keras 3.
"""
from ..utils.summary import layer_rows, print_table


def _chain_like(model):
    """True for a plain chain: one input and output, single-input calls, no shared layer."""
    by_layer = {}
    for node in model._nodes:
        by_layer.setdefault(id(node.layer), []).append(node)
    if any(len(nodes) > 1 for nodes in by_layer.values()):
        return False
    if any(len(node.inputs) > 1 for node in model._nodes):
        return False
    # a chain: each tensor feeds at most one call
    used = {}
    for node in model._nodes:
        for tensor in node.inputs:
            used[id(tensor)] = used.get(id(tensor), 0) + 1
    return all(count == 1 for count in used.values()) and len(model._inputs) == 1 and \
        len(model._outputs) == 1


def _connections(model, layer):
    parts = []
    for node in layer._inbound_nodes:
        if node not in model._node_set:
            continue
        for tensor in node.inputs:
            source, node_index, tensor_index = tensor._keras_history
            parts.append(f"{source.name}[{node_index}][{tensor_index}]")
    return ", ".join(parts) or "-"


def print_functional_summary(model, line_length=None, positions=None, print_fn=None,
                             expand_nested=False, show_trainable=False, layer_range=None):
    """Print (or pass to ``print_fn``) the summary table of a functional model."""
    chain = _chain_like(model)
    headers, aligns = ["Layer (type)", "Output Shape", "Param #"], ["left", "left", "right"]
    if not chain:
        headers, aligns = headers + ["Connected to"], aligns + ["left"]
    connections = None if chain else (lambda layer: _connections(model, layer))
    rows = layer_rows(model, model._operations, show_trainable, expand_nested, layer_range,
                      connections)
    print_table(model, headers, aligns, rows,
                positions or ([0.45, 0.8, 1.0] if chain else [0.3, 0.56, 0.74, 1.0]),
                88 if chain else 108, line_length, print_fn, show_trainable)
