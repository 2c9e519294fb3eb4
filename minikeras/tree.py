"""Nested structures of tensors: the leaves of a list / tuple / dict, and a map over them.

The functional call, the trainer and saving all walk model inputs and outputs with these.
"""


def flatten(structure):
    """The leaves of a tensor, or list / tuple / dict (sorted keys, as Keras) of them."""
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in flatten(structure[key])]
    return [structure]


def map_structure(fn, structure):
    """``structure`` with ``fn`` applied to every leaf (lists stay lists, tuples tuples)."""
    if isinstance(structure, (list, tuple)):
        return type(structure)(map_structure(fn, item) for item in structure)
    if isinstance(structure, dict):
        return {key: map_structure(fn, value) for key, value in structure.items()}
    return fn(structure)
