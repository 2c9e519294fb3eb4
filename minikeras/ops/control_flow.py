"""Control flow of ``keras.ops``: cond, switch, loops, scan, map and vectorize, composed.

Control flow is plain python run eagerly (minikeras has no graph compiler), so
``cond``, ``while_loop``, ``fori_loop``, ``scan`` and ``map`` record the ops
their functions call and gradients flow through them as usual.
"""
import re

import numpy as np

from .. import tree
from ..autodiff import primitives as P
from .core import convert_to_tensor, data
from .reshaping import unstack

__all__ = [
    "associative_scan", "cond", "fori_loop", "map", "scan", "switch", "vectorize",
    "vectorized_map", "while_loop",
]


def cond(pred, true_fn, false_fn):
    """``true_fn()`` if ``pred`` else ``false_fn()``."""
    return true_fn() if bool(np.asarray(data(pred))) else false_fn()


def switch(index, branches, *operands):
    """``branches[index](*operands)``, with ``index`` clamped to the valid range."""
    i = int(np.clip(int(np.asarray(data(index))), 0, len(branches) - 1))
    return branches[i](*operands)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Repeat ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` holds. The loop
    variables start as tensors (python numbers too, as in Keras); a list or tuple of them
    comes back as a tuple. ``body`` may return one tensor for a single loop variable, given
    bare or in a list."""
    single = not isinstance(loop_vars, (list, tuple))
    state = tree.map_structure(convert_to_tensor, (loop_vars,) if single else tuple(loop_vars))
    count = 0
    while bool(np.asarray(data(cond(*state)))):
        if maximum_iterations is not None and count >= maximum_iterations:
            break
        out = body(*state)
        state = tuple(out) if isinstance(out, (list, tuple)) else (out,)
        count += 1
    return state[0] if single else state


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
    if xs is None and length is None:
        raise ValueError("Got no `xs` to scan over and `length` not provided.")
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
    """Inclusive scan of the associative ``f`` along ``axis`` (sequential, composed).

    ``elems`` is a tensor or a nested structure of tensors of one length along ``axis``;
    ``f`` takes two such structures (the running result and the next slices) and returns one.
    """
    leaves = [convert_to_tensor(leaf) for leaf in tree.flatten(elems)]
    axis %= leaves[0].ndim
    if len({leaf.shape[axis] for leaf in leaves}) > 1:
        raise ValueError("Array inputs to associative_scan must have the same first "
                         f"dimension. (saw: {[leaf.shape for leaf in leaves]})")
    slices = list(zip(*(unstack(leaf, axis=axis) for leaf in leaves)))   # per step, per leaf
    if reverse:
        slices = slices[::-1]
    out, acc = [], None
    for parts in slices:
        step = tree.pack_sequence_as(elems, list(parts))
        acc = step if acc is None else f(acc, step)
        out.append([convert_to_tensor(leaf) for leaf in tree.flatten(acc)])
    if reverse:
        out = out[::-1]
    stacked = [P.stack(list(leaf_steps), axis) for leaf_steps in zip(*out)]
    return tree.pack_sequence_as(elems, stacked)


_CORE = re.compile(r"\(([^()]*)\)")


def _core_ranks(signature):
    """The number of core axes of each input and output of a numpy gufunc signature
    (``"(m,n),(n)->(m)"`` gives ``[2, 1]`` and ``[1]``)."""
    if signature is None:
        return None, None
    inputs, arrow, outputs = signature.replace(" ", "").partition("->")
    if not arrow:
        raise ValueError(f"vectorize: a signature looks like '(m,n),(n)->(m)'. Received: "
                         f"signature={signature!r}")
    ranks = [[len([d for d in group.split(",") if d]) for group in _CORE.findall(side)]
             for side in (inputs, outputs)]
    return ranks[0], ranks[1]


def vectorize(pyfunc, *, excluded=None, signature=None):
    """``pyfunc`` made to map over leading ("loop") axes, like ``numpy.vectorize``: without a
    signature it gets one element at a time; with one (``"(n),(n)->()"``) it gets the core
    axes the signature names. Inputs broadcast over their loop axes; the results are
    stacked. Positional arguments whose index is in ``excluded``, and keyword arguments,
    are passed through as is.
    """
    excluded = set(excluded or ())
    in_ranks, out_ranks = _core_ranks(signature)

    def vectorized(*args, **kwargs):
        mapped = [i for i in range(len(args)) if i not in excluded]
        tensors = {i: convert_to_tensor(args[i]) for i in mapped}
        ranks = in_ranks or [0] * len(mapped)
        if len(ranks) != len(mapped):
            raise ValueError(f"vectorize: the signature {signature!r} has {len(ranks)} inputs "
                             f"but {len(mapped)} arguments were given.")
        core = dict(zip(mapped, ranks))
        loops = {i: tensors[i].shape[:tensors[i].ndim - core[i]] for i in mapped}
        loop_shape = np.broadcast_shapes(*loops.values()) if loops else ()
        results = []
        for index in np.ndindex(*loop_shape):
            call = list(args)
            for i in mapped:
                own = index[len(index) - len(loops[i]):]
                key = tuple(0 if n == 1 else k for k, n in zip(own, loops[i]))
                call[i] = tensors[i][key] if key else tensors[i]
            results.append(pyfunc(*call, **kwargs))
        if not results:
            raise ValueError("vectorize: the inputs' loop axes are empty; there is no element "
                             "to call the function on.")
        single = not isinstance(results[0], (tuple, list))
        columns = [results] if single else list(zip(*results))
        outs = [P.reshape(P.stack([convert_to_tensor(r) for r in column], 0),
                          loop_shape + convert_to_tensor(column[0]).shape)
                for column in columns]
        if out_ranks is not None and len(out_ranks) != len(outs):
            raise ValueError(f"vectorize: the signature {signature!r} has {len(out_ranks)} "
                             f"outputs but the function returned {len(outs)}.")
        return outs[0] if single else tuple(outs)
    return vectorized
