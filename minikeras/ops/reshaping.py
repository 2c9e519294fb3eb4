"""Shape manipulation of ``keras.ops``: reshape, transpose, join, split, tile, pad, flip...

Composed from the reshape, transpose, concatenate, stack and getitem primitives, so every
gradient is derived.
"""
import numpy as np

from ..autodiff import primitives as P
from ..autodiff.reductions import normalize_axis
from .core import axis_tuple, convert_to_tensor, data

__all__ = [
    "append", "broadcast_to", "concatenate", "expand_dims", "flatten", "flip", "hstack",
    "moveaxis", "ndim", "pad", "ravel", "repeat", "reshape", "roll", "size", "split", "squeeze",
    "stack", "swapaxes", "tile", "transpose", "unstack", "vstack",
]


reshape = P.reshape
transpose = P.transpose
broadcast_to = P.broadcast_to


def concatenate(xs, axis=0):
    return P.concatenate(common_dtype(xs), axis)


def stack(x, axis=0):
    return P.stack(common_dtype(x), axis)


def common_dtype(values):
    """``values`` as tensors; with any float among them, integer and bool ones take the
    floats' dtype (Keras's promotion; numpy would give float64 for int64 with float32)."""
    tensors = [convert_to_tensor(v) for v in values]
    floats = [t.dtype for t in tensors if t.dtype.kind == "f"]
    if not floats or len(floats) == len(tensors):
        return tensors
    dtype = np.result_type(*floats)
    return [t if t.dtype.kind == "f" else P.cast(t, dtype) for t in tensors]


def expand_dims(x, axis):
    x = convert_to_tensor(x)
    return P.reshape(x, np.expand_dims(np.empty(x.shape, dtype=bool), axis_tuple(axis)).shape)


def squeeze(x, axis=None):
    x = convert_to_tensor(x)
    return P.reshape(x, np.squeeze(np.empty(x.shape, dtype=bool), axis_tuple(axis)).shape)


def flatten(x):
    return P.reshape(x, (-1,))


def swapaxes(x, axis1, axis2):
    axes = list(range(convert_to_tensor(x).ndim))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return P.transpose(x, axes)


def moveaxis(x, source, destination):
    x = convert_to_tensor(x)
    perm = list(range(x.ndim))
    perm.insert(destination % x.ndim, perm.pop(source % x.ndim))
    return P.transpose(x, perm)


def split(x, indices_or_sections, axis=0):
    x = convert_to_tensor(x)
    pieces = np.split(np.arange(x.shape[axis]), indices_or_sections)
    out = []
    for idx in pieces:
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


def roll(x, shift, axis=None):
    x = convert_to_tensor(x)
    if axis is None:
        return P.reshape(roll(P.reshape(x, (-1,)), shift, 0), x.shape)
    shifts = [shift] if isinstance(shift, int) else list(shift)
    axes = [axis] if isinstance(axis, int) else list(axis)
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
    xs = [convert_to_tensor(x) for x in xs]
    return P.concatenate(xs, 0 if xs[0].ndim == 1 else 1)


def vstack(xs):
    xs = [convert_to_tensor(x) for x in xs]
    xs = [P.reshape(x, (1, -1)) if x.ndim < 2 else x for x in xs]
    return P.concatenate(xs, 0)


def append(x1, x2, axis=None):
    x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
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
