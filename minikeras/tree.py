"""Nested structures (``keras.tree``): the leaves of lists, tuples, namedtuples, deques and
dicts, maps over them, and checks that two structures match.

The functional call, the trainer and saving walk model inputs and outputs with these, and
``keras.tree`` is this module. The order of leaves is Keras's: a dict's values by sorted key
(an ``OrderedDict``'s in insertion order), sequences in order; ``None`` is a leaf, and so
are strings and arrays. A rebuilt dict keeps the original key order.
"""
import collections
import warnings

__all__ = [
    "MAP_TO_NONE", "assert_same_paths", "assert_same_structure", "flatten", "flatten_with_path",
    "is_nested", "lists_to_tuples", "map_shape_structure", "map_structure",
    "map_structure_up_to", "pack_sequence_as", "traverse",
]


class MAP_TO_NONE:  # noqa: N801 - Keras's name
    """Returned by a ``traverse`` function to replace a sub-structure with ``None``."""


def is_nested(structure):
    """True for a list, tuple, namedtuple, deque or dict (any other value is a leaf)."""
    return isinstance(structure, (list, tuple, dict, collections.deque))


def _keys(structure):
    """The child keys of a nested structure, in leaf order."""
    if isinstance(structure, dict):
        if isinstance(structure, collections.OrderedDict):
            return list(structure)
        return sorted(structure)
    return range(len(structure))


def _children(structure):
    if isinstance(structure, dict):
        return [structure[key] for key in _keys(structure)]
    return list(structure)


def _rebuild(structure, children):
    """A structure of ``structure``'s kind holding ``children`` (in leaf order)."""
    if isinstance(structure, dict):
        by_key = dict(zip(_keys(structure), children))
        values = [(key, by_key[key]) for key in structure]  # the original key order
        if isinstance(structure, collections.defaultdict):
            return collections.defaultdict(structure.default_factory, values)
        return type(structure)(values)
    if isinstance(structure, tuple) and hasattr(structure, "_fields"):  # a namedtuple
        return type(structure)(*children)
    return type(structure)(children)


def flatten(structure):
    """The leaves of ``structure`` as a list (a leaf alone gives ``[leaf]``)."""
    if isinstance(structure, (list, tuple)):  # the common case, kept cheap
        return [leaf for item in structure for leaf in flatten(item)]
    if is_nested(structure):
        return [leaf for item in _children(structure) for leaf in flatten(item)]
    return [structure]


def flatten_with_path(structure):
    """``(path, leaf)`` pairs; a path is the tuple of indices and keys leading to the leaf."""
    if not is_nested(structure):
        return [((), structure)]
    return [((key,) + path, leaf)
            for key, child in zip(_keys(structure), _children(structure))
            for path, leaf in flatten_with_path(child)]


def _same_kind(a, b):
    """Two nested structures with the same type (all dicts alike) and the same keys."""
    if isinstance(a, dict) and isinstance(b, dict):
        return sorted(a) == sorted(b)
    if isinstance(a, list) and isinstance(b, list):  # a layer's tracked list is a list
        return len(a) == len(b)
    return type(a) is type(b) and len(a) == len(b)


def _mismatch(a, b):
    return ValueError(
        "The two structures don't have the same nested structure. Expected the second to "
        f"match the first: received {_describe(a)} and {_describe(b)}.")


def _describe(value):
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def map_structure(func, *structures, none_is_leaf=True):
    """``func`` applied to the leaves of ``structures`` (all of the same layout), in a structure
    of that layout. With ``none_is_leaf=False``, ``None`` leaves stay ``None``.

    Raises:
        ValueError: if no structure is given or the structures differ.
    """
    if not structures:
        raise ValueError("Must provide at least one structure")
    if len(structures) == 1:
        return _map_one(func, structures[0], none_is_leaf)
    first = structures[0]
    if not is_nested(first):
        if any(is_nested(s) for s in structures[1:]):
            raise _mismatch(first, next(s for s in structures[1:] if is_nested(s)))
        if first is None and not none_is_leaf:
            return None
        return func(*structures)
    for other in structures[1:]:
        if not is_nested(other) or not _same_kind(first, other):
            raise _mismatch(first, other)
    columns = zip(*[_children_like(first, s) for s in structures])
    return _rebuild(first, [map_structure(func, *column, none_is_leaf=none_is_leaf)
                            for column in columns])


def _map_one(func, structure, none_is_leaf):
    if isinstance(structure, list):  # the common cases, kept cheap
        return [_map_one(func, item, none_is_leaf) for item in structure]
    if is_nested(structure):
        return _rebuild(structure, [_map_one(func, item, none_is_leaf)
                                    for item in _children(structure)])
    if structure is None and not none_is_leaf:
        return None
    return func(structure)


def _children_like(reference, structure):
    """``structure``'s children in ``reference``'s key order (dicts of either kind match)."""
    if isinstance(structure, dict):
        return [structure[key] for key in _keys(reference)]
    return list(structure)


def map_structure_up_to(shallow_structure, func, *structures):
    """``func`` applied to the sub-structures of ``structures`` found at the leaves of
    ``shallow_structure``; deeper nesting is passed to ``func`` whole.

    Raises:
        ValueError: if a structure is shallower than ``shallow_structure`` or differs from it.
    """
    if not structures:
        raise ValueError("Must provide at least one structure")
    if not is_nested(shallow_structure):
        return func(*structures)
    for other in structures:
        if not is_nested(other) or not _same_kind(shallow_structure, other):
            raise _mismatch(shallow_structure, other)
    columns = zip(*[_children_like(shallow_structure, s) for s in structures])
    return _rebuild(shallow_structure, [
        map_structure_up_to(shallow, func, *column)
        for shallow, column in zip(_children(shallow_structure), columns)])


def assert_same_structure(a, b, check_types=None):
    """Raise ValueError unless ``a`` and ``b`` nest the same way: at each level the same type
    (every dict kind counts as one) and the same length or keys. ``check_types`` is
    deprecated in Keras 3 and has no effect there either (a DeprecationWarning says so)."""
    if check_types is not None:
        warnings.warn("The `check_types` argument is deprecated and no longer has any effect; "
                      "use `keras.tree.assert_same_paths()` for a looser check.",
                      DeprecationWarning, stacklevel=2)
    map_structure(lambda *leaves: None, a, b)


def assert_same_paths(a, b):
    """Raise ValueError unless ``a`` and ``b`` have the same leaf paths (indices and keys),
    whatever their container types; the message lists the paths each one lacks."""
    a_paths = {path for path, _ in flatten_with_path(a)}
    b_paths = {path for path, _ in flatten_with_path(b)}
    if a_paths != b_paths:
        message = "`a` and `b` don't have the same paths."
        if a_paths - b_paths:
            message += f"\nPaths in `a` missing in `b`:\n{a_paths - b_paths}"
        if b_paths - a_paths:
            message += f"\nPaths in `b` missing in `a`:\n{b_paths - a_paths}"
        raise ValueError(message)


def pack_sequence_as(structure, flat_sequence):
    """The leaves ``flat_sequence`` put back into ``structure``'s layout (``flatten``'s
    inverse).

    Raises:
        TypeError: if ``flat_sequence`` is not a sequence.
        ValueError: if its length is not the number of leaves of ``structure``.
    """
    if not isinstance(flat_sequence, (list, tuple, collections.deque)):
        raise TypeError(f"flat_sequence must be a list or tuple of leaves. Received: "
                        f"{type(flat_sequence).__name__}")
    expected = len(flatten(structure))
    if len(flat_sequence) != expected:
        raise ValueError(f"The structure has {expected} leaves but flat_sequence has "
                         f"{len(flat_sequence)} elements. Expected one element per leaf.")
    leaves = iter(flat_sequence)
    return _map_one(lambda _: next(leaves), structure, True)


def traverse(func, structure, top_down=True):
    """Apply ``func`` to every sub-structure, depth first.

    Top down, a result other than None replaces the sub-structure and stops the descent
    into it; bottom up (``top_down=False``), children are traversed first and a result other
    than None replaces the (rebuilt) sub-structure. ``MAP_TO_NONE`` as a result means None.
    """
    if not callable(func):
        raise TypeError(f"func must be callable. Received: {func!r}")

    def children_traversed(node):
        if not is_nested(node):
            return node
        return _rebuild(node, [traverse(func, child, top_down) for child in _children(node)])

    if top_down:
        result = func(structure)
        if result is None:
            return children_traversed(structure)
    else:
        structure = children_traversed(structure)
        result = func(structure)
        if result is None:
            return structure
    return None if result is MAP_TO_NONE else result


def lists_to_tuples(structure):
    """``structure`` with every list made a tuple."""
    return traverse(lambda node: tuple(node) if isinstance(node, list) else None,
                    structure, top_down=False)


def _is_shape(value):
    return isinstance(value, (list, tuple)) and all(
        isinstance(entry, (int, type(None))) for entry in value)


def map_shape_structure(func, structure):
    """``map_structure`` where a list or tuple of ints and Nones (a shape) is one leaf."""
    if _is_shape(structure) or not is_nested(structure):
        return func(structure)
    return _rebuild(structure, [map_shape_structure(func, child)
                                for child in _children(structure)])
