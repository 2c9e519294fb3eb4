"""Re-pointing part of a recorded graph at other tensors.

``Layer.stateless_call`` runs a call with its variables holding given values, written into
the variables' own arrays, which get their old values back when the call ends. The nodes
the call recorded read the variables, so a backward pass afterwards would read the old
values and send its gradients to the variables. Re-pointed at the given values, those
nodes read what the call computed with, and gradients reach the given values, as in a
Keras stateless call.
"""
from .tensor import Tensor


def repoint(roots, replacements, boundary):
    """In the graph that made the tensors among ``roots``, down to (not past) the tensors
    in ``boundary``, make each node that reads a tensor of ``replacements`` (``{id(tensor):
    replacement}``) read its replacement instead. The nodes' generations are raised where a
    replacement was computed deeper in its own graph, so the backward pass still runs each
    node after every node that reads its outputs."""
    stop = {id(t) for t in boundary}
    nodes, made = _nodes_above(roots, stop)
    for node in sorted(nodes.values(), key=lambda node: node.generation):
        inputs = node.inputs
        if any(id(x) in replacements for x in inputs):
            node.inputs = inputs = type(inputs)(replacements.get(id(x), x) for x in inputs)
        node.generation = max((x.generation for x in inputs if x.requires_grad),
                              default=node.generation)
        for tensor in made.get(id(node), ()):
            tensor.generation = node.generation + 1


def _nodes_above(roots, stop):
    """The nodes (``{id: node}``) that made the ``roots``' tensors, and the tensors each of
    them made (``{id(node): [tensor, ...]}``), not walking past a tensor whose id is in
    ``stop``."""
    nodes, made, seen = {}, {}, set()
    pending = [t for t in roots if isinstance(t, Tensor)]
    while pending:
        tensor = pending.pop()
        node = tensor.creator
        if node is None or id(tensor) in stop or id(tensor) in seen:
            continue
        seen.add(id(tensor))
        made.setdefault(id(node), []).append(tensor)
        if id(node) not in nodes:
            nodes[id(node)] = node
            pending.extend(node.inputs)
    return nodes, made
