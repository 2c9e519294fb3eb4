"""Convolution and pooling primitives (channels_last, any number of spatial dims).

Convolution is im2col + one GEMM: the padded input is viewed (no copy) as its
windows, shape (N, *out, *kernel, C), copied once into a (N*out, kernel*C)
matrix and multiplied by the kernel reshaped to (kernel*C, filters). Backward
is one GEMM for the kernel and, for the input, a col2im scatter-add that loops
over the kernel offsets (kernel-size iterations: one small GEMM each, added into
a strided slice; this never materializes the (N*out, kernel*C) column gradient,
which measured 2x faster at 32 channels).

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
    """Output size along one axis.

    Formula: valid ``(n - d(k-1) - 1) // s + 1``; same and causal ``ceil(n / s)``.
    """
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


def normalize_tuple(value, rank, name, allow_zero=False):
    """An int or a sequence of ``rank`` ints as a tuple of ints; raises a clear ValueError."""
    values = (value,) * rank if isinstance(value, (int, np.integer)) else tuple(value)
    if len(values) != rank or not all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values):
        raise ValueError(
            f"The `{name}` argument must be an int or a tuple of {rank} ints. "
            f"Received: {name}={value!r}")
    if any(v < 0 or (v == 0 and not allow_zero) for v in values):
        raise ValueError(
            f"The `{name}` argument must contain only positive integers. "
            f"Received: {name}={value!r}")
    return tuple(int(v) for v in values)


def normalize_padding(padding, allow_causal=False):
    """'valid' / 'same' (any case), or 'causal' if allowed; raises a clear ValueError otherwise."""
    value = padding.lower() if isinstance(padding, str) else padding
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    if value not in allowed:
        raise ValueError(
            f"The `padding` argument must be one of {list(allowed)}"
            f"{'' if allow_causal else ' (causal padding is only for 1-D convolution)'}. "
            f"Received: padding={padding!r}")
    return value


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
        n, kc = x.shape[0], math.prod(kernel) * cg
        m = n * math.prod(out)
        win = _windows(xp, out, kernel, self.strides, self.dilation)  # (N, *out, *k, C)
        if g == 1:
            # im2col into (M, K*C [+1]); with a bias, a column of ones and a bias row in the
            # weight matrix fold "+ b" into the same GEMM (and its gradient into the kernel's).
            dtype = np.result_type(x.dtype, w.dtype)
            self.cols = np.empty((m, kc + (b is not None)), dtype)
            np.copyto(self.cols[:, :kc].reshape(win.shape), win)   # the one im2col copy
            wmat = w.reshape(kc, f)
            if b is not None:
                self.cols[:, kc] = 1
                wmat = np.concatenate([wmat, b.reshape(1, f).astype(dtype, copy=False)])
            y = self.cols @ wmat                                   # (M, F): the one GEMM
        else:
            win = np.moveaxis(win.reshape(win.shape[:-1] + (g, cg)), -2, 0)  # (G, N, .., C/G)
            self.cols = win.reshape(g, m, kc)
            y = (self.cols @ self._grouped(w)).transpose(1, 0, 2).reshape(m, f)  # batched GEMM
            if b is not None:
                y += b
        return y.reshape((n,) + out + (f,))

    def _grouped(self, w):
        """w (*k, C/G, F) as (G, K*C/G, F/G): group i's filters are F/G consecutive ones."""
        g, cg, f = self.groups, w.shape[-2], w.shape[-1]
        kc = math.prod(w.shape[:-2]) * cg
        return w.reshape(kc // cg, cg, g, f // g).transpose(2, 0, 1, 3).reshape(g, kc, f // g)

    def backward(self, gy):
        x, w = self.inputs[0], self.inputs[1]
        b = self.inputs[2] if len(self.inputs) == 3 else None
        g, cg, f = self.groups, w.shape[-2], w.shape[-1]
        kc = math.prod(w.shape[:-2]) * cg
        g2 = gy.reshape(-1, f)                                        # (M, F)
        gw = gb = None
        if g == 1:
            if w.requires_grad or (b is not None and b.requires_grad):
                gwb = self.cols.T @ g2                                # (K*C [+1], F): one GEMM
                gw = gwb[:kc].reshape(w.shape)
                gb = gwb[kc] if b is not None else None
        else:
            gg = g2.reshape(-1, g, f // g).transpose(1, 0, 2)         # (G, M, F/G)
            if w.requires_grad:
                gw = (self.cols.transpose(0, 2, 1) @ gg)              # (G, K*C/G, F/G)
                gw = gw.reshape(g, kc // cg, cg, f // g).transpose(1, 2, 0, 3).reshape(w.shape)
            if b is not None:
                gb = np.ones(len(g2), g2.dtype) @ g2                  # column sums as a gemv
        gx = self._input_grad(g2, w.data, x.shape) if x.requires_grad else None
        return (gx, gw) if b is None else (gx, gw, gb)

    def _input_grad(self, g2, w, x_shape):
        """col2im: for each kernel offset, gy @ w[offset]^T (one GEMM, (M, C)) is added into
        the strided slice of the padded input that offset touched; then the pad is cropped."""
        g, cg, f = self.groups, w.shape[-2], w.shape[-1]
        gxp = np.zeros(self.padded_shape, dtype=np.result_type(g2.dtype, w.dtype))
        part_shape = (x_shape[0],) + self.out + (x_shape[-1],)
        if g > 1:
            gg = g2.reshape(-1, g, f // g).transpose(1, 0, 2)          # (G, M, F/G)
        for offset in itertools.product(*(range(k) for k in w.shape[:-2])):
            wk = w[offset]                                             # (C/G, F)
            if g == 1:
                part = g2 @ wk.T                                       # (M, C)
            else:
                wk = wk.reshape(cg, g, f // g).transpose(1, 2, 0)      # (G, F/G, C/G)
                part = (gg @ wk).transpose(1, 0, 2)                    # (M, G, C/G)
            gxp[_offset_slices(offset, self.out, self.strides, self.dilation)] += \
                part.reshape(part_shape)
        return gxp[_interior(x_shape, self.pads)]


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


# --------------------------------------------------------------------------------------
# Batch normalization (training mode), fused
# --------------------------------------------------------------------------------------


class BatchNormTraining(Function):
    """Normalize x over every axis but the last with the batch statistics, then scale and shift.

    Formula: ``y = gamma * (x - mean) / sqrt(var + epsilon) + beta``, mean and biased var
    over all axes but the last. With xhat = (x - mean) / sqrt(var + eps) and n the count,
    d/dx = gamma / sqrt(var + eps) * (gy - (sum(gy) + xhat * sum(gy * xhat)) / n),
    d/dgamma = sum(gy * xhat), d/dbeta = sum(gy). The batch statistics are kept on
    ``self.mean`` and ``self.var`` (for the moving averages; they carry no gradient).
    Sums over the batch are BLAS matrix-vector products.
    """

    def __init__(self, epsilon):
        self.epsilon = epsilon

    def forward(self, x, gamma, beta):
        x2 = x.reshape(-1, x.shape[-1])                                # (n, C)
        weights = np.full(len(x2), 1.0 / max(len(x2), 1), x.dtype)
        self.mean = weights @ x2
        xhat = x2 - self.mean
        self.var = weights @ np.square(xhat)
        self.inv = (1 / np.sqrt(self.var + self.epsilon)).astype(x.dtype, copy=False)
        xhat *= self.inv
        self.xhat = xhat
        y = xhat * gamma
        y += beta
        return y.reshape(x.shape)

    def backward(self, gy):
        x, gamma = self.inputs[0], self.inputs[1]
        g2 = gy.reshape(-1, gy.shape[-1])
        n = len(g2)
        ones = np.ones(n, gy.dtype)
        gbeta = ones @ g2
        t = g2 * self.xhat
        ggamma = ones @ t
        gx = None
        if x.requires_grad:
            np.multiply(self.xhat, ggamma / n, out=t)                  # reuse t as gx
            t += gbeta / n
            np.subtract(g2, t, out=t)
            t *= gamma.data * self.inv
            gx = t.reshape(x.shape)
        return gx, ggamma, gbeta
