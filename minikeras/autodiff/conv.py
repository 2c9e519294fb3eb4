"""Convolution and pooling primitives (channels_last, any number of spatial dims).

Convolution is im2col + one GEMM: the padded input is viewed (no copy) as its
windows, shape (N, *out, *kernel, C), copied once into a (N*out, kernel*C)
matrix and multiplied by the kernel reshaped to (kernel*C, filters). Backward
is one GEMM for the kernel and, for the input, a col2im scatter-add that loops
over the kernel offsets (kernel-size iterations, each adding a strided slice).

Padding follows TensorFlow (used by every Keras backend for conv): for
``"same"`` the total pad along an axis is
``P = max((out - 1) * s + d * (k - 1) + 1 - n, 0)``, ``floor(P / 2)`` before and
the rest after; ``"causal"`` pads ``d * (k - 1)`` before only.
"""
import itertools
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .function import Function

PADDINGS = ("valid", "same", "causal")


# --------------------------------------------------------------------------------------
# Shape arithmetic (pure python, also used by the layers' compute_output_shape)
# --------------------------------------------------------------------------------------


def output_length(n, k, stride=1, dilation=1, padding="valid"):
    """Output size along one axis: valid ``(n - d(k-1) - 1) // s + 1``; same/causal ``ceil(n/s)``."""
    if n is None:
        return None
    if padding == "valid":
        return (n - dilation * (k - 1) - 1) // stride + 1
    return -(-n // stride)


def pad_amounts(n, k, stride=1, dilation=1, padding="valid"):
    """(before, after) zero padding along one axis for ``padding``."""
    if padding == "valid":
        return 0, 0
    if padding == "causal":
        return dilation * (k - 1), 0
    total = max((output_length(n, k, stride, dilation, "same") - 1) * stride
                + dilation * (k - 1) + 1 - n, 0)
    return total // 2, total - total // 2


def _geometry(spatial, kernel, strides, dilation, padding):
    """Output sizes and pads per spatial axis; raises when an output size is not positive."""
    out = tuple(output_length(n, k, s, d, padding)
                for n, k, s, d in zip(spatial, kernel, strides, dilation))
    if any(o <= 0 for o in out):
        raise ValueError(
            f"Computed output size would be non-positive: spatial input shape {tuple(spatial)}, "
            f"window {tuple(kernel)}, strides {tuple(strides)}, dilation {tuple(dilation)}, "
            f"padding '{padding}' give output {out}. Use a smaller kernel or padding='same'.")
    pads = tuple(pad_amounts(n, k, s, d, padding)
                 for n, k, s, d in zip(spatial, kernel, strides, dilation))
    return out, pads


def _pad(x, pads, value=0):
    """x (N, *spatial, C) padded on the spatial axes with ``value``."""
    if not any(lo or hi for lo, hi in pads):
        return x
    shape = (x.shape[0],) + tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[1:-1], pads)) \
        + (x.shape[-1],)
    out = np.full(shape, value, dtype=x.dtype)
    out[_interior(x.shape, pads)] = x
    return out


def _interior(shape, pads):
    """The slices of a padded array that hold the unpadded one."""
    return (slice(None),) + tuple(slice(lo, lo + n) for n, (lo, _) in zip(shape[1:-1], pads)) \
        + (slice(None),)


def _offset_slices(offset, out, strides, dilation):
    """Slices of the padded input that meet kernel position ``offset`` in every window."""
    return (slice(None),) + tuple(
        slice(a * d, a * d + s * (o - 1) + 1, s)
        for a, o, s, d in zip(offset, out, strides, dilation)) + (slice(None),)


def _windows(xp, out, kernel, strides, dilation):
    """A read-only view of xp (N, *padded, C) as (N, *out, *kernel, C); no copy."""
    sn, *sp, sc = xp.strides
    shape = (xp.shape[0],) + tuple(out) + tuple(kernel) + (xp.shape[-1],)
    strides_ = ((sn,) + tuple(s * st for s, st in zip(strides, sp))
                + tuple(d * st for d, st in zip(dilation, sp)) + (sc,))
    return as_strided(xp, shape, strides_, writeable=False)


def _col2im(gwin, padded_shape, out, kernel, strides, dilation, pads):
    """Adjoint of _windows: scatter-add gwin (N, *out, *kernel, C) into the unpadded input."""
    r = len(kernel)
    gxp = np.zeros(padded_shape, dtype=gwin.dtype)
    lead = (slice(None),) * (1 + r)
    for offset in itertools.product(*(range(k) for k in kernel)):
        gxp[_offset_slices(offset, out, strides, dilation)] += gwin[lead + offset]
    unpadded = (padded_shape[0],) + tuple(
        n - lo - hi for n, (lo, hi) in zip(padded_shape[1:-1], pads)) + (padded_shape[-1],)
    return gxp[_interior(unpadded, pads)]


# --------------------------------------------------------------------------------------
# Convolution
# --------------------------------------------------------------------------------------


class Conv(Function):
    """N-D cross-correlation, channels_last, with strides, dilation, padding and groups.

    Formula: ``y[n, o, f] = sum_{a, c} xpad[n, o*s + a*d, g(f)*C/G + c] * w[a, c, f] + b[f]``
    with ``x`` (N, *spatial, C), ``w`` (*kernel, C/G, F), ``b`` (F,) and ``g(f)`` the
    group of filter f (filters are split into G consecutive groups).
    """

    def __init__(self, strides, padding, dilation, groups=1):
        self.strides, self.padding = tuple(strides), padding
        self.dilation, self.groups = tuple(dilation), groups

    def forward(self, x, w, b=None):
        kernel, g = w.shape[:-2], self.groups
        cg, f = w.shape[-2], w.shape[-1]
        out, pads = _geometry(x.shape[1:-1], kernel, self.strides, self.dilation, self.padding)
        xp = _pad(x, pads)
        self.padded_shape, self.out, self.pads = xp.shape, out, pads
        n, kk = x.shape[0], math.prod(kernel)
        m = n * math.prod(out)
        win = _windows(xp, out, kernel, self.strides, self.dilation)  # (N, *out, *k, C)
        if g == 1:
            self.cols = win.reshape(m, kk * cg)                      # the one im2col copy
            y = self.cols @ w.reshape(kk * cg, f)                    # (M, F): the one GEMM
        else:
            win = np.moveaxis(win.reshape(win.shape[:-1] + (g, cg)), -2, 0)  # (G, N, *out, *k, C/G)
            self.cols = win.reshape(g, m, kk * cg)
            wg = w.reshape(kk, cg, g, f // g).transpose(2, 0, 1, 3).reshape(g, kk * cg, f // g)
            y = (self.cols @ wg).transpose(1, 0, 2).reshape(m, f)    # batched GEMM per group
        if b is not None:
            y += b
        return y.reshape((n,) + out + (f,))

    def backward(self, gy):
        x, w = self.inputs[0], self.inputs[1]
        kernel, g = w.shape[:-2], self.groups
        cg, f = w.shape[-2], w.shape[-1]
        kk = math.prod(kernel)
        g2 = gy.reshape(-1, f)                                       # (M, F)
        gx = gw = None
        if g == 1:
            if w.requires_grad:
                gw = (self.cols.T @ g2).reshape(w.shape)
            if x.requires_grad:
                gcols = g2 @ w.data.reshape(kk * cg, f).T            # (M, K*C)
        else:
            gg = g2.reshape(-1, g, f // g).transpose(1, 0, 2)        # (G, M, F/G)
            if w.requires_grad:
                gw = (self.cols.transpose(0, 2, 1) @ gg).reshape(g, kk, cg, f // g)
                gw = gw.transpose(1, 2, 0, 3).reshape(w.shape)
            if x.requires_grad:
                wg = w.data.reshape(kk, cg, g, f // g).transpose(2, 0, 1, 3)
                gcols = gg @ wg.reshape(g, kk * cg, f // g).transpose(0, 2, 1)  # (G, M, K*C/G)
                gcols = gcols.reshape(g, -1, kk, cg).transpose(1, 2, 0, 3)
        if x.requires_grad:
            gwin = gcols.reshape((x.shape[0],) + self.out + tuple(kernel) + (x.shape[-1],))
            gx = _col2im(gwin, self.padded_shape, self.out, kernel, self.strides,
                         self.dilation, self.pads)
        if len(self.inputs) == 2:
            return gx, gw
        return gx, gw, np.ones(len(g2), g2.dtype) @ g2  # column sums, as a BLAS gemv


# --------------------------------------------------------------------------------------
# Pooling
# --------------------------------------------------------------------------------------


class _Pool(Function):
    def __init__(self, pool_size, strides, padding):
        self.pool_size, self.strides, self.padding = tuple(pool_size), tuple(strides), padding
        self.dilation = (1,) * len(self.pool_size)

    def _offsets(self):
        return itertools.product(*(range(k) for k in self.pool_size))

    def _setup(self, x):
        self.out, self.pads = _geometry(x.shape[1:-1], self.pool_size, self.strides,
                                        self.dilation, self.padding)

    def _scatter(self, contributions, shape):
        """Sum contributions[i] (N, *out, C) into the input at window offset i; crop padding."""
        padded = (shape[0],) + tuple(n + lo + hi for n, (lo, hi) in zip(shape[1:-1], self.pads)) \
            + (shape[-1],)
        gxp = None
        for offset, part in zip(self._offsets(), contributions):
            if gxp is None:
                gxp = np.zeros(padded, dtype=part.dtype)
            gxp[_offset_slices(offset, self.out, self.strides, self.dilation)] += part
        return gxp[_interior(shape, self.pads)]


class MaxPool(_Pool):
    """Maximum over each window; padding never wins. The gradient goes to the first maximum
    in each window (row-major window order), as TensorFlow's and PyTorch's max pooling do."""

    def forward(self, x):
        self._setup(x)
        low = -np.inf if np.issubdtype(x.dtype, np.floating) else np.iinfo(x.dtype).min
        xp = _pad(x, self.pads, low)
        y = arg = None
        for i, offset in enumerate(self._offsets()):
            window = xp[_offset_slices(offset, self.out, self.strides, self.dilation)]
            if y is None:
                y, arg = window.copy(), np.zeros(window.shape, np.int32)
                continue
            better = window > y
            np.copyto(y, window, where=better)
            np.copyto(arg, i, where=better)
        self.arg = arg
        return y

    def backward(self, gy):
        zero = np.zeros((), gy.dtype)
        parts = (np.where(self.arg == i, gy, zero) for i in range(math.prod(self.pool_size)))
        return (self._scatter(parts, self.inputs[0].shape),)


class AvgPool(_Pool):
    """Mean over each window, counting only real (unpadded) elements, as TF/JAX do."""

    def forward(self, x):
        self._setup(x)
        xp = _pad(x, self.pads)
        total = None
        for offset in self._offsets():
            window = xp[_offset_slices(offset, self.out, self.strides, self.dilation)]
            if total is None:
                total = window.copy()
            else:
                total += window
        self.count = self._counts(x.shape[1:-1]).astype(x.dtype)
        return total / self.count

    def _counts(self, spatial):
        """Real elements per window: a product of per-axis counts, shaped (1, *out, 1)."""
        count = np.ones((1,) * (len(spatial) + 2))
        for axis, (n, k, s, o, (lo, _)) in enumerate(
                zip(spatial, self.pool_size, self.strides, self.out, self.pads)):
            start = np.arange(o) * s - lo
            per_axis = np.minimum(start + k, n) - np.maximum(start, 0)
            shape = [1] * count.ndim
            shape[axis + 1] = o
            count = count * per_axis.reshape(shape)
        return count

    def backward(self, gy):
        share = gy / self.count
        parts = (share for _ in range(math.prod(self.pool_size)))
        return (self._scatter(parts, self.inputs[0].shape),)
