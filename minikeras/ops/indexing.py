"""Indexing and selection of ``keras.ops``: take, slicing, scattering, where, select.

Gathers go through the differentiable ``take`` and ``getitem`` primitives; indices are
raw integer data and carry no gradient.
"""
import numpy as np

from ..autodiff import primitives as P
from ..autodiff.tensor import Tensor
from .core import axes_of_the_input, cast, convert_to_tensor, data

__all__ = [
    "get_item", "nonzero", "scatter", "scatter_update", "select", "slice", "slice_update",
    "take", "take_along_axis", "unravel_index", "where",
]


def where(condition, x1=None, x2=None):
    """``x1`` where ``condition`` holds, else ``x2``; with only a condition, its nonzero indices."""
    if x1 is None and x2 is None:   # the indices where condition holds, one array per axis
        return tuple(Tensor(i.astype(np.int32)) for i in np.nonzero(data(condition)))
    if x1 is None or x2 is None:
        raise ValueError("where: pass both x1 and x2, or neither.")
    if not (isinstance(condition, Tensor) and condition.data.dtype == np.bool_):
        condition = data(condition).astype(bool)  # (a bool tensor kept: the graph's own)
    return P.where(condition, x1, x2)


@axes_of_the_input
def take(x, indices, axis=None):
    return P.take(x, data(indices), axis)


def take_along_axis(x, indices, axis=None):
    if axis is None:
        x, axis = P.reshape(x, (-1,)), 0
    x, idx = convert_to_tensor(x), np.asarray(data(indices))
    axis %= idx.ndim
    x, idx = _broadcast_but_axis(x, idx, axis)
    grid = list(np.ix_(*[np.arange(n) for n in idx.shape]))
    grid[axis] = idx
    return P.getitem(x, tuple(grid))


def _broadcast_but_axis(x, idx, axis):
    """``x`` and ``idx`` broadcast against each other on every axis but ``axis`` (Keras
    gathers (batch, experts, units) outputs with (batch, k, 1) indices)."""
    if x.ndim != idx.ndim:
        raise ValueError(f"take_along_axis expects `indices` of the same rank as `x` "
                         f"({x.ndim}); received indices of shape {idx.shape}.")
    ones_at_axis = [tuple(1 if d == axis else n for d, n in enumerate(shape))
                    for shape in (x.shape, idx.shape)]
    common = list(np.broadcast_shapes(*ones_at_axis))
    x_shape = tuple(common[:axis] + [x.shape[axis]] + common[axis + 1:])
    idx_shape = tuple(common[:axis] + [idx.shape[axis]] + common[axis + 1:])
    if tuple(x.shape) != x_shape:
        x = P.broadcast_to(x, x_shape)
    return x, np.broadcast_to(idx, idx_shape)


def nonzero(x):
    """The indices of the non-zero elements: a tuple of int32 index vectors, one per axis
    (numpy's structure, and Keras's on jax and in its symbolic specs)."""
    found = np.nonzero(data(convert_to_tensor(x)))
    return tuple(Tensor(indices.astype(np.int32)) for indices in found)


def select(condlist, choicelist, default=0):
    """The first choice whose condition holds, element by element (differentiable choices)."""
    out = convert_to_tensor(default)
    for cond, choice in reversed(list(zip(condlist, choicelist))):
        out = P.where(data(cond), choice, out)
    return out


def get_item(x, key):
    return P.getitem(convert_to_tensor(x), key)


def slice(inputs, start_indices, shape):  # noqa: A001 - Keras's name
    """The block of size ``shape`` starting at ``start_indices``."""
    x = convert_to_tensor(inputs)
    starts = [int(s) for s in np.asarray(data(start_indices)).reshape(-1)]
    if len(starts) > x.ndim:
        raise ValueError(f"slice: {len(starts)} start indices for a tensor of rank {x.ndim} "
                         f"(shape {x.shape}). Expected one per axis.")
    index = tuple(np.s_[s:s + int(n)] for s, n in zip(starts, shape))
    return P.getitem(x, index)


def slice_update(inputs, start_indices, updates):
    """``inputs`` with the block at ``start_indices`` replaced by ``updates``."""
    x, u = convert_to_tensor(inputs), convert_to_tensor(updates)
    if u.dtype != x.dtype:
        u = cast(u, x.dtype)
    starts = [int(s) for s in np.asarray(data(start_indices)).reshape(-1)]
    block = tuple(np.s_[s:s + n] for s, n in zip(starts, u.shape))
    for axis, (s, n) in enumerate(zip(starts, u.shape)):     # pad u to x's shape with zeros
        before, after = list(u.shape), list(u.shape)
        before[axis], after[axis] = s, x.shape[axis] - s - n
        u = P.concatenate([Tensor(np.zeros(before, x.dtype)), u,
                           Tensor(np.zeros(after, x.dtype))], axis)
    mask = np.zeros(x.shape, bool)
    mask[block] = True
    return P.where(mask, u, x)


def _flat_positions(indices, shape):
    """Row-major positions of the index tuples in ``indices`` (..., k) for the first k axes."""
    idx = np.asarray(data(indices)).astype(np.int64)
    k = idx.shape[-1]
    block = int(np.prod(shape[k:], dtype=np.int64))
    lead = np.ravel_multi_index(tuple(np.moveaxis(idx.reshape(-1, k), -1, 0)), shape[:k])
    return lead, block


def scatter(indices, values, shape):
    """Zeros of ``shape`` with ``values`` added at ``indices`` (repeated indices accumulate)."""
    shape = tuple(int(n) for n in shape)
    v = convert_to_tensor(values)
    lead, block = _flat_positions(indices, shape)
    rows = P.reshape(v, (lead.size, block))                        # (updates, block)
    n_lead = int(np.prod(shape, dtype=np.int64)) // max(block, 1)
    members = (np.arange(n_lead)[:, None] == lead[None, :]).astype(v.dtype)
    return P.reshape(P.matmul(members, rows), shape)


# reduction name -> the numpy ufunc that folds updates into the values at their index
_SCATTER_FOLDS = {"max": np.maximum, "min": np.minimum, "mul": np.multiply}


def scatter_update(inputs, indices, updates, reduction=None):
    """``inputs`` with the entries at ``indices`` replaced by ``updates``, or, with
    ``reduction`` ("add", "max", "min" or "mul"), combined with them (every update at a
    repeated index counts). "max", "min" and "mul" carry no gradient.

    Raises:
        ValueError: for another ``reduction``.
    """
    x = convert_to_tensor(inputs)
    u = convert_to_tensor(updates)
    if u.dtype != x.dtype:
        u = cast(u, x.dtype)
    if reduction is not None:
        reduction = str(reduction).lower()
        if reduction == "add":
            return P.add(x, scatter(indices, u, x.shape))
        if reduction not in _SCATTER_FOLDS:
            raise ValueError(f"Invalid reduction: {reduction}. Supported values are: None, "
                             "'add', 'max', 'min', 'mul'.")
        lead, block = _flat_positions(indices, x.shape)
        out = np.array(x.data).reshape(-1, max(block, 1))            # (positions, block)
        _SCATTER_FOLDS[reduction].at(out, lead, u.data.reshape(lead.size, -1))
        return Tensor(out.reshape(x.shape))
    lead, block = _flat_positions(indices, x.shape)
    hit = np.zeros(x.size // max(block, 1), bool)
    hit[lead] = True
    placed = scatter(indices, u, x.shape)
    mask = np.repeat(hit, block).reshape(x.shape)
    return P.where(mask, placed, x)


def unravel_index(indices, shape):
    """The coordinates in an array of ``shape`` of flat (C-order) ``indices``: a tuple of
    int32 tensors, one per axis.

    Raises:
        ValueError: if an index is outside the array.
    """
    flat = np.asarray(data(indices))
    size = int(np.prod(shape))
    if flat.size and (flat.min() < 0 or flat.max() >= size):
        raise ValueError(f"unravel_index: indices must be in [0, {size}) for shape "
                         f"{tuple(shape)}. Received: min {flat.min()}, max {flat.max()}")
    return tuple(Tensor(c.astype(np.int32)) for c in np.unravel_index(flat, shape))
