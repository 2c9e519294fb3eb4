"""Convolution, transposed convolution and max/average pooling: primitives with their VJPs
(channels_last, any number of spatial dims), each callable right under its Function class.

Convolution is im2col + GEMM: the padded input is viewed (no copy) as its
windows, shape (N, *out, *kernel, C), copied into a (N*out, kernel*C) matrix
(stored transposed for fewer than ``PLANE_CHANNELS`` channels) and multiplied by
the kernel reshaped to (kernel*C, filters). The matrix is built per batch chunk of
at most ``IM2COL_BYTES`` (each chunk padded on its own), so its size never grows
with the batch. Backward is one GEMM for the kernel (on the kept matrix when the
whole-batch one is small, ``IM2COL_KEEP_BYTES``, else chunk by chunk, the matrix
rebuilt) and, for the input, a col2im scatter-add that loops over the kernel offsets
for each block of samples (one small GEMM per offset, added into a strided slice; this
never materializes the (N*out, kernel*C) column gradient, which measured 2x faster at
32 channels). A max pooling of a fused-relu conv's output applies relu's derivative
at the pooled size and hands the conv its gradient (``PooledGrad``). Large
temporaries come from ``scratch`` and are reused across steps.

Padding follows TensorFlow (used by every Keras backend for conv): for
``"same"`` the total pad along an axis is
``P = max((out - 1) * s + d * (k - 1) + 1 - n, 0)``, ``floor(P / 2)`` before and
the rest after; ``"causal"`` pads ``d * (k - 1)`` before only.

Second order (``grad(..., create_graph=True)``): an ungrouped convolution's gradients are
two primitives of their own, ``conv_input_gradient`` (col2im: the transposed convolution
of the output's gradient) and ``conv_kernel_gradient`` (the input's windows times the
output's gradient). All three are linear in each argument, and each one's gradients are
the other two (and the convolution): ``Conv.vjp`` and theirs, to any order. A grouped or
depthwise convolution takes them with its block-diagonal ungrouped kernel
(``_ungrouped_kernel``), a transposed convolution with its output's gradient padded
(``ConvTranspose.vjp``).
"""
import collections
import itertools
import math
import types

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import grad_mode, parallel, scratch
from .elementwise import where
from .function import Function, primitive
from .shape import getitem_gradient, pad_constant, reshape, take
from .linear import add_bias_activate
from .reductions import sum
from .tensor import as_tensor

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
    """An int or a sequence of ``rank`` ints as a tuple of ints; raises Keras's ValueError
    otherwise (a float too: ``pool_size=2.0``)."""
    if isinstance(value, (int, np.integer)):
        values = (value,) * rank
    else:
        try:
            values = tuple(value)
        except TypeError:  # not a sequence
            values = ()
    if len(values) != rank or not all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values):
        raise ValueError(  # Keras's words
            f"The `{name}` argument must be a tuple of {rank} integers. "
            f"Received {name}={value}")
    refused = {int(v) for v in values if v < 0 or (v == 0 and not allow_zero)}
    if refused:  # Keras's words
        raise ValueError(
            f"The `{name}` argument must be a tuple of {rank} integers. Received "
            f"{name}={value}, including values {refused} that do not satisfy "
            f"`value {'>= 0' if allow_zero else '> 0'}`")
    return tuple(int(v) for v in values)


def normalize_padding(padding, allow_causal=False):
    """'valid' / 'same' (any case), or 'causal' if allowed; raises a clear ValueError otherwise."""
    value = padding.lower() if isinstance(padding, str) else padding
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    if value not in allowed:
        hint = " (only Conv1D takes causal padding)" if value == "causal" else ""
        raise ValueError(  # Keras's words
            "The `padding` argument must be a list/tuple or one of {"
            + ", ".join(repr(a) for a in allowed) + f"}}. Received: {padding}{hint}")
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


def _padded_shape(shape, pads):
    """The shape (N, *spatial, C) of ``shape`` padded on its spatial axes by ``pads``."""
    return (shape[0],) + tuple(n + lo + hi for n, (lo, hi) in zip(shape[1:-1], pads)) \
        + tuple(shape[-1:])


def _pad(x, pads, value=0):
    """x (N, *spatial, C) padded on the spatial axes with ``value``."""
    if not any(lo or hi for lo, hi in pads):
        return x
    out = np.full(_padded_shape(x.shape, pads), value, dtype=x.dtype)
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


DEPTHWISE_BLOCK_BYTES = 256 * 2 ** 10   # output rows made at once (in L2 cache)


def _depthwise_sum(x, w, b, activation, pads, out, kernel, strides, dilation, dtype):
    """A depthwise convolution (one input channel per group) as one ``np.einsum`` per block
    of output rows: each output is the sum over the kernel offsets of its window times
    that offset's per-channel weights, then ``+ b`` and the fused activation. No im2col
    matrix and no batched GEMM with an inner size of K. (One einsum over a block ran 2.2x
    faster than a multiply and an add per offset: 64 x 16 x 16 x 128, 3 x 3, one thread.)

    The output is made in blocks of rows of one sample (``DEPTHWISE_BLOCK_BYTES`` each),
    the blocks taken by ``parallel.for_parts``; with padding, each block pads only the
    input rows it reads (the padded batch is never made). Returns (N, *out, C, multiplier)."""
    channels = x.shape[-1]
    weights = w.reshape(tuple(kernel) + (channels, -1)).astype(dtype, copy=False)
    taps = "ijk"[:len(kernel)]
    subscripts = f"...{taps}c,{taps}cm->...cm"      # windows (..., *kernel, C) -> (..., C, m)
    y = np.empty((x.shape[0],) + tuple(out) + weights.shape[-2:], dtype)
    rows = max(1, min(out[0], DEPTHWISE_BLOCK_BYTES // y[0, 0].nbytes))
    per_sample = -(-out[0] // rows)
    reach = dilation[0] * (kernel[0] - 1) + 1       # input rows one output row reads
    padded = any(lo or hi for lo, hi in pads)

    def blocks(start, stop):
        span = (rows - 1) * strides[0] + reach
        rest = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[2:-1], pads[1:]))
        block_in = np.empty((1, span) + rest + (channels,), x.dtype) if padded else None
        for unit in range(start, stop):
            n, first = divmod(unit, per_sample)
            part = slice(first * rows, min(first * rows + rows, out[0]))
            dest = y[n, part]
            source = _block_windows(x, n, part, block_in, pads, out, kernel, strides,
                                    dilation, reach)
            np.einsum(subscripts, source, weights, out=dest)
            add_bias_activate(dest.reshape(-1, weights.shape[-2] * weights.shape[-1]), b,
                               activation)

    parallel.for_parts(blocks, x.shape[0] * per_sample, y.size * math.prod(kernel))
    return y


def _depthwise_grads(x, g2, w, geometry, need_x, need_w):
    """(gx, gw) of a depthwise convolution (``_depthwise_sum``) for g2 (M, C*multiplier),
    the gradient at its output (activation derivative applied); None for what is not
    needed. Samples go in blocks of ``COL2IM_BLOCK_BYTES`` of g2, the blocks by
    ``parallel.for_parts``; per block, one ``np.einsum`` each way:
    gw = the sum over samples and positions of x's windows times g2 (the parts' sums
    added in order), and with unit strides gx = the correlation of g2, zero-padded, with
    the flipped kernel, summed over the multiplier (``_depthwise_input_grad``; with larger
    strides per kernel offset, ``_depthwise_input_grad_by_offsets``). (64 x 16 x 16 x 128,
    3 x 3, owned fit step: 14.2 ms for both gradients by a product, an add and an einsum
    per offset; 5.8 ms by the two einsums.)"""
    kernel, channels = w.shape[:-2], x.shape[-1]
    out, pads, strides, dilation = geometry.out, geometry.pads, geometry.strides, \
        geometry.dilation
    dtype = np.result_type(g2.dtype, w.dtype)
    weights = w.reshape(tuple(kernel) + (channels, -1)).astype(dtype, copy=False)  # (*K, C, m)
    grads = g2.reshape((len(x),) + tuple(out) + weights.shape[-2:])     # (N, *out, C, m)
    step = max(1, COL2IM_BLOCK_BYTES // max(math.prod(out) * g2.shape[-1] * dtype.itemsize, 1))
    axes, taps = "abcd"[:x.ndim - 1], "ijk"[:len(kernel)]               # sample and spatial
    kernel_grad = f"{axes}{taps}y,{axes}yz->{taps}yz"                   # y channel, z multiplier
    unit_strides = all(st == 1 for st in strides)
    gx = np.empty(x.shape, dtype) if need_x else None

    def blocks(first, stop):
        total = np.zeros(weights.shape, dtype) if need_w else None
        for start in range(first, stop, step):
            g = grads[start:min(start + step, stop)]
            if need_w:
                windows = _windows(_pad(x[start:start + len(g)], pads), out, kernel, strides,
                                   dilation)                        # (n, *out, *kernel, C)
                total += np.einsum(kernel_grad, windows, g)
            if need_x:
                target = gx[start:start + len(g)]
                if unit_strides:
                    _depthwise_input_grad(g, weights, pads, dilation, target)
                else:
                    _depthwise_input_grad_by_offsets(g, weights, pads, geometry, target)
        return total

    work = g2.size * math.prod(kernel)
    if not need_w:
        parallel.for_parts(blocks, len(x), work)
        return gx, None
    return gx, parallel.summed_parts(blocks, len(x), work).reshape(w.shape)


def _depthwise_input_grad(g, weights, pads, dilation, out):
    """out (n, *spatial, C) = the input gradient of a unit-stride depthwise convolution
    from g (n, *conv_out, C, m): each input position gets the outputs whose windows hold
    it, so it is the correlation of g, zero-padded by the kernel's reach less the conv's
    padding, with the kernel flipped, summed over the multiplier m."""
    kernel, (channels, m) = weights.shape[:-2], weights.shape[-2:]
    reach = [d * (k - 1) for k, d in zip(kernel, dilation)]
    padded = _pad(g.reshape(g.shape[:-2] + (channels * m,)),
                  [(r - lo, r - hi) for r, (lo, hi) in zip(reach, pads)])
    windows = _windows(padded, out.shape[1:-1], kernel, (1,) * len(kernel), dilation)
    flipped = weights[(slice(None, None, -1),) * len(kernel)].reshape(
        tuple(kernel) + (channels * m,))
    taps = "ijk"[:len(kernel)]
    if m == 1:
        np.einsum(f"...{taps}y,{taps}y->...y", windows, flipped, out=out)
    else:
        summed = np.einsum(f"...{taps}y,{taps}y->...y", windows, flipped)
        np.sum(summed.reshape(out.shape + (m,)), axis=-1, out=out)


def _depthwise_input_grad_by_offsets(g, weights, pads, geometry, out):
    """out (n, *spatial, C) = the input gradient of a strided depthwise convolution: per
    kernel offset, g (n, *conv_out, C, m) times that offset's weights, summed over the
    multiplier, added into the slice of the padded input that offset read."""
    kernel = weights.shape[:-2]
    gxp = np.zeros(_padded_shape((len(g),) + out.shape[1:], pads), out.dtype)
    term = np.empty(g.shape, out.dtype)
    for offset in itertools.product(*map(range, kernel)):
        np.multiply(g, weights[offset], out=term)
        gxp[_offset_slices(offset, geometry.out, geometry.strides, geometry.dilation)] += (
            term[..., 0] if term.shape[-1] == 1 else term.sum(axis=-1))
    out[...] = gxp[_interior(out.shape, pads)]


def _block_windows(x, n, part, block_in, pads, out, kernel, strides, dilation, reach):
    """The windows (rows, *out[1:], *kernel, C) of output rows ``part`` of sample n: a view
    of x, or of ``block_in`` filled with just the padded input rows they read."""
    first, stop = part.start * strides[0], (part.stop - 1) * strides[0] + reach  # padded rows
    if block_in is None:
        sample = x[n:n + 1, first:stop]
    else:
        lo = pads[0][0]
        top = min(max(first - lo, 0), x.shape[1])             # the real rows among them
        bottom = max(min(stop - lo, x.shape[1]), top)
        row_pads = ((top + lo - first, stop - lo - bottom),)
        sample = _pad_into(x[n:n + 1, top:bottom], row_pads + tuple(pads[1:]),
                           block_in[:, :stop - first])
    return _windows(sample, (part.stop - part.start,) + tuple(out[1:]), kernel, strides,
                    dilation)[0]


# --------------------------------------------------------------------------------------
# Convolution
# --------------------------------------------------------------------------------------


class Conv(Function):
    """N-D cross-correlation, channels_last, with strides, dilation, padding and groups,
    optionally followed by a fused ``"relu"`` or ``"tanh"``.

    Formula: ``y[n, o, f] = act(sum_{a, c} xpad[n, o*s + a*d, g(f)*C/G + c] * w[a, c, f] + b[f])``
    with ``x`` (N, *spatial, C), ``w`` (*kernel, C/G, F), ``b`` (F,) and ``g(f)`` the
    group of filter f (filters are split into G consecutive groups). The two fused
    activations have a derivative that is a function of the output, so backward needs no
    pre-activation copy (a separate activation node costs a full pass and an array each way).
    A depthwise convolution (one input channel per group) is an einsum over its input's
    windows both ways (``_depthwise_sum``, ``_depthwise_grads``): as a grouped GEMM it is
    one output column per group, and its window copy and batched products took 3-5x longer.
    """

    replayable = True
    pooled_grad = None   # a PooledGrad left by the max pooling of this output (backward)

    def __init__(self, strides, padding, dilation, groups=1, activation=None):
        self.strides, self.padding = tuple(strides), padding
        self.dilation, self.groups = tuple(dilation), groups
        self.activation = activation

    def forward(self, x, w, b=None):
        kernel, g = w.shape[:-2], self.groups
        cg, f = w.shape[-2], w.shape[-1]
        out, pads = _geometry(x.shape[1:-1], kernel, self.strides, self.dilation, self.padding)
        self.out, self.pads = out, pads
        self.padded_shape = _padded_shape(x.shape, pads)
        n, kc = x.shape[0], math.prod(kernel) * cg
        m = n * math.prod(out)
        parallel.count_products(m * kc * f, "owned")
        dtype = np.result_type(x.dtype, w.dtype)
        # with channel planes, the bias is one more matrix row of ones times b: the GEMM
        # adds it (no pass over y) and the kernel-gradient GEMM gives its gradient
        self.fold = g == 1 and b is not None and x.shape[-1] < PLANE_CHANNELS
        if g == 1:
            y = np.empty((m, f), dtype)
            wmat = np.concatenate([w.reshape(kc, f), b[None]]) if self.fold else w.reshape(kc, f)
            im2col = _Im2col(self, x, kernel, dtype, ones=self.fold)

            def fill(start, stop):
                for rows, cols in im2col.chunks(start, stop):
                    _product_activated(cols, wmat, y[rows], None if self.fold else b,
                                       self.activation)

            parallel.for_parts(fill, n, im2col.matrix_bytes(n) // dtype.itemsize)
        elif cg == 1:                                  # depthwise: no im2col matrix
            self.cols = None
            y = _depthwise_sum(x, w, b, self.activation, pads, out, kernel, self.strides,
                               self.dilation, dtype).reshape(m, f)
        else:
            win = _windows(_pad(x, pads), out, kernel, self.strides, self.dilation)
            win = np.moveaxis(win.reshape(win.shape[:-1] + (g, cg)), -2, 0)  # (G, N, .., C/G)
            self.cols = win.reshape(g, m, kc)
            y = (self.cols @ self._grouped(w)).transpose(1, 0, 2).reshape(m, f)  # batched GEMM
            _bias_activation(y, b, self.activation)
        self.y = y
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
        geometry, activation = self._gradient_part(gy)
        part = gy[geometry.index]
        g2 = _activation_grad(part, self.y.reshape(gy.shape)[geometry.index], activation)
        scratch_g2 = g2 is not part
        g2 = g2.reshape(-1, f)                                        # (M, F)
        gx = gw = gb = None
        folded = self.fold and w.requires_grad        # the kernel gradient's last row is gb
        if b is not None and b.requires_grad and not folded:
            gb = np.ones(len(g2), g2.dtype) @ g2                      # column sums as a gemv
        if cg == 1 and g > 1:
            gx, gw = _depthwise_grads(x.data, g2, w.data, self, x.requires_grad,
                                      w.requires_grad)
        elif w.requires_grad:
            if g == 1:
                gw = self._kernel_grad(g2, geometry)
                if folded and b.requires_grad:
                    gb = gw[kc]
                gw = gw[:kc].reshape(w.shape)
            else:
                gg = g2.reshape(-1, g, f // g).transpose(1, 0, 2)     # (G, M, F/G)
                gw = (self.cols.transpose(0, 2, 1) @ gg)              # (G, K*C/G, F/G)
                gw = gw.reshape(g, kc // cg, cg, f // g).transpose(1, 2, 0, 3).reshape(w.shape)
        if x.requires_grad and not (cg == 1 and g > 1):
            gx = _col2im(g2, w.data, geometry.out, self.strides, self.dilation,
                         self.padded_shape, self.pads, g)
        if scratch_g2:
            scratch.give_back(g2)
        return (gx, gw) if b is None else (gx, gw, gb)

    def vjp(self, gy):
        x, w, *bias = self.inputs
        geometry = (self.strides, self.padding, self.dilation)
        if self.activation == "relu":  # the mask is a constant: relu's second derivative is 0
            gy = where(self.y.reshape(gy.shape) > 0, gy, 0)
        elif self.activation == "tanh":
            y = conv(x, w, *(bias or [None]), *geometry, groups=self.groups,
                     activation="tanh")  # recorded
            gy = gy * (1 - y * y)
        # a grouped convolution is the ungrouped one of its block-diagonal kernel
        full = w if self.groups == 1 else _ungrouped_kernel(w, self.groups)
        gx = conv_input_gradient(gy, full, x.shape, *geometry) if x.requires_grad else None
        gw = None
        if w.requires_grad:
            gw = conv_kernel_gradient(x, gy, full.shape, *geometry)
            if self.groups != 1:
                gw = _grouped_kernel_gradient(gw, w.shape, self.groups)
        if not bias:
            return gx, gw
        return gx, gw, sum(gy, tuple(range(gy.ndim - 1))) if bias[0].requires_grad else None

    @property
    def index(self):
        """Indexes the whole output (see ``_nonzero_part``)."""
        return (slice(None),) * (len(self.out) + 2)

    def _gradient_part(self, gy):
        """(geometry, activation) for the backward pass of gy (N, *out, F).

        An ungrouped conv whose output's last rows / columns got no gradient (a valid
        pooling that drops them) computes its gradients on the rest alone: ``geometry`` is
        then that leading part (see ``_nonzero_part``), else self. ``activation`` is the
        fused activation whose derivative gy still needs: None when gy is the very array a
        max pooling handed on with that derivative applied (``pooled_grad``), whose
        covered part also gives the geometry without a scan."""
        handed = self.__dict__.pop("pooled_grad", None)  # taken: the class's None again
        if handed is not None and handed.grad is gy:
            if self.groups != 1:
                return self, None
            return self._leading_part(tuple(map(min, self.out, handed.covered))), None
        return (self._nonzero_part(gy) if self.groups == 1 else self), self.activation

    def _nonzero_part(self, gy):
        """self, or when gy (N, *out, F) is zero on its last rows along some spatial axes,
        the geometry of the leading part that is not. Checking one row is a small fraction
        of the step; each dropped row saves its share of the gradient GEMMs and col2im."""
        out = list(self.out)
        for axis in range(len(out)):
            while out[axis] > 1:
                last = [slice(None)] + [slice(0, o) for o in out] + [slice(None)]
                last[axis + 1] = out[axis] - 1
                if gy[tuple(last)].any():
                    break
                out[axis] -= 1
        return self._leading_part(tuple(out))

    def _leading_part(self, out):
        """self when ``out`` is the whole output, else the geometry of its leading ``out``
        part (``out``, the ``index`` of that part, pads and strides as self's)."""
        if out == self.out:
            return self
        return types.SimpleNamespace(
            out=tuple(out), index=(slice(None),) + tuple(slice(0, o) for o in out)
            + (slice(None),), pads=self.pads, padded_shape=self.padded_shape,
            strides=self.strides, dilation=self.dilation)

    def _kernel_grad(self, g2, geometry):
        """cols^T @ g2 (K*C, F): GEMMs on the kept im2col matrix, or one per batch chunk
        (im2col redone, for ``geometry``'s output positions) when it was not kept; each
        thread part of the batch sums its own, and the parts' sums are added in order."""
        x, kernel = self.inputs[0].data, self.inputs[1].shape[:-2]
        kept = self.cols is not None and geometry is self
        im2col = None if kept else _Im2col(None, x, kernel, g2.dtype, geometry, self.fold)
        per = math.prod(geometry.out)
        gw_rows = math.prod(self.inputs[1].shape[:-1]) + self.fold

        def part_sum(start, stop):
            if kept:
                rows = slice(start * per, stop * per)
                return np.dot(self.cols[rows].T, g2[rows])
            total = None
            for rows, cols in im2col.chunks(start, stop):
                product = np.dot(cols.T, g2[rows])
                total = product if total is None else np.add(total, product, out=total)
            return total

        return parallel.summed_parts(part_sum, len(x), len(g2) * gw_rows)


@primitive
def conv(x, kernel, bias=None, strides=1, padding="valid", dilation_rate=1, groups=None,
         activation=None):
    """N-D convolution of x (N, *spatial, C) with kernel (*k, C/groups, F), plus bias (F,),
    then ``activation`` (None, "relu" or "tanh", fused).

    ``groups`` defaults to C // kernel.shape[-2]; padding is "valid", "same" or (1-D)
    "causal"; strides and dilation_rate are ints or one int per spatial axis.
    """
    x, kernel = as_tensor(x), as_tensor(kernel)
    rank = kernel.ndim - 2
    if rank < 1 or x.ndim != rank + 2:
        raise ValueError(
            f"conv expects inputs of rank {kernel.ndim} (batch, *spatial, channels) for a kernel "
            f"of shape {kernel.shape} (*kernel_size, in_channels/groups, filters). Received "
            f"inputs of shape {x.shape}.")
    if groups is None:
        groups = x.shape[-1] // kernel.shape[-2] if kernel.shape[-2] else 0
    if groups < 1 or x.shape[-1] != groups * kernel.shape[-2] or kernel.shape[-1] % groups:
        raise ValueError(
            f"conv: input channels ({x.shape[-1]}) must equal groups ({groups}) x the kernel's "
            f"input channels ({kernel.shape[-2]}), and filters ({kernel.shape[-1]}) must be "
            f"divisible by groups. Received inputs {x.shape}, kernel {kernel.shape}.")
    fn = Conv(*_conv_geometry(rank, strides, padding, dilation_rate), groups, activation)
    return fn(x, kernel) if bias is None else fn(x, kernel, bias)


def _group_mask(channels, filters, groups, dtype):
    """(C, F) ones where input channel c and filter f are in the same group, else zeros."""
    return (np.arange(channels)[:, None] // (channels // groups)
            == np.arange(filters)[None] // (filters // groups)).astype(dtype)


def _ungrouped_kernel(w, groups):
    """The kernel w (*k, C/G, F) of a convolution in ``groups`` groups as the ungrouped
    kernel (*k, C, F) of the same convolution (recorded): group g's filters read input
    channel g*C/G + c with w's weights for c, and the other groups' channels with 0."""
    cg, f = w.shape[-2], w.shape[-1]
    tiled = take(w, np.tile(np.arange(cg), groups), axis=w.ndim - 2)      # (*k, C, F)
    return tiled * _group_mask(cg * groups, f, groups, tiled.dtype)


def _grouped_kernel_gradient(full, shape, groups):
    """The gradient for w (*k, C/G, F) given the one ``full`` (*k, C, F) for its ungrouped
    kernel (``_ungrouped_kernel``'s vjp; recorded): each filter's own group's block."""
    cg, f = shape[-2], shape[-1]
    own = full * _group_mask(cg * groups, f, groups, full.dtype)
    return sum(reshape(own, tuple(shape[:-2]) + (groups, cg, f)), len(shape) - 2)


class ConvInputGradient(Function):
    """The gradient of an ungrouped convolution for its input (N, *spatial, C), given the
    gradient g (N, *out, F) at its output and its kernel w (*k, C, F): each input position
    gets the sum of g over the windows holding it, times that tap's weights (``_col2im``).

    Formula: ``gx[n, i, c] = sum_{o, a : o*s + a*d - pad = i} sum_f g[n, o, f] * w[a, c, f]``
    (a transposed convolution of g). Linear in g and in w: its gradient for g is the
    convolution of the upstream gradient with w, for w ``conv_kernel_gradient`` of the
    upstream gradient and g.
    """

    def __init__(self, input_shape, strides, padding, dilation):
        self.input_shape = tuple(input_shape)
        self.strides, self.padding, self.dilation = strides, padding, dilation

    def forward(self, g, w):
        out, pads = _geometry(self.input_shape[1:-1], w.shape[:-2], self.strides,
                              self.dilation, self.padding)
        gx = _col2im(np.ascontiguousarray(g).reshape(-1, g.shape[-1]), w, out, self.strides,
                     self.dilation, _padded_shape(self.input_shape, pads), pads)
        return np.ascontiguousarray(gx)

    def backward(self, gx):
        g, w = self.inputs
        geometry = (self.strides, self.padding, self.dilation)
        return (Conv(*geometry).forward(gx, w.data) if g.requires_grad else None,
                ConvKernelGradient(w.shape, *geometry).forward(gx, g.data)
                if w.requires_grad else None)

    def vjp(self, gx):
        g, w = self.inputs
        geometry = (self.strides, self.padding, self.dilation)
        return (conv(gx, w, None, *geometry) if g.requires_grad else None,
                conv_kernel_gradient(gx, g, w.shape, *geometry) if w.requires_grad else None)


@primitive
def conv_input_gradient(g, kernel, input_shape, strides=1, padding="valid", dilation_rate=1):
    """The gradient for its input (of ``input_shape``) of ``conv(x, kernel, strides=...,
    padding=..., dilation_rate=...)`` (ungrouped), given ``g``, the gradient at its output."""
    g, kernel = as_tensor(g), as_tensor(kernel)
    rank = kernel.ndim - 2
    return ConvInputGradient(input_shape, *_conv_geometry(rank, strides, padding,
                                                          dilation_rate))(g, kernel)


class ConvKernelGradient(Function):
    """The gradient of an ungrouped convolution for its kernel (*k, C, F), given its input
    x (N, *spatial, C) and the gradient g (N, *out, F) at its output: per kernel tap, the
    padded input's values that tap met in every window, times g, summed.

    Formula: ``gw[a, c, f] = sum_{n, o} xpad[n, o*s + a*d, c] * g[n, o, f]``. Linear in x
    and in g: its gradient for x is ``conv_input_gradient`` of g with the upstream
    gradient as kernel, for g the convolution of x with the upstream gradient.
    """

    def __init__(self, kernel_shape, strides, padding, dilation):
        self.kernel_shape = tuple(kernel_shape)
        self.strides, self.padding, self.dilation = strides, padding, dilation

    def forward(self, x, g):
        kernel = self.kernel_shape[:-2]
        out, pads = _geometry(x.shape[1:-1], kernel, self.strides, self.dilation,
                              self.padding)
        xp = _pad(x, pads)
        g2 = g.reshape(-1, g.shape[-1])                                   # (M, F)
        gw = np.empty(self.kernel_shape, np.result_type(x.dtype, g.dtype))
        for offset in itertools.product(*map(range, kernel)):
            taps = xp[_offset_slices(offset, out, self.strides, self.dilation)]  # (N,*out,C)
            np.matmul(taps.reshape(-1, x.shape[-1]).T, g2, out=gw[offset])
        return gw

    def backward(self, gw):
        x, g = self.inputs
        geometry = (self.strides, self.padding, self.dilation)
        return (ConvInputGradient(x.shape, *geometry).forward(g.data, gw)
                if x.requires_grad else None,
                Conv(*geometry).forward(x.data, gw) if g.requires_grad else None)

    def vjp(self, gw):
        x, g = self.inputs
        geometry = (self.strides, self.padding, self.dilation)
        return (conv_input_gradient(g, gw, x.shape, *geometry) if x.requires_grad else None,
                conv(x, gw, None, *geometry) if g.requires_grad else None)


@primitive
def conv_kernel_gradient(x, g, kernel_shape, strides=1, padding="valid", dilation_rate=1):
    """The gradient for its kernel (of ``kernel_shape``) of ``conv(x, kernel, strides=...,
    padding=..., dilation_rate=...)`` (ungrouped), given ``g``, the gradient at its output."""
    x, g = as_tensor(x), as_tensor(g)
    rank = len(kernel_shape) - 2
    return ConvKernelGradient(kernel_shape, *_conv_geometry(rank, strides, padding,
                                                            dilation_rate))(x, g)


def _conv_geometry(rank, strides, padding, dilation_rate):
    """(strides, padding, dilation) of a convolution of ``rank`` spatial axes, checked."""
    return (normalize_tuple(strides, rank, "strides"),
            normalize_padding(padding, allow_causal=rank == 1),
            normalize_tuple(dilation_rate, rank, "dilation_rate"))


# Largest im2col matrix built at once (the batch is chunked). Small enough to stay in cache
# between its copy and its GEMM: 1 MB chunks, rebuilt for the kernel gradient, measured 5%
# less CPU per mnist_convnet step than keeping the whole 18 MB matrix (and hold no memory).
IM2COL_BYTES = 2 ** 20
# A whole-batch matrix up to this size is still built chunk by chunk, but into one held
# buffer kept for the kernel gradient (no rebuild): the few-channel first layers.
IM2COL_KEEP_BYTES = 4 * 2 ** 20


PLANE_CHANNELS = 4   # below this many input channels, im2col is built as channel planes


class _Im2col:
    """The im2col matrix of x (N, *spatial, C) for a conv's geometry, built by batch chunks.

    ``chunks(a, b)`` yields (row slice, matrix) over samples a..b, each matrix (rows, K*C)
    for as many samples as fit in ``IM2COL_BYTES`` (at least one), built from that chunk
    alone (padded into a scratch array, copied once), so neither the matrix nor the padded
    input is ever made for a batch larger than that. Parts of the batch may be built on
    several threads at once (``parallel.for_parts``): each call takes its own scratch.
    When ``owner`` is given and the whole batch fits (or, while gradients are recorded, its
    matrix is at most ``IM2COL_KEEP_BYTES``), the chunks are built into one whole-batch
    buffer kept as ``owner.cols`` (held until the owner is collected) for the kernel
    gradient; else ``owner.cols`` is None. A 1x1 kernel with stride 1 and no padding needs
    no copy: x itself, seen as (N*H*W, C), is the matrix.
    ``conv`` (default ``owner``) gives the geometry: out, pads, strides, dilation.

    With C >= ``PLANE_CHANNELS`` the matrix is row-major: x viewed as its windows
    (N, *out, *kernel, C) and copied at once (runs of kernel_w * C contiguous floats).
    With fewer channels those runs are a few floats long and that copy is slow (7x at
    C = 1), so the matrix is stored transposed, (K*C, rows), one row per kernel offset
    and channel: each row is a plain shifted copy of one channel plane, and the GEMMs
    read the transposed view without a copy. ``ones`` (channel planes only) adds a last
    row of ones to the matrix, for a bias folded into the GEMM.
    """

    def __init__(self, owner, x, kernel, dtype, conv=None, ones=False):
        self.x, self.kernel, self.dtype, self.ones = x, kernel, np.dtype(dtype), ones
        self.conv = conv = conv or owner
        n, self.per = x.shape[0], math.prod(conv.out)
        self.kc = math.prod(kernel) * x.shape[-1]
        self.direct = (math.prod(kernel) == 1 and self.per == math.prod(x.shape[1:-1])
                       and x.dtype == self.dtype and x.flags.c_contiguous and not ones)
        step = max(1, IM2COL_BYTES // max(self.per * self.kc * self.dtype.itemsize, 1))
        keep = owner is not None and (self.direct or step >= n or grad_mode._state["enabled"]
                                      and self.matrix_bytes(n) <= IM2COL_KEEP_BYTES)
        self.step = max(1, min(step, n))
        self.planes = x.shape[-1] < PLANE_CHANNELS
        self.kept = None
        if keep and not self.direct:
            self.kept = scratch.hold_again(owner, self._shape(n), dtype)
        if owner is not None:
            owner.cols = None if not keep else (
                x.reshape(n * self.per, self.kc) if self.direct
                else self.kept.T if self.planes else self.kept)

    def matrix_bytes(self, samples):
        return samples * self.per * (self.kc + self.ones) * self.dtype.itemsize

    def _shape(self, samples):
        rows, kc = samples * self.per, self.kc + self.ones
        return (kc, rows) if self.planes else (rows, kc)

    def chunks(self, a, b):
        x, per, conv = self.x, self.per, self.conv
        if self.direct:
            yield slice(a * per, b * per), x[a:b].reshape(-1, self.kc)
            return
        padded = buf = None
        if any(lo or hi for lo, hi in conv.pads):
            padded = scratch.take((self.step,) + conv.padded_shape[1:], x.dtype)
        buf = self.kept if self.kept is not None else scratch.take(
            self._shape(self.step), self.dtype)
        try:
            for start in range(a, b, self.step):
                count = min(start + self.step, b) - start
                first = start if self.kept is not None else 0   # where it goes in buf
                span = slice(first * per, (first + count) * per)
                cols = buf[:, span].T if self.planes else buf[span]
                part = x[start:start + count]
                if padded is not None:
                    part = _pad_into(part, conv.pads, padded[:count])
                if self.planes:
                    _copy_planes(part, cols.T[:self.kc], self.kernel, conv)
                else:
                    win = _windows(part, conv.out, self.kernel, conv.strides, conv.dilation)
                    np.copyto(cols.reshape(win.shape), win)            # the im2col copy
                if self.ones:
                    cols[:, self.kc] = 1
                yield slice(start * per, (start + count) * per), cols
        finally:
            if padded is not None:
                scratch.give_back(padded)
            if self.kept is None:
                scratch.give_back(buf)


def _copy_planes(part, rows, kernel, conv):
    """rows (K*C, count * per) = part's channel planes at each kernel offset (the transposed
    im2col matrix of the padded samples ``part``)."""
    channels = part.shape[-1]
    dest = rows.reshape((math.prod(kernel), channels, -1) + tuple(conv.out))
    # the channel axis first (np.moveaxis's view; its axis checks cost 20x the transpose)
    channels_first = (part.ndim - 1,) + tuple(range(part.ndim - 1))
    for k, offset in enumerate(itertools.product(*map(range, kernel))):
        window = part[_offset_slices(offset, conv.out, conv.strides, conv.dilation)]
        np.copyto(dest[k], window.transpose(channels_first))


def _pad_into(x, pads, out):
    """out (N, *padded, C) = x zero-padded on the spatial axes (only the borders are zeroed)."""
    for axis, (lo, hi) in enumerate(pads, start=1):
        edge = (slice(None),) * axis
        out[edge + (slice(0, lo),)] = 0
        out[edge + (slice(out.shape[axis] - hi, None),)] = 0
    out[_interior(x.shape, pads)] = x
    return out


# Rows of a conv's output made by one GEMM before their bias and activation pass: about
# half an L2 cache, so that pass reads what the GEMM just wrote from cache.
OUTPUT_BLOCK_BYTES = 2 ** 18


def _product_activated(cols, wmat, y, b, activation):
    """y (M, F) = cols (M, K*C) @ wmat, then ``+ b`` and the fused activation, in blocks of
    rows of at most ``OUTPUT_BLOCK_BYTES`` of y, each block's pass right after its GEMM (a
    32-filter first layer whose 1 MB im2col chunk gives 3.7 MB of output: 27% less CPU)."""
    if b is None and activation is None:
        np.matmul(cols, wmat, out=y)
        return
    step = max(1, OUTPUT_BLOCK_BYTES // max(y[:1].nbytes, 1))
    for start in range(0, len(y), step):
        rows = slice(start, start + step)
        np.matmul(cols[rows], wmat, out=y[rows])                    # (M, K*C) @ (K*C, F)
        _bias_activation(y[rows], b, activation)


def _bias_activation(y, b, activation):
    """In place on y (M, F): ``y += b``, then the fused activation (through ``for_parts``)."""
    def apply(start, stop):
        add_bias_activate(y[start:stop], b, activation)

    if b is not None or activation is not None:
        parallel.for_parts(apply, len(y), y.size)


def _activation_grad(g2, y, activation):
    """The gradient before the fused activation (g2 times the activation's derivative at
    its output y, both (N, ...)), as a contiguous scratch array; without an activation, g2
    itself when contiguous, else a scratch copy.

    relu multiplies by a boolean mask of the output (a float 0/1 mask costs a conversion
    pass more; ``g * True`` is ``g`` exactly)."""
    if activation is None and g2.flags.c_contiguous:
        return g2
    out = scratch.take(g2.shape, g2.dtype)
    mask = scratch.take(g2.shape, bool) if activation == "relu" else None

    def apply(start, stop):
        rows = slice(start, stop)
        if activation == "relu":
            np.greater(y[rows], 0, out=mask[rows])    # True where the unit was active
            np.multiply(g2[rows], mask[rows], out=out[rows])
        elif activation == "tanh":                    # g * (1 - y^2)
            np.multiply(y[rows], y[rows], out=out[rows])
            np.subtract(1, out[rows], out=out[rows])
            out[rows] *= g2[rows]
        else:
            np.copyto(out[rows], g2[rows])

    parallel.for_parts(apply, len(g2), g2.size)
    if mask is not None:
        scratch.give_back(mask)
    return out


# Samples whose input gradient col2im completes at once (all kernel offsets): about this
# many bytes of one offset's share, so the share and that part of the gradient stay in cache
# between the offsets' GEMMs and adds.
COL2IM_BLOCK_BYTES = 2 ** 19


def _col2im(g2, w, out, strides, dilation, padded_shape, pads, groups=1):
    """Adjoint of im2col @ w: scatter g2 (M, F) back onto the (unpadded) input.

    For each kernel offset, g2 @ w[offset]^T (one GEMM per group, (rows, C), into one reused
    buffer) is added into the slice of the padded input that offset touched, the add by
    samples through ``parallel.for_parts``; the padding is cropped at the end. This never
    materializes the (M, K*C) column gradient: that matrix and one scatter from it measured
    15% slower at 32 channels (the adds then read memory instead of a cache-resident buffer).
    The batch goes in blocks of samples (``COL2IM_BLOCK_BYTES`` of share), each block through
    every offset before the next: 13% less CPU than whole-batch passes on mnist_convnet's
    second conv. With unit strides the first offset's slice is the leading box of the input:
    its share is copied there and only the rest is zeroed (one pass less than zeros + add).
    """
    cg, f = w.shape[-2], w.shape[-1]
    boxed = all(s == 1 for s in strides)
    dtype = np.result_type(g2.dtype, w.dtype)
    gxp = (np.empty if boxed else np.zeros)(padded_shape, dtype)
    if boxed:
        _zero_beyond(gxp, out)
    n, per = padded_shape[0], math.prod(out)
    blocks = max(1, -(-n // max(1, COL2IM_BLOCK_BYTES // max(per * groups * cg
                                                             * dtype.itemsize, 1))))
    step = max(1, -(-n // blocks))                                  # even blocks
    gg = g2.reshape(-1, groups, f // groups).transpose(1, 0, 2)     # (G, M, F/G)
    offsets = list(itertools.product(*map(range, w.shape[:-2])))
    wks = [w[o].reshape(cg, groups, f // groups).transpose(1, 2, 0) for o in offsets]
    dests = [gxp[_offset_slices(o, out, strides, dilation)] for o in offsets]
    # (G, N, *out, C/G) -> (N, *out, G, C/G) (np.moveaxis(., 0, -2)'s view, without its checks)
    group_axis_last = tuple(range(1, len(out) + 2)) + (0, len(out) + 2)

    def scatter(first, stop):
        buffer = scratch.take((groups * step * per * cg,), dtype)
        for start in range(first, stop, step):
            count = min(step, stop - start)
            part = buffer[:groups * count * per * cg].reshape(groups, count * per, cg)
            # the share viewed as the input slice: (count, *out, G, C/G), group-major channels
            share = part.reshape((groups, count) + tuple(out) + (cg,)).transpose(group_axis_last)
            for k, (wk, dest) in enumerate(zip(wks, dests)):
                np.matmul(gg[:, start * per:(start + count) * per], wk, out=part)  # (G, m, C/G)
                dest = dest[start:start + count]
                dest = dest.reshape(dest.shape[:-1] + (groups, cg))
                if boxed and k == 0:
                    np.copyto(dest, share)
                else:
                    dest += share
        scratch.give_back(buffer)

    parallel.for_parts(scatter, n, g2.size // f * groups * cg * len(offsets))
    unpadded = (padded_shape[0],) + tuple(
        n - lo - hi for n, (lo, hi) in zip(padded_shape[1:-1], pads)) + (padded_shape[-1],)
    return gxp[_interior(unpadded, pads)]


def _zero_beyond(array, box):
    """Zero array (N, *spatial, C) outside its leading ``box`` (one size per spatial axis)."""
    for axis, size in enumerate(box, start=1):
        array[(slice(None),) * axis + (slice(size, None),)] = 0


def transpose_output_length(n, k, stride=1, dilation=1, padding="valid", output_padding=None):
    """Output size of a transposed convolution along one axis (Keras's rule).

    Formula: without output_padding, valid ``n*s + max(k_eff - s, 0)``, same ``n*s``;
    with it, ``(n - 1)*s + k_eff - 2*pad + output_padding`` (pad = k_eff // 2 for same,
    0 for valid), where ``k_eff = d*(k - 1) + 1``.
    """
    if n is None:
        return None
    k_eff = dilation * (k - 1) + 1
    if output_padding is None:
        return n * stride + (max(k_eff - stride, 0) if padding == "valid" else 0)
    pad = k_eff // 2 if padding == "same" else 0
    return (n - 1) * stride + k_eff - 2 * pad + output_padding


class ConvTranspose(Function):
    """N-D transposed convolution: the adjoint, w.r.t. its input, of the convolution that
    maps the output shape back to the input shape (TensorFlow's conv_transpose).

    Formula: ``y[n, o*s + a*d - pad, f] += x[n, o, c] * w[a, f, c]`` summed over o, a, c,
    plus ``b[f]``; x (N, *spatial, C), w (*kernel, F, C). Forward is the col2im scatter;
    backward is im2col of the padded output gradient and one GEMM per gradient.
    """

    replayable = True

    def __init__(self, strides, padding, dilation, output_padding=None):
        self.strides, self.padding, self.dilation = tuple(strides), padding, tuple(dilation)
        self.output_padding = output_padding

    def forward(self, x, w, b=None):
        kernel, n = w.shape[:-2], x.shape[1:-1]
        extra = self.output_padding or (None,) * len(n)
        out = tuple(transpose_output_length(*args, self.padding, op) for args, op in zip(
            zip(n, kernel, self.strides, self.dilation), extra))
        pads = []
        for size, length, k, s, d in zip(n, out, kernel, self.strides, self.dilation):
            covered = (size - 1) * s + d * (k - 1) + 1     # input span the windows touch
            lo = max(covered - length, 0) // 2 if self.padding == "same" else 0
            pads.append((lo, max(covered, length + lo) - length - lo))
        self.pads, self.n = tuple(pads), n
        parallel.count_products(x.size * math.prod(kernel) * w.shape[-2], "owned")
        padded = (x.shape[0],) + tuple(o + lo + hi for o, (lo, hi) in zip(out, pads)) \
            + (w.shape[-2],)
        y = _col2im(x.reshape(-1, x.shape[-1]), w, n, self.strides, self.dilation, padded,
                    self.pads)
        if b is not None:
            y += b
        return y

    def backward(self, gy):
        x, w = self.inputs[0], self.inputs[1]
        kernel, f = w.shape[:-2], w.shape[-2]
        win = _windows(_pad(gy, self.pads), self.n, kernel, self.strides, self.dilation)
        cols = win.reshape(-1, math.prod(kernel) * f)                 # im2col: (M, K*F)
        x2 = x.data.reshape(-1, x.shape[-1])
        gx = (cols @ w.data.reshape(-1, x.shape[-1])).reshape(x.shape) if x.requires_grad \
            else None
        gw = (cols.T @ x2).reshape(w.shape) if w.requires_grad else None
        if len(self.inputs) == 2:
            return gx, gw
        g2 = gy.reshape(-1, f)
        return gx, gw, np.ones(len(g2), g2.dtype) @ g2

    def vjp(self, gy):
        """The output's gradient, padded back to the span the windows cover, is what the
        convolution this one transposes takes: gx is that convolution of it with w, gw its
        kernel gradient for x (as backward's im2col computes them)."""
        x, w, *bias = self.inputs
        geometry = (self.strides, "valid", self.dilation)
        padded = pad_constant(gy, ((0, 0),) + self.pads + ((0, 0),))
        gx = conv(padded, w, None, *geometry) if x.requires_grad else None
        gw = conv_kernel_gradient(padded, x, w.shape, *geometry) if w.requires_grad else None
        if not bias:
            return gx, gw
        return gx, gw, sum(gy, tuple(range(gy.ndim - 1))) if bias[0].requires_grad else None


@primitive
def conv_transpose(x, kernel, bias=None, strides=1, padding="valid", output_padding=None,
                   dilation_rate=1):
    """N-D transposed convolution of x (N, *spatial, C) with kernel (*k, F, C), plus bias (F,).

    The adjoint of ``conv`` w.r.t. its input; output sizes follow Keras's rule (see
    ``conv.transpose_output_length``); output_padding (one int per axis) must be < strides.
    """
    x, kernel = as_tensor(x), as_tensor(kernel)
    rank = kernel.ndim - 2
    if rank < 1 or x.ndim != rank + 2 or x.shape[-1] != kernel.shape[-1]:
        raise ValueError(
            f"conv_transpose expects inputs (batch, *spatial, channels) of rank {kernel.ndim} "
            f"whose channels match the kernel's last axis (kernel shape (*kernel_size, filters, "
            f"in_channels) = {kernel.shape}). Received inputs of shape {x.shape}.")
    strides = normalize_tuple(strides, rank, "strides")
    if output_padding is not None:
        output_padding = normalize_tuple(output_padding, rank, "output_padding",
                                         allow_zero=True)
        if any(p >= s for p, s in zip(output_padding, strides)):
            raise ValueError(f"Strides {strides} must be greater than output padding "
                             f"{output_padding}.")
    fn = ConvTranspose(strides, normalize_padding(padding),
                       normalize_tuple(dilation_rate, rank, "dilation_rate"), output_padding)
    return fn(x, kernel) if bias is None else fn(x, kernel, bias)


# --------------------------------------------------------------------------------------
# Pooling
# --------------------------------------------------------------------------------------


class _Pool(Function):
    def __init__(self, pool_size, strides, padding):
        self.pool_size, self.strides, self.padding = tuple(pool_size), tuple(strides), padding
        self.dilation = (1,) * len(self.pool_size)

    def _offsets(self):
        return itertools.product(*(range(k) for k in self.pool_size))

    def _setup(self, x, fill=0):
        """Output size and pads; returns x padded with ``fill``."""
        self._set_geometry(x.shape)
        return _pad(x, self.pads, fill)

    def _set_geometry(self, shape):
        """Output size, pads and padded shape for an input of ``shape``."""
        self.out, self.pads = _geometry(shape[1:-1], self.pool_size, self.strides,
                                        self.dilation, self.padding)
        self.padded_shape = _padded_shape(shape, self.pads)

    def _window(self, offset):
        return _offset_slices(offset, self.out, self.strides, self.dilation)

    def _window_views(self, array):
        """array (N, *padded, C) seen at each window offset, row-major: one (N, *out, C) view
        per offset (made once per call, then sliced by samples)."""
        return [array[self._window(offset)] for offset in self._offsets()]


CACHE_BLOCK_BYTES = 2 ** 19   # samples per pooling pass: about this much input (half an L2)


def _in_cache_blocks(fn, sample_bytes):
    """``fn(a, b)`` as calls on blocks of samples of about ``CACHE_BLOCK_BYTES`` of input:
    a pooling makes one pass per window offset over the same input, and a block that stays
    in cache between passes measured 13-28% faster on 2x2 pooling than whole-batch passes."""
    step = max(1, CACHE_BLOCK_BYTES // max(sample_bytes, 1))

    def blocked(a, b):
        for start in range(a, b, step):
            fn(start, min(start + step, b))
    return blocked


class MaxPool(_Pool):
    """Maximum over each window; padding never wins. The gradient goes to the first maximum
    in each window (row-major window order), as TensorFlow's and PyTorch's max pooling do.

    While gradients are recorded, forward also keeps which window offset won, as one small
    integer per output (uint8 up to 256 offsets): backward then routes the gradient with a
    one-byte comparison per offset instead of comparing the input with the output again
    (half the passes over float data; measured 2x faster on 2x2 windows), and neither the
    input nor its padded copy is held for it.
    """

    replayable = True

    def forward(self, x):
        low = -np.inf if np.issubdtype(x.dtype, np.floating) else np.iinfo(x.dtype).min
        xp = self._setup(x, low)
        y = np.empty((x.shape[0],) + self.out + (x.shape[-1],), x.dtype)
        count = math.prod(self.pool_size)
        self.winner = winner = None
        if grad_mode._state["enabled"] and count > 1:
            self.winner = winner = np.empty(y.shape, np.min_scalar_type(count - 1))
            won, code = scratch.take(y.shape, bool), scratch.take(y.shape, winner.dtype)
        windows = self._window_views(xp)

        def window_max(a, b):
            top = y[a:b]
            np.copyto(top, windows[0][a:b])
            for k in range(1, count):
                window = windows[k][a:b]
                if winner is not None and k == 1:   # code 1 where offset 1 beats offset 0
                    np.greater(window, top, out=winner[a:b])
                elif winner is not None:        # offsets rise, so the max code is the first win
                    np.greater(window, top, out=won[a:b])
                    np.multiply(won[a:b].view(np.uint8), k, out=code[a:b], dtype=code.dtype)
                    np.maximum(winner[a:b], code[a:b], out=winner[a:b])
                np.maximum(top, window, out=top)

        parallel.for_parts(_in_cache_blocks(window_max, xp[:1].nbytes), len(y), xp.size)
        if self.winner is not None:
            scratch.give_back(won)
            scratch.give_back(code)
            self.y = y
        return y

    def backward(self, gy):
        conv = self._activated_conv()
        if conv is None:
            return self._route(gy)
        active = scratch.take(gy.shape, bool)
        np.greater(self.y, 0, out=active)              # relu's derivative at each winner
        (gx,) = grads = self._route(gy, active)
        scratch.give_back(active)
        conv.pooled_grad = PooledGrad(gx, self._covered())
        return grads

    def vjp(self, gy):
        """gy scattered to each window's winner (a constant choice: max pooling's second
        derivative is 0), as ``getitem_gradient`` at the winners' flat positions in x."""
        x = self.inputs[0]
        return (reshape(getitem_gradient(reshape(gy, (-1,)), (x.size,), self._winner_at()),
                        x.shape),)

    def _winner_at(self):
        """The flat index in x of each output's winner, in the output's row-major order."""
        shape = self.inputs[0].shape
        winner = np.zeros((shape[0],) + self.out + shape[-1:], np.intp) \
            if self.winner is None else self.winner.astype(np.intp)  # None: 1-element windows
        taps = np.unravel_index(winner, self.pool_size)       # the winner's offset per axis
        grid = np.ogrid[tuple(slice(n) for n in winner.shape)]  # (N, *out, C) positions
        positions = [grid[0]] + [o * s + k - lo for o, s, k, (lo, _) in zip(
            grid[1:-1], self.strides, taps, self.pads)] + [grid[-1]]
        return np.ravel_multi_index(np.broadcast_arrays(*positions), shape).ravel()

    def _activated_conv(self):
        """The Conv with a fused relu whose output this pooling read, else None.

        Only a window's winner gets gradient, and relu's derivative there, ``output > 0``,
        is this pooling's output ``> 0`` (the winner's value is the window's max). So the
        0/1 mask is applied here, on 1/window of the elements, and the Conv, handed the
        result (``Conv.pooled_grad``), skips its own pass. When the conv's output has other
        consumers too, the Conv masks the summed gradient itself: masking this share twice
        gives the same numbers as once (a tanh derivative would not allow that)."""
        conv = self.inputs[0].creator
        if self.winner is None or not isinstance(conv, Conv) or conv.activation != "relu":
            return None
        return conv

    def _covered(self):
        """Per spatial axis, how many leading input rows some window reads."""
        return tuple(min(n, (o - 1) * s + k - lo) for n, o, s, k, (lo, _) in zip(
            self.inputs[0].shape[1:-1], self.out, self.strides, self.pool_size, self.pads))

    def _route(self, gy, active=None):
        """(gradient of the input,): gy routed to each window's winner (only where the
        boolean ``active``, shaped like gy, is True, when given).

        Offset k's share of gy is gy where the winner is k. Non-overlapping windows write
        their share straight into the gradient (no temporary); when they also tile a
        leading box of the input (strides equal to the window), every element there is
        written once and only the rows and columns beyond it are zeroed. The work goes
        by samples through parallel.for_parts."""
        overlap = any(s < k for s, k in zip(self.strides, self.pool_size))
        tiled = all(s == k for s, k in zip(self.strides, self.pool_size))
        gxp = (np.empty if tiled else np.zeros)(self.padded_shape, gy.dtype)
        if tiled:
            _zero_beyond(gxp, tuple(o * k for o, k in zip(self.out, self.pool_size)))
        dests = self._window_views(gxp)
        if self.winner is None:                 # a 1-element window: the identity
            dests[0][...] = gy
            return (gxp[_interior(self.inputs[0].shape, self.pads)],)
        hit = scratch.take(gy.shape, bool)
        part = scratch.take(gy.shape, gy.dtype) if overlap else None

        def route(a, b):
            now, g, winner = hit[a:b], gy[a:b], self.winner[a:b]
            for k, dest in enumerate(dests):
                np.equal(winner, k, out=now)
                if active is not None:
                    now &= active[a:b]
                if overlap:
                    np.multiply(g, now, out=part[a:b])
                    dest[a:b] += part[a:b]
                else:
                    np.multiply(g, now, out=dest[a:b])

        parallel.for_parts(_in_cache_blocks(route, gxp[:1].nbytes), len(gy), gxp.size)
        scratch.give_back(hit)
        if overlap:
            scratch.give_back(part)
        return (gxp[_interior(self.inputs[0].shape, self.pads)],)


PooledGrad = collections.namedtuple("PooledGrad", "grad covered")
PooledGrad.__doc__ = """A max pooling's input gradient with the fused relu derivative of the
Conv that made its input already applied (``grad``), and the leading extent along each
spatial axis that got gradient (``covered``); see ``MaxPool._activated_conv``."""


def _pool(cls, x, pool_size, strides, padding):
    x = as_tensor(x)
    rank = x.ndim - 2
    if rank < 1:
        raise ValueError(f"Pooling expects inputs of rank >= 3 (batch, *spatial, channels). "
                         f"Received inputs of shape {x.shape}.")
    pool_size = normalize_tuple(pool_size, rank, "pool_size")
    strides = pool_size if strides is None else normalize_tuple(strides, rank, "strides")
    padding = normalize_padding(padding)
    return cls(pool_size, strides, padding)(x)


@primitive
def max_pool(x, pool_size, strides=None, padding="valid"):
    """Max over windows of x (N, *spatial, C); strides default to pool_size."""
    return _pool(MaxPool, x, pool_size, strides, padding)


class AvgPool(_Pool):
    """Mean over each window, counting only real (unpadded) elements, as TF/JAX do. Both
    passes run by parts of the batch (``parallel.for_parts``), each part padded on its own."""

    replayable = True

    def forward(self, x):
        self._set_input(x.shape, x.dtype)
        y = np.empty((len(x),) + tuple(self.out) + (x.shape[-1],),
                     np.result_type(x.dtype, self.count.dtype, 1.0))

        def part(a, b):
            xp = _pad(x[a:b], self.pads)
            total = None
            for offset in self._offsets():
                window = xp[self._window(offset)]
                if total is None:
                    total = window.copy()
                else:
                    total += window
            np.divide(total, self.count, out=y[a:b])

        parallel.for_parts(part, len(x), y.size * math.prod(self.pool_size))
        return y

    def _set_input(self, shape, dtype):
        """Geometry and per-window counts (in ``dtype``) for an input of ``shape``."""
        self._set_geometry(shape)
        self.count = self._counts(shape[1:-1]).astype(dtype)

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
        return (self.spread(gy, self.inputs[0].shape),)

    def spread(self, gy, shape):
        """The input gradient (of ``shape``) for gy: each window's share, gy / count, added
        to each of its real elements. Linear in gy: the adjoint of the pooling itself."""
        gx = np.empty(shape, np.result_type(gy.dtype, self.count.dtype, 1.0))

        def part(a, b):
            share = gy[a:b] / self.count              # each window element gets its share
            gxp = np.zeros((b - a,) + self.padded_shape[1:], share.dtype)
            for offset in self._offsets():
                gxp[self._window(offset)] += share
            gx[a:b] = gxp[_interior(shape, self.pads)]

        parallel.for_parts(part, len(gy), gx.size * math.prod(self.pool_size))
        return gx

    def vjp(self, gy):
        return (average_pool_gradient(gy, self.inputs[0].shape, self.pool_size, self.strides,
                                      self.padding),)


@primitive
def average_pool(x, pool_size, strides=None, padding="valid"):
    """Mean over windows of x (N, *spatial, C), counting only unpadded elements."""
    return _pool(AvgPool, x, pool_size, strides, padding)


class AvgPoolGradient(Function):
    """The gradient of an average pooling for its input (of ``input_shape``), given the
    gradient g at its output: ``AvgPool.spread``. Linear in g, it is the pooling's adjoint,
    so its gradient is the average pooling of the upstream gradient, and the pooling's
    recorded gradient is this."""

    def __init__(self, pool_size, strides, padding, input_shape):
        self.geometry, self.input_shape = (pool_size, strides, padding), tuple(input_shape)

    def forward(self, g):
        pool = AvgPool(*self.geometry)
        pool._set_input(self.input_shape, g.dtype)
        return pool.spread(g, self.input_shape)

    def backward(self, gx):
        return (AvgPool(*self.geometry).forward(gx),)

    def vjp(self, gx):
        return (average_pool(gx, *self.geometry),)


@primitive
def average_pool_gradient(g, input_shape, pool_size, strides=None, padding="valid"):
    """The gradient for its input (of ``input_shape``) of ``average_pool(x, pool_size,
    strides, padding)``, given ``g``, the gradient at its output."""
    g = as_tensor(g)
    rank = len(input_shape) - 2
    pool_size = normalize_tuple(pool_size, rank, "pool_size")
    strides = pool_size if strides is None else normalize_tuple(strides, rank, "strides")
    return AvgPoolGradient(pool_size, strides, normalize_padding(padding), input_shape)(g)
