"""summary() of a functional model: Keras 3's table, with ``Connected to`` for branching graphs.

A graph that is a chain (one call per depth, one input per call, no shared layer; it may
have several outputs along the chain)
prints like a Sequential (88 columns: ``Layer (type)``, ``Output Shape``, ``Param #``);
any other graph gets a fourth column ``Connected to`` listing the inputs of each call as
``layer_name[node][tensor]`` (108 columns, positions 0.3 / 0.56 / 0.74 / 1.0).
InputLayers are rows too, as in Keras 3.
"""
from ..utils.summary import layer_rows, print_table


def _chain_like(model):
    """Keras's test: one call per depth, each call on one tensor, no layer called twice."""
    depths = list(model._nodes.values())
    if len(set(depths)) < len(depths) or any(len(node.inputs) > 1 for node in model._nodes):
        return False
    layers = [id(node.layer) for node in model._nodes]
    return len(set(layers)) == len(layers)


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
    rows = layer_rows(model, model.operations, show_trainable, expand_nested, layer_range,
                      connections)
    print_table(model, headers, aligns, rows,
                positions or ([0.45, 0.8, 1.0] if chain else [0.3, 0.56, 0.74, 1.0]),
                88 if chain else 108, line_length, print_fn, show_trainable)
