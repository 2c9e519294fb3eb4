"""Control flow of ``keras.ops``: cond, switch, loops, scan and map, composed.

Control flow is plain python run eagerly (minikeras has no graph compiler), so
``cond``, ``while_loop``, ``fori_loop``, ``scan`` and ``map`` record the ops
their functions call and gradients flow through them as usual.
"""
import numpy as np

from ..autodiff import primitives as P
from .core import convert_to_tensor, data
from .reshaping import unstack

__all__ = [
    "associative_scan", "cond", "fori_loop", "map", "scan", "switch", "vectorized_map",
    "while_loop",
]


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
