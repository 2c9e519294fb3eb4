"""Shape manipulation of ``keras.ops``: reshape, transpose, join, split, tile, pad, flip...

Composed from the reshape, transpose, concatenate, stack and getitem primitives, so every
gradient is derived.
"""
import re

import numpy as np

from ..autodiff import primitives as P
from ..autodiff.elementwise import operands
from ..autodiff.reductions import axis_index, normalize_axis
from .core import axes_of_the_input, at_least_rank, axis_tuple, convert_to_tensor, data

__all__ = [
    "append", "array_split", "broadcast_to", "concatenate", "dsplit", "dstack", "expand_dims",
    "flatten", "flip", "fliplr", "flipud", "hsplit", "hstack", "moveaxis", "ndim", "pad",
    "ravel", "rearrange", "repeat", "reshape", "roll", "rot90", "size", "split", "squeeze",
    "stack", "swapaxes", "tile", "transpose", "unstack", "vsplit", "vstack",
]


reshape = P.reshape
transpose = P.transpose
broadcast_to = P.broadcast_to


def concatenate(xs, axis=0):
    tensors = common_dtype(xs)
    first = tensors[0].shape
    for t in tensors[1:]:
        if len(t.shape) != len(first) or any(
                a != b for i, (a, b) in enumerate(zip(t.shape, first))
                if i != axis % len(first)):
            raise ValueError(
                "Every value in `xs` must have the same shape except on the `axis` dim. But "
                f"found element of shape {t.shape}, which is different from the first "
                f"element's shape {first}.")
    return P.concatenate(tensors, axis)


def stack(x, axis=0):
    return P.stack(common_dtype(x), axis)


def common_dtype(values):
    """``values`` as tensors; with any float among them, integer and bool ones take the
    floats' dtype (Keras's promotion; numpy would give float64 for int64 with float32)."""
    tensors = [convert_to_tensor(v) for v in values]
    floats = [t.data.dtype for t in tensors if t.data.dtype.kind == "f"]
    if not floats or len(floats) == len(tensors):
        return tensors
    dtype = np.result_type(*floats)
    return [t if t.data.dtype.kind == "f" else P.cast(t, dtype) for t in tensors]


def expand_dims(x, axis):
    x = convert_to_tensor(x)
    return P.reshape(x, np.expand_dims(np.empty(x.shape, dtype=bool), axis_tuple(axis)).shape)


@axes_of_the_input
def squeeze(x, axis=None):
    x = convert_to_tensor(x)
    return P.reshape(x, np.squeeze(np.empty(x.shape, dtype=bool), axis_tuple(axis)).shape)


def flatten(x):
    return P.reshape(x, (-1,))


def swapaxes(x, axis1, axis2):
    axes = list(range(convert_to_tensor(x).ndim))
    axis1, axis2 = axis_index(axis1, len(axes)), axis_index(axis2, len(axes))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return P.transpose(x, axes)


def moveaxis(x, source, destination):
    """``x`` with the axes ``source`` (an int or a sequence) moved to ``destination``, the
    others keeping their order."""
    x = convert_to_tensor(x)
    source = [axis_index(a, x.ndim) for a in np.atleast_1d(source).tolist()]
    destination = [axis_index(a, x.ndim) for a in np.atleast_1d(destination).tolist()]
    if len(source) != len(destination):
        raise ValueError("`source` and `destination` arguments must have the same number of "
                         f"elements. Received: source={source}, destination={destination}")
    perm = [axis for axis in range(x.ndim) if axis not in source]
    for to, axis in sorted(zip(destination, source)):
        perm.insert(to, axis)
    return P.transpose(x, perm)


def split(x, indices_or_sections, axis=0):
    """Equal pieces (``indices_or_sections`` an int that divides the axis) or pieces cut at
    the given indices, along ``axis``."""
    return _pieces(x, indices_or_sections, axis, np.split)


def array_split(x, indices_or_sections, axis=0):
    """Like ``split``, but n sections need not divide the axis: the first ``size % n``
    pieces get one element more."""
    return _pieces(x, indices_or_sections, axis, np.array_split)


def hsplit(x, indices_or_sections):
    """``split`` along axis 1 (axis 0 for a 1-D input)."""
    x = convert_to_tensor(x)
    return _pieces(x, indices_or_sections, 0 if x.ndim == 1 else 1, np.split)


def vsplit(x, indices_or_sections):
    """``split`` along axis 0 of an input of rank 2 or more."""
    return _pieces(at_least_rank(x, 2, "vsplit"), indices_or_sections, 0, np.split)


def dsplit(x, indices_or_sections):
    """``split`` along axis 2 of an input of rank 3 or more."""
    return _pieces(at_least_rank(x, 3, "dsplit"), indices_or_sections, 2, np.split)


def _pieces(x, indices_or_sections, axis, splitter):
    """The slices of ``x`` along ``axis`` that ``splitter`` (np.split or np.array_split)
    makes of its positions."""
    x = convert_to_tensor(x)
    if x.ndim == 0:  # Keras's type (an axis that does not exist)
        raise IndexError(f"split cuts along axis {axis}: a rank-0 tensor (a scalar) has none.")
    axis %= x.ndim
    if splitter is np.split and isinstance(indices_or_sections, int) \
            and x.shape[axis] % indices_or_sections:
        raise ValueError(
            "`x` size on given `axis` must be divisible by `indices_or_sections` when "
            f"`indices_or_sections` is an int. But received {x.shape[axis]} and "
            f"{indices_or_sections}.")
    out = []
    for idx in splitter(np.arange(x.shape[axis]), indices_or_sections):
        index = [slice(None)] * x.ndim
        index[axis] = slice(int(idx[0]), int(idx[-1]) + 1) if idx.size else slice(0, 0)
        out.append(P.getitem(x, tuple(index)))
    return out


def tile(x, repeats):
    x = convert_to_tensor(x)
    index = np.tile(np.arange(x.size).reshape(x.shape), repeats)
    return P.take(P.reshape(x, (-1,)), index)


def repeat(x, repeats, axis=None):
    x = convert_to_tensor(x)
    if axis is None:
        x, axis = P.reshape(x, (-1,)), 0
    idx = np.repeat(np.arange(x.shape[axis]), repeats)
    return P.take(x, idx, axis)


def size(x):
    return int(np.size(data(x)))


def ndim(x):
    return int(np.ndim(data(x)))


def ravel(x):
    return P.reshape(x, (-1,))


def flip(x, axis=None):
    x = convert_to_tensor(x)
    index = [slice(None)] * x.ndim
    for a in normalize_axis(axis, x.ndim):
        index[a] = slice(None, None, -1)
    return P.getitem(x, tuple(index))


def flipud(x):
    """``x`` reversed along axis 0."""
    return flip(at_least_rank(x, 1, "flipud"), 0)


def fliplr(x):
    """``x`` reversed along axis 1."""
    return flip(at_least_rank(x, 2, "fliplr"), 1)


def rot90(array, k=1, axes=(0, 1)):
    """``array`` rotated by ``k`` quarter turns in the plane of ``axes``, from the first axis
    towards the second (counterclockwise for a matrix)."""
    x = convert_to_tensor(array)
    if x.ndim < 2:
        raise ValueError(f"Input array must have at least 2 dimensions. "
                         f"Received: array.ndim={x.ndim}")
    if len(axes) != 2 or axes[0] % x.ndim == axes[1] % x.ndim:
        raise ValueError(f"Invalid axes: {axes}. Axes must be a tuple of two different "
                         "dimensions.")
    a, b = axes[0] % x.ndim, axes[1] % x.ndim
    k %= 4
    if k == 2:
        return flip(x, (a, b))
    if k == 0:
        return x
    perm = list(range(x.ndim))
    perm[a], perm[b] = perm[b], perm[a]
    # a quarter turn: reverse the second axis, then swap the two; three: swap, then reverse it
    return P.transpose(flip(x, b), perm) if k == 1 else flip(P.transpose(x, perm), b)


def roll(x, shift, axis=None):
    x = convert_to_tensor(x)
    if axis is None:
        return P.reshape(roll(P.reshape(x, (-1,)), shift, 0), x.shape)
    shifts = [shift] if isinstance(shift, int) else list(shift)
    axes = [axis_index(a, x.ndim) for a in ([axis] if isinstance(axis, int) else axis)]
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    for s, a in zip(shifts, axes):
        idx = np.roll(np.arange(x.shape[a]), s)
        x = P.take(x, idx, a)
    return x


def pad(x, pad_width, mode="constant", constant_values=None):
    """Pad with a constant (default 0), or by ``"reflect"``, ``"symmetric"``, ``"edge"``,
    ``"wrap"`` indexing (composed from take, so gradients flow to the kept values)."""
    x = convert_to_tensor(x)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=int).reshape(-1, 2)
                             if np.ndim(pad_width) else np.full((1, 2), pad_width),
                             (x.ndim, 2))
    if mode == "constant":
        return P.pad_constant(x, widths.tolist(), 0 if constant_values is None else
                              constant_values)
    if constant_values is not None:
        raise ValueError(f"pad: constant_values only applies to mode='constant', not {mode!r}.")
    for a, (lo, hi) in enumerate(widths):
        idx = np.pad(np.arange(x.shape[a]), (int(lo), int(hi)), mode=mode)
        x = P.take(x, idx, a)
    return x


def hstack(xs):
    """Join along axis 1 (axis 0 for 1-D inputs; scalars are 1-D of one element)."""
    xs = [convert_to_tensor(x) for x in xs]
    xs = [P.reshape(x, (1,)) if x.ndim == 0 else x for x in xs]
    return P.concatenate(xs, 0 if xs[0].ndim == 1 else 1)


def vstack(xs):
    xs = [convert_to_tensor(x) for x in xs]
    xs = [P.reshape(x, (1, -1)) if x.ndim < 2 else x for x in xs]
    return P.concatenate(xs, 0)


def dstack(xs):
    """Join along axis 2; 1-D inputs become ``(1, n, 1)`` and 2-D ones ``(m, n, 1)`` first."""
    xs = [convert_to_tensor(x) for x in xs]
    xs = [P.reshape(x, (1, -1, 1)) if x.ndim < 2 else
          P.reshape(x, x.shape + (1,)) if x.ndim == 2 else x for x in xs]
    return P.concatenate(xs, 2)


def append(x1, x2, axis=None):
    """x2 after x1 along ``axis`` (both flattened when None), in the dtype Keras promotes
    the two to (int32 with float16 is float16, where numpy would widen)."""
    x1, x2 = operands(x1, x2)
    if axis is None:
        return P.concatenate([P.reshape(x1, (-1,)), P.reshape(x2, (-1,))], 0)
    return P.concatenate([x1, x2], axis)


def unstack(x, num=None, axis=0):
    """The slices of ``x`` along ``axis``, as a list."""
    x = convert_to_tensor(x)
    axis %= x.ndim
    n = x.shape[axis]
    if num is not None and num != n:
        raise ValueError(f"unstack: num={num} but axis {axis} has size {n}.")
    index = [np.s_[:]] * x.ndim
    out = []
    for i in range(n):
        index[axis] = i
        out.append(P.getitem(x, tuple(index)))
    return out


_AXIS_GROUP = re.compile(r"\(([^()]*)\)|(\w+)|(\S)")


def _pattern_groups(side, pattern):
    """The axis groups of one side of an einops pattern: ``"b (h w) c"`` ->
    ``[["b"], ["h", "w"], ["c"]]``."""
    groups = []
    for match in _AXIS_GROUP.finditer(side):
        inner, name, other = match.groups()
        if other is not None:
            raise ValueError(f"rearrange: unexpected {other!r} in pattern {pattern!r}. Expected "
                             "axis names and parenthesized groups of them.")
        groups.append(inner.split() if inner is not None else [name])
    return groups


def rearrange(tensor, pattern, **axes_lengths):
    """Reorder, merge and split axes as an einops pattern says (``"b h w c -> b (h w) c"``).

    A parenthesized group on the left splits an axis (all of the group's lengths but one
    given in ``axes_lengths``); on the right it merges axes, in order.

    Raises:
        ValueError: for a malformed pattern, axes that do not match the input's rank, an
            output axis absent from the input, or lengths that do not divide an axis.
    """
    x = convert_to_tensor(tensor)
    if pattern.count("->") != 1:
        raise ValueError(f"rearrange: the pattern must have one '->'. Received: {pattern!r}")
    left, right = (_pattern_groups(side, pattern) for side in pattern.split("->"))
    if len(left) != x.ndim:
        raise ValueError(f"rearrange: the pattern's input has {len(left)} axes but the tensor "
                         f"has rank {x.ndim} (shape {x.shape}). Received: {pattern!r}")
    sizes = {}
    for group, size in zip(left, x.shape):
        unknown = [name for name in group if name not in axes_lengths]
        known = int(np.prod([axes_lengths[name] for name in group if name in axes_lengths]))
        if len(unknown) > 1 or (unknown and size % known) or (not unknown and known != size):
            raise ValueError(f"rearrange: cannot split an axis of size {size} into {group} "
                             f"with axes_lengths={axes_lengths}.")
        sizes.update({name: axes_lengths[name] for name in group if name in axes_lengths})
        sizes.update({name: size // known for name in unknown})
    names = [name for group in left for name in group]
    wanted = [name for group in right for name in group]
    if sorted(wanted) != sorted(names):
        raise ValueError(f"rearrange: the output axes {sorted(wanted)} must be the input axes "
                         f"{sorted(names)}, each once. Received: {pattern!r}")
    split = P.reshape(x, [sizes[name] for name in names])
    moved = P.transpose(split, [names.index(name) for name in wanted])
    return P.reshape(moved, [int(np.prod([sizes[name] for name in group])) for group in right])
