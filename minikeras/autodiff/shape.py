"""Shape and indexing primitives (reshape, transpose, broadcast and its adjoint sum_to, join,
gather and getitem's adjoint), each VJP under its forward and its callable right under it,
registered by ``@primitive``. The ``vjp`` methods (gradients that record, for
``grad(..., create_graph=True)``) are written with these same callables.
"""
import numpy as np

from . import parallel
from .function import Function, primitive, unbroadcast
from .replay import compared
from .tensor import Tensor, as_tensor, stack_lists_with


class Reshape(Function):
    replayable = True

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        return x.reshape(self.shape)

    def backward(self, gy):
        return (gy.reshape(self.inputs[0].shape),)

    def vjp(self, gy):
        return (reshape(gy, self.inputs[0].shape),)


@primitive
def reshape(x, newshape):  # keras.ops's argument name
    return Reshape(tuple(newshape) if not isinstance(newshape, int) else newshape)(x)


class Transpose(Function):
    replayable = True

    def __init__(self, axes=None):
        self.axes = axes

    def forward(self, x):
        return np.transpose(x, self.axes)

    def backward(self, gy):
        if self.axes is None:
            return (np.transpose(gy),)
        return (np.transpose(gy, np.argsort([a % gy.ndim for a in self.axes])),)

    def vjp(self, gy):
        if self.axes is None:
            return (transpose(gy),)
        return (transpose(gy, np.argsort([a % gy.ndim for a in self.axes]).tolist()),)


@primitive
def transpose(x, axes=None):
    return Transpose(None if axes is None else tuple(axes))(x)


class BroadcastTo(Function):
    replayable = True

    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        return np.broadcast_to(x, self.shape)

    def backward(self, gy):
        """The sum over the broadcast axes; by parts of the batch (``parallel.for_passes``)
        when the leading axis was not broadcast (an upsampling's repeats) and there is more
        than one part (the same parts whether they run at once or not: the same bits)."""
        shape = self.inputs[0].shape
        if (len(shape) != gy.ndim or not shape or shape[0] != len(gy) or shape == gy.shape
                or parallel.pass_parts(len(gy), gy.size) == 1):
            return (unbroadcast(gy, shape),)
        gx = np.empty(shape, gy.dtype)

        def part(a, b):
            gx[a:b] = unbroadcast(gy[a:b], gx[a:b].shape)

        parallel.for_passes(part, len(gy), gy.size)
        return (gx,)

    def vjp(self, gy):
        return (sum_to(gy, self.inputs[0].shape),)


@primitive
def broadcast_to(x, shape):
    return BroadcastTo(shape)(x)


class SumTo(Function):
    """x summed down to ``shape`` (over the leading axes x has more, and over the axes where
    ``shape`` has 1): the adjoint of broadcasting, so each is the other's gradient."""

    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        return unbroadcast(x, self.shape)

    def backward(self, gy):
        return (np.broadcast_to(gy, self.inputs[0].shape),)

    def vjp(self, gy):
        return (broadcast_to(gy, self.inputs[0].shape),)


@primitive
def sum_to(x, shape):
    """``x`` summed down to ``shape``, a shape x broadcasts from (the gradient of
    broadcasting); x itself when it has that shape."""
    x = as_tensor(x)
    shape = tuple(shape)
    if x.shape == shape:
        return x
    if np.broadcast_shapes(shape, x.shape) != x.shape:
        raise ValueError(f"sum_to: shape {shape} does not broadcast to x's shape {x.shape}, "
                         "so x cannot be summed down to it.")
    return SumTo(shape)(x)


class Concatenate(Function):
    replayable = True

    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, *xs):
        if not self._by_parts(xs):
            return np.concatenate(xs, axis=self.axis)
        shape = list(xs[0].shape)
        shape[self.axis] = sum(x.shape[self.axis] for x in xs)
        out = np.empty(shape, np.result_type(*xs))
        parallel.for_passes(lambda a, b: np.concatenate([x[a:b] for x in xs], self.axis,
                                                        out=out[a:b]), len(out), out.size)
        return out

    def _by_parts(self, xs):
        """Whether to join by parts of the batch (``parallel.for_passes``): along an axis
        after the first, when the parts would run at once."""
        nd = xs[0].ndim
        later_axis = 0 < self.axis < nd or -nd < self.axis < 0
        return (later_axis and all(x.ndim == nd and len(x) == len(xs[0]) for x in xs)
                and parallel.passes_split(len(xs[0]), sum(x.size for x in xs)))

    def backward(self, gy):
        bounds = np.cumsum([x.shape[self.axis] for x in self.inputs])[:-1]
        return tuple(np.split(gy, bounds, axis=self.axis))

    def vjp(self, gy):
        axis, start, parts = self.axis % gy.ndim, 0, []
        for x in self.inputs:
            stop = start + x.shape[axis]
            parts.append(getitem(gy, (slice(None),) * axis + (slice(start, stop),)))
            start = stop
        return tuple(parts)


@primitive
def concatenate(xs, axis=0):
    return Concatenate(axis)(*xs)


class Stack(Function):
    replayable = True

    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, *xs):
        return np.stack(xs, axis=self.axis)

    def backward(self, gy):
        return tuple(np.moveaxis(gy, self.axis, 0))

    def vjp(self, gy):
        axis = self.axis % gy.ndim
        return tuple(getitem(gy, (slice(None),) * axis + (i,)) for i in range(len(self.inputs)))


@primitive
def stack(xs, axis=0):
    return Stack(axis)(*xs)


stack_lists_with(stack)


class PadConstant(Function):
    """x with ``widths[a] = (before, after)`` elements of ``value`` added along each axis a.

    Forward fills only the borders and copies x once into the interior; the gradient is
    the interior of gy.
    """

    def __init__(self, widths, value):
        self.widths, self.value = tuple(widths), value
        self.replayable = compared(value)  # a number (an array value: not compared)

    def forward(self, x):
        out = np.empty(tuple(n + lo + hi for n, (lo, hi) in zip(x.shape, self.widths)),
                       x.dtype)
        for axis, (lo, hi) in enumerate(self.widths):
            lead = (slice(None),) * axis
            out[lead + (slice(0, lo),)] = self.value
            out[lead + (slice(out.shape[axis] - hi, None),)] = self.value
        self.interior = tuple(slice(lo, lo + n) for n, (lo, _) in zip(x.shape, self.widths))
        out[self.interior] = x
        return out

    def backward(self, gy):
        return (gy[self.interior],)

    def vjp(self, gy):
        return (getitem(gy, self.interior),)


@primitive
def pad_constant(x, widths, value=0):
    """x padded with ``value``: ``widths`` holds one (before, after) pair per axis."""
    x = as_tensor(x)
    if len(widths) != x.ndim or any(len(w) != 2 or min(w) < 0 for w in widths):
        raise ValueError(f"pad_constant expects one (before, after) pair of non-negative ints "
                         f"per axis of x (shape {x.shape}). Received: widths={widths!r}")
    return PadConstant(tuple((int(lo), int(hi)) for lo, hi in widths), value)(x)


class GetItem(Function):
    """x[index] for any numpy index; the gradient scatters back (repeats accumulate)."""

    def __init__(self, index):
        self.index = index
        # a basic index (ints, slices): compared by value between recordings; arrays are not
        self.replayable = _selects_once(index)

    def forward(self, x):
        return x[self.index]

    def backward(self, gy):
        return (_scattered(gy, self.inputs[0].shape, self.index),)

    def vjp(self, gy):
        return (getitem_gradient(gy, self.inputs[0].shape, self.index),)


def _scattered(g, shape, index):
    """Zeros of ``shape`` with ``g`` added at ``index`` (repeated elements accumulate)."""
    out = np.zeros(shape, g.dtype)
    if _selects_once(index):  # plain assignment: np.add.at is ~50x slower
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


def _selects_once(index):
    """Whether a numpy index is basic (ints, slices, None, Ellipsis): no element twice."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, slice) or
               (isinstance(p, (int, np.integer)) and not isinstance(p, bool)) for p in parts)


@primitive
def getitem(x, index):
    if isinstance(index, Tensor):
        index = index.data
    elif isinstance(index, tuple):
        index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return GetItem(index)(x)


class GetItemGradient(Function):
    """Zeros of ``shape`` with x added at ``index``: the adjoint of ``x[index]``, so each is
    the other's gradient."""

    def __init__(self, shape, index):
        self.shape, self.index = tuple(shape), index

    def forward(self, x):
        return _scattered(x, self.shape, self.index)

    def backward(self, gy):
        return (gy[self.index],)

    def vjp(self, gy):
        return (getitem(gy, self.index),)


@primitive
def getitem_gradient(x, shape, index):
    """Zeros of ``shape`` with ``x`` added at numpy ``index`` (the gradient of ``a[index]``
    for an ``a`` of that shape; repeated elements accumulate)."""
    return GetItemGradient(shape, index)(x)


class Take(Function):
    """take(x, indices, axis); ``indices`` is integer data and gets no gradient.

    ``checked`` (who takes: an Embedding layer's description): an index outside ``[0,
    size)`` raises (``check_index_range``; numpy would count a negative one from the end),
    at every run of a recorded step too (replay.py). The rows of a table (axis 0: an
    embedding's lookups) get their gradient in the array the backward pass offers (the
    optimizer's gradient view during ``fit``), zeroed in place: a table's fresh zeros each
    step cost page faults (Embedding(20000, 64): 1.2 ms a step)."""

    replayable = True
    writes_destinations = True

    def __init__(self, axis=None, checked=None):
        self.axis = axis
        self.checked = checked

    def forward(self, x, indices):
        self.indices = indices.astype(np.intp, copy=False)
        if self.checked is not None:
            check_index_range(self.checked, indices, x.size if self.axis is None
                              else x.shape[self.axis])
        return np.take(x, self.indices, axis=self.axis)

    def backward(self, gy):
        x = self.inputs[0]
        if self.axis is None:
            gx = np.zeros(x.size, gy.dtype)
            np.add.at(gx, self.indices.ravel(), gy.ravel())
            return gx.reshape(x.shape), None
        axis = self.axis % x.ndim
        if axis == 0 and self.indices.size:  # rows of a table (an embedding's lookups)
            offered = self.destination(0, gy.dtype)
            in_place = offered is not None and offered.flags.c_contiguous  # rows as views
            if in_place:
                offered.fill(0)
            gx = offered if in_place else np.zeros(x.shape, gy.dtype)
            _add_rows(gx.reshape(len(gx), -1), self.indices.ravel(),
                      gy.reshape(self.indices.size, -1))
            if offered is None:
                return gx, None
            if not in_place:
                offered[...] = gx
            return None, None
        gx = np.zeros(x.shape, gy.dtype)
        moved = np.moveaxis(gx, axis, 0)  # a view: scatter along axis 0 of it
        g = np.moveaxis(gy, tuple(range(axis, axis + self.indices.ndim)),
                        tuple(range(self.indices.ndim)))
        np.add.at(moved, self.indices, g)
        return gx, None

    def vjp(self, gy):
        x = self.inputs[0]
        if self.axis is None:  # x flattened, then taken along its one axis
            return reshape(getitem_gradient(gy, (x.size,), self.indices), x.shape), None
        return getitem_gradient(gy, x.shape, (slice(None),) * (self.axis % x.ndim)
                                + (self.indices,)), None


def _add_rows(table, indices, rows):
    """table[indices[i]] += rows[i] for every i, indices repeating: sorted, each repeated
    row's sum is one ``np.add.reduceat`` segment (6,400 lookups of 32-wide rows among ~100
    distinct tokens: 0.55 against 1.44 ms for ``np.add.at``), and the rows of indices that
    occur once are added by one fancy-indexed add, as a segment of one row costs as much as
    a longer one (3,200 lookups of 64-wide rows among 5,000 tokens: 4.6 -> 2.0 ms). The
    same sums, in the same order, either way."""
    indices = np.where(indices < 0, indices + len(table), indices)   # as np.take reads them
    order = np.argsort(indices, kind="stable")
    ordered = indices[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    counts = np.diff(starts, append=len(ordered))
    repeated = counts > 1
    if repeated.all():
        table[ordered[starts]] += np.add.reduceat(rows[order], starts, axis=0)
        return
    once = starts[~repeated]
    table[ordered[once]] += rows.take(order[once], axis=0)
    if repeated.any():
        grouped = rows.take(order[np.repeat(repeated, counts)], axis=0)
        counts = counts[repeated]
        table[ordered[starts[repeated]]] += np.add.reduceat(grouped, np.cumsum(counts) - counts,
                                                           axis=0)


@primitive
def take(x, indices, axis=None, checked=None):
    """``np.take(x, indices, axis)``; ``checked`` (a description of the caller): indices
    outside ``[0, size)`` raise (``check_index_range``) instead of wrapping."""
    return Take(axis, checked)(x, indices)


def outside_range(indices, size):
    """An entry of the integer array ``indices`` outside ``[0, size)`` (the lowest if one
    is negative, else the highest), or None."""
    if indices.size:
        low, high = indices.min(), indices.max()
        if low < 0 or high >= size:
            return int(low if low < 0 else high)
    return None


def check_index_range(owner, indices, size):
    """Raise ``owner``'s ValueError (``owner`` e.g. "Layer 'embedding' (Embedding)") when
    an entry of the integer array ``indices`` is outside ``[0, size)``."""
    bad = outside_range(indices, size)
    if bad is not None:
        raise ValueError(
            f"{owner}: input index {bad} is out of range [0, {size}). Increase `input_dim` to "
            "the vocabulary size (largest index + 1) or fix the inputs.")
