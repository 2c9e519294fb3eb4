"""Reductions, shape and indexing, and matrix products, each VJP under its forward."""
import numpy as np

from .function import Function, unbroadcast

# --------------------------------------------------------------------------------------
# Reductions
# --------------------------------------------------------------------------------------


def _normalize_axis(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    return tuple(sorted(int(a) % ndim for a in axes)) if ndim else ()


def _restore_reduced(gy, shape, axes, keepdims):
    """Reshape a reduced gradient so it broadcasts back against the input shape."""
    if not keepdims:
        gy = gy.reshape([1 if i in axes else n for i, n in enumerate(shape)])
    return gy


class Sum(Function):
    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.axes = _normalize_axis(self.axis, x.ndim)
        return np.asarray(x.sum(axis=self.axes, keepdims=self.keepdims))

    def backward(self, gy):
        shape = self.inputs[0].shape
        return (np.broadcast_to(_restore_reduced(gy, shape, self.axes, self.keepdims), shape),)


class Mean(Function):
    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.axes = _normalize_axis(self.axis, x.ndim)
        return np.asarray(x.mean(axis=self.axes, keepdims=self.keepdims))

    def backward(self, gy):
        shape = self.inputs[0].shape
        count = int(np.prod([shape[a] for a in self.axes]))
        gy = _restore_reduced(gy, shape, self.axes, self.keepdims) / max(count, 1)
        return (np.broadcast_to(gy, shape),)


class _Extremum(Function):
    """max/min over axes; ties share the gradient equally."""

    reduce = None

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.axes = _normalize_axis(self.axis, x.ndim)
        self.y = np.asarray(type(self).reduce(x, axis=self.axes, keepdims=True))
        return self.y if self.keepdims else self.y.reshape(
            [n for i, n in enumerate(x.shape) if i not in self.axes])

    def backward(self, gy):
        x = self.inputs[0]
        hit = x.data == self.y
        share = hit / hit.sum(axis=self.axes, keepdims=True)
        return (_restore_reduced(gy, x.shape, self.axes, self.keepdims) * share,)


class Max(_Extremum):
    reduce = np.max


class Min(_Extremum):
    reduce = np.min


# --------------------------------------------------------------------------------------
# Shape and indexing
# --------------------------------------------------------------------------------------


class Reshape(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        return x.reshape(self.shape)

    def backward(self, gy):
        return (gy.reshape(self.inputs[0].shape),)


class Transpose(Function):
    def __init__(self, axes=None):
        self.axes = axes

    def forward(self, x):
        return np.transpose(x, self.axes)

    def backward(self, gy):
        if self.axes is None:
            return (np.transpose(gy),)
        return (np.transpose(gy, np.argsort([a % gy.ndim for a in self.axes])),)


class BroadcastTo(Function):
    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        return np.broadcast_to(x, self.shape)

    def backward(self, gy):
        return (unbroadcast(gy, self.inputs[0].shape),)


class Concatenate(Function):
    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, *xs):
        return np.concatenate(xs, axis=self.axis)

    def backward(self, gy):
        bounds = np.cumsum([x.shape[self.axis] for x in self.inputs])[:-1]
        return tuple(np.split(gy, bounds, axis=self.axis))


class Stack(Function):
    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, *xs):
        return np.stack(xs, axis=self.axis)

    def backward(self, gy):
        return tuple(np.moveaxis(gy, self.axis, 0))


class GetItem(Function):
    """x[index] for any numpy index; the gradient scatters back (repeats accumulate)."""

    def __init__(self, index):
        self.index = index

    def forward(self, x):
        return x[self.index]

    def backward(self, gy):
        gx = np.zeros(self.inputs[0].shape, gy.dtype)
        np.add.at(gx, self.index, gy)
        return (gx,)


class Take(Function):
    """take(x, indices, axis); ``indices`` is integer data and gets no gradient."""

    def __init__(self, axis=None):
        self.axis = axis

    def forward(self, x, indices):
        self.indices = indices.astype(np.intp, copy=False)
        return np.take(x, self.indices, axis=self.axis)

    def backward(self, gy):
        x = self.inputs[0]
        if self.axis is None:
            gx = np.zeros(x.size, gy.dtype)
            np.add.at(gx, self.indices.ravel(), gy.ravel())
            return gx.reshape(x.shape), None
        axis = self.axis % x.ndim
        gx = np.zeros(x.shape, gy.dtype)
        moved = np.moveaxis(gx, axis, 0)  # a view: scatter along axis 0 of it
        g = np.moveaxis(gy, tuple(range(axis, axis + self.indices.ndim)),
                        tuple(range(self.indices.ndim)))
        np.add.at(moved, self.indices, g)
        return gx, None


# --------------------------------------------------------------------------------------
# Linear algebra
# --------------------------------------------------------------------------------------


class MatMul(Function):
    """a @ b with numpy's broadcasting rules for stacked matrices."""

    def forward(self, a, b):
        return a @ b

    def backward(self, gy):
        a, b = self.inputs
        av, bv = a.data, b.data
        if av.ndim == 1:
            av, gy = av[None, :], gy[..., None, :]
        if bv.ndim == 1:
            bv, gy = bv[:, None], gy[..., None]
        ga = gy @ np.swapaxes(bv, -1, -2) if a.requires_grad else None
        gb = np.swapaxes(av, -1, -2) @ gy if b.requires_grad else None
        if ga is not None:
            ga = unbroadcast(ga, av.shape).reshape(a.shape)
        if gb is not None:
            gb = unbroadcast(gb, bv.shape).reshape(b.shape)
        return ga, gb


class Dense(Function):
    """activation(x @ W + b) on the last axis of x (leading axes kept); one GEMM each way.

    ``activation`` is None, ``"relu"`` or ``"tanh"``: the two whose derivative is a
    function of the output, fused here because a hidden layer's separate activation
    node costs as much Python time as the layer itself at small sizes.
    """

    def __init__(self, activation=None):
        self.activation = activation

    def forward(self, x, w, b=None):
        x2 = x if x.ndim == 2 else x.reshape(-1, x.shape[-1])
        y = x2 @ w
        if b is not None:
            y += b
        if self.activation == "relu":
            np.maximum(y, 0, out=y)
        elif self.activation == "tanh":
            np.tanh(y, out=y)
        self.y = y
        return y if x.ndim == 2 else y.reshape(x.shape[:-1] + (w.shape[-1],))

    def backward(self, gy):
        x, w = self.inputs[0], self.inputs[1]
        xd = x.data
        if gy.ndim != 2:
            gy, xd = gy.reshape(-1, gy.shape[-1]), xd.reshape(-1, xd.shape[-1])
        if self.activation == "relu":
            gy = gy * (self.y > 0)
        elif self.activation == "tanh":
            gy = gy * (1 - self.y * self.y)
        gx = gy @ w.data.T if x.requires_grad else None
        if gx is not None and gx.shape != x.shape:
            gx = gx.reshape(x.shape)
        gw = xd.T @ gy if w.requires_grad else None
        if len(self.inputs) == 2:
            return gx, gw
        return gx, gw, np.add.reduce(gy, axis=0)