"""Reductions over axes (sum, sum_over_count, mean, max, min, logsumexp), each VJP under
its forward.

Each Function subclass has its callable right under it, registered by ``@primitive``; its
``vjp`` (the gradient recorded, for ``grad(..., create_graph=True)``) is written with the
callables.
"""
import builtins

import numpy as np

from . import parallel
from .elementwise import exp
from .function import Function, primitive
from .shape import broadcast_to, reshape


def normalize_axis(axis, ndim):
    """The sorted, non-negative axes that ``axis`` (None, an int or a sequence) names;
    Keras's ValueError for an axis out of range."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    if not ndim:
        return ()
    return tuple(sorted(axis_index(a, ndim) for a in axes))


def axis_index(axis, ndim):
    """``axis`` (negative counts from the end) as an index of ``ndim`` axes; Keras's
    ValueError when there is no such axis."""
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of bounds for an array with dimension {ndim}.")
    return int(axis) % ndim


def restore_reduced(gy, shape, axes, keepdims):
    """Reshape a reduced gradient so it broadcasts back against the input shape."""
    if not keepdims:
        gy = gy.reshape([1 if i in axes else n for i, n in enumerate(shape)])
    return gy


def reduced_shape(shape, axes):
    """``shape`` with 1 on ``axes``: a reduction's result with its axes kept."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def per_sample(reduce, x, axes, keepdims):
    """``reduce(x, axis=axes, keepdims=keepdims)`` as an array; by parts of the batch
    (``parallel.for_passes``) when the batch axis is not reduced (a global pooling) and
    there is more than one part (the parts do not depend on whether they run at once, so
    neither do the bits)."""
    if not axes or 0 in axes or parallel.pass_parts(len(x), x.size) == 1:
        return np.asarray(reduce(x, axis=axes, keepdims=keepdims))
    corner = reduce(x[tuple(slice(0, 1) if i == 0 or i in axes else slice(None)  # one sample
                            for i in range(x.ndim))], axis=axes, keepdims=keepdims)
    out = np.empty((len(x),) + corner.shape[1:], corner.dtype)

    def part(a, b):
        out[a:b] = reduce(x[a:b], axis=axes, keepdims=keepdims)

    parallel.for_passes(part, len(x), x.size)
    return out


class Sum(Function):
    replayable = True

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.axes = normalize_axis(self.axis, x.ndim)
        return per_sample(np.sum, x, self.axes, self.keepdims)

    def backward(self, gy):
        shape = self.inputs[0].shape
        return (np.broadcast_to(restore_reduced(gy, shape, self.axes, self.keepdims), shape),)

    def vjp(self, gy):
        shape = self.inputs[0].shape
        return (broadcast_to(reshape(gy, reduced_shape(shape, self.axes)), shape),)


@primitive
def sum(x, axis=None, keepdims=False):  # noqa: A001
    return Sum(axis, keepdims)(x)


class SumOverCount(Function):
    """``sum(x) / count`` over every entry, as one node: a loss's "sum over batch size".
    The same numbers as a Sum node followed by a Divide by ``count`` in ``x``'s dtype."""

    replayable = True

    def __init__(self, count):
        self.count = count

    def forward(self, x):
        # dtype scalars and the ufunc reduce: 0-d arrays and ndarray.sum's Python wrapper
        # cost ~2 us more for the same float operations
        self.divisor = x.dtype.type(self.count)
        return np.asarray(np.add.reduce(x, axis=None) / self.divisor)  # None: every axis

    def backward(self, gy):
        # gy / count at every entry: a read-only zero-stride view of one value, what
        # np.broadcast_to gives, without its 2-3 us of argument handling
        value = np.asarray(gy / self.divisor).reshape(1)
        shape = self.inputs[0].shape
        out = np.ndarray(shape, value.dtype, value, 0, (0,) * len(shape))
        out.flags.writeable = False
        return (out,)

    def vjp(self, gy):
        shape = self.inputs[0].shape
        return (broadcast_to(reshape(gy / self.count, (1,) * len(shape)), shape),)


@primitive
def sum_over_count(x, count):
    return SumOverCount(float(count))(x)


class Mean(Function):
    replayable = True

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.axes = normalize_axis(self.axis, x.ndim)
        if x.size == 0 and not all(x.shape[a] for a in self.axes):  # means of nothing
            # nan, as np.mean gives but without its "Mean of empty slice" warning (Keras's
            # backends give nan silently): the empty sums over a count of 0
            return np.asarray(np.true_divide(np.sum(x, axis=self.axes, keepdims=self.keepdims),
                                             0))
        return per_sample(np.mean, x, self.axes, self.keepdims)

    def backward(self, gy):
        shape = self.inputs[0].shape
        count = int(np.prod([shape[a] for a in self.axes]))
        gy = restore_reduced(gy, shape, self.axes, self.keepdims) / builtins.max(count, 1)
        return (np.broadcast_to(gy, shape),)

    def vjp(self, gy):
        shape = self.inputs[0].shape
        count = builtins.max(int(np.prod([shape[a] for a in self.axes])), 1)
        return (broadcast_to(reshape(gy / count, reduced_shape(shape, self.axes)), shape),)


@primitive
def mean(x, axis=None, keepdims=False):
    return Mean(axis, keepdims)(x)


class _Extremum(Function):
    """max/min over axes; ties share the gradient equally."""

    replayable = True
    reduce = None

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.axes = normalize_axis(self.axis, x.ndim)
        self.y = np.asarray(type(self).reduce(x, axis=self.axes, keepdims=True))
        return self.y if self.keepdims else self.y.reshape(
            [n for i, n in enumerate(x.shape) if i not in self.axes])

    def backward(self, gy):
        x = self.inputs[0]
        hit = x.data == self.y
        share = hit / hit.sum(axis=self.axes, keepdims=True)
        return (restore_reduced(gy, x.shape, self.axes, self.keepdims) * share,)

    def vjp(self, gy):
        x = self.inputs[0]
        hit = x.data == self.y  # which entries won (constant: the choice has no derivative)
        share = (hit / hit.sum(axis=self.axes, keepdims=True)).astype(gy.dtype)
        return (reshape(gy, reduced_shape(x.shape, self.axes)) * share,)


class Max(_Extremum):
    reduce = np.max


@primitive
def max(x, axis=None, keepdims=False):  # noqa: A001
    return Max(axis, keepdims)(x)


class Min(_Extremum):
    reduce = np.min


@primitive
def min(x, axis=None, keepdims=False):  # noqa: A001
    return Min(axis, keepdims)(x)


class LogSumExp(Function):
    replayable = True

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.axes = normalize_axis(self.axis, x.ndim)
        m = x.max(axis=self.axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        self.y = np.log(np.exp(x - m).sum(axis=self.axes, keepdims=True)) + m
        return self.y if self.keepdims else self.y.reshape(
            [n for i, n in enumerate(x.shape) if i not in self.axes])

    def backward(self, gy):
        x = self.inputs[0]
        gy = restore_reduced(gy, x.shape, self.axes, self.keepdims)
        return (gy * np.exp(x.data - self.y),)

    def vjp(self, gy):
        x = self.inputs[0]
        gy = reshape(gy, reduced_shape(x.shape, self.axes))
        return (gy * exp(x - logsumexp(x, self.axes, keepdims=True)),)


@primitive
def logsumexp(x, axis=None, keepdims=False):
    return LogSumExp(axis, keepdims)(x)
