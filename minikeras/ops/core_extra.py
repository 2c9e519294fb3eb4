"""Control flow, slicing and scattering of ``keras.ops`` (core), composed.

Control flow is plain python run eagerly (minikeras has no graph compiler), so
``cond``, ``while_loop``, ``fori_loop``, ``scan`` and ``map`` record the ops
their functions call and gradients flow through them as usual.
"""
import numpy as np

from .. import backend
from ..autodiff import primitives as P
from ..autodiff.tensor import Tensor
from .core import cast, convert_to_tensor, data

__all__ = ["associative_scan", "cond", "fori_loop", "map", "saturate_cast", "scan", "scatter",
           "scatter_update", "slice", "slice_update", "switch", "unstack", "vectorized_map",
           "while_loop"]


def cond(pred, true_fn, false_fn):
    """``true_fn()`` if ``pred`` else ``false_fn()``."""
    return true_fn() if bool(np.asarray(data(pred))) else false_fn()


def switch(index, branches, *operands):
    """``branches[index](*operands)``, with ``index`` clamped to the valid range."""
    i = int(np.clip(int(np.asarray(data(index))), 0, len(branches) - 1))
    return branches[i](*operands)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Repeat ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` holds."""
    single = not isinstance(loop_vars, (list, tuple))
    state = (loop_vars,) if single else tuple(loop_vars)
    count = 0
    while bool(np.asarray(data(cond(*state)))):
        if maximum_iterations is not None and count >= maximum_iterations:
            break
        out = body(*state)
        state = (out,) if single else tuple(out)
        count += 1
    if single:
        return state[0]
    return list(state) if isinstance(loop_vars, list) else state


def fori_loop(lower, upper, body_fun, init_val):
    """``val = body_fun(i, val)`` for i in ``range(lower, upper)``."""
    val = init_val
    for i in range(int(np.asarray(data(lower))), int(np.asarray(data(upper)))):
        val = body_fun(i, val)
    return val


def _stack_tree(items):
    first = items[0]
    if isinstance(first, (list, tuple)):
        return type(first)(_stack_tree([it[j] for it in items]) for j in range(len(first)))
    if isinstance(first, dict):
        return {k: _stack_tree([it[k] for it in items]) for k in first}
    if first is None:
        return None
    return P.stack([convert_to_tensor(it) for it in items], 0)


def _unstack_tree(xs):
    if isinstance(xs, (list, tuple)):
        parts = [_unstack_tree(x) for x in xs]
        return [type(xs)(p[i] for p in parts) for i in range(len(parts[0]))]
    if isinstance(xs, dict):
        keys = list(xs)
        parts = [_unstack_tree(xs[k]) for k in keys]
        return [dict(zip(keys, vals)) for vals in zip(*parts)]
    return unstack(xs)


def map(f, xs):  # noqa: A001 - Keras's name
    """``stack([f(x) for x in xs])`` along a new leading axis."""
    return _stack_tree([f(x) for x in _unstack_tree(xs)])


def vectorized_map(function, elements):
    return map(function, elements)


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Loop ``carry, y = f(carry, x)`` over the leading axis of ``xs``.

    Returns:
        ``(final_carry, stacked_ys)``.
    """
    del unroll
    items = _unstack_tree(xs) if xs is not None else [None] * int(length)
    if reverse:
        items = items[::-1]
    carry, ys = init, []
    for x in items:
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys = ys[::-1]
    return carry, (_stack_tree(ys) if ys else None)


def associative_scan(f, elems, reverse=False, axis=0):
    """Inclusive scan of the associative ``f`` along ``axis`` (sequential, composed)."""
    x = convert_to_tensor(elems)
    axis %= x.ndim
    parts = unstack(x, axis=axis)
    if reverse:
        parts = parts[::-1]
    out, acc = [], None
    for p in parts:
        acc = p if acc is None else f(acc, p)
        out.append(acc)
    if reverse:
        out = out[::-1]
    return P.stack(out, axis)


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


def slice(inputs, start_indices, shape):  # noqa: A001 - Keras's name
    """The block of size ``shape`` starting at ``start_indices``."""
    starts = [int(s) for s in np.asarray(data(start_indices)).reshape(-1)]
    index = tuple(np.s_[s:s + int(n)] for s, n in zip(starts, shape))
    return P.getitem(convert_to_tensor(inputs), index)


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


def scatter_update(inputs, indices, updates):
    """``inputs`` with the entries at ``indices`` replaced by ``updates``."""
    x = convert_to_tensor(inputs)
    u = convert_to_tensor(updates)
    if u.dtype != x.dtype:
        u = cast(u, x.dtype)
    lead, block = _flat_positions(indices, x.shape)
    hit = np.zeros(x.size // max(block, 1), bool)
    hit[lead] = True
    placed = scatter(indices, u, x.shape)
    mask = np.repeat(hit, block).reshape(x.shape)
    return P.where(mask, placed, x)


def saturate_cast(x, dtype):
    """Cast to ``dtype``, first clipping to its representable range."""
    x = convert_to_tensor(x)
    dtype = np.dtype(backend.standardize_dtype(dtype))
    info = np.iinfo(dtype) if dtype.kind in "iu" else np.finfo(dtype) if dtype.kind == "f" \
        else None
    if info is not None and backend.is_float_dtype(x.dtype):
        x = P.clip(x, max(float(info.min), float(np.finfo(x.dtype).min)),
                   min(float(info.max), float(np.finfo(x.dtype).max)))
    return cast(x, dtype)
