"""Matrix products: matmul and the fused dense layer, each VJP under its forward and its
callable right under it, registered by ``@primitive``. Their ``vjp`` (the gradients recorded,
for ``grad(..., create_graph=True)``) are products of the input tensors again.
"""
import numpy as np

from . import parallel
from .elementwise import float_promoted, operands, relu_into, where
from .function import Function, primitive, unbroadcast
from .reductions import sum
from .shape import reshape, sum_to, transpose


_ONES = {}  # (length, dtype) -> read-only vector of ones
# Below this many multiply-adds (m * k * n) np.dot's lighter dispatch beats np.matmul's
# (0.2-0.3 us less per call at 32 x 32 x 32, 1 BLAS thread); above it np.matmul is as fast
# or faster (13% at 1024 x 32 x 32).
SMALL_GEMM = 1 << 17
# From this many multiply-adds a dense forward goes by parts of its rows when parts run at
# once (owned steps, where BLAS is on one thread): each part's product, bias and activation
# on its own thread. (An attention projection of 51,200 tokens, 32 -> 64: predict of
# keras-io's text transformer 3,921-4,085 -> 4,503-4,658 samples/s.) Below, one product.
SPLIT_GEMM = 1 << 22
# Up to this many multiply-adds OpenBLAS runs a product on one thread whatever its thread
# count (measured, 0.3.31: 64 x 64 x 64 and 65 x 64 x 64 the same bits and time on one
# thread and on two; 128 x 64 x 64 threaded).
ONE_THREAD_GEMM = 1 << 18
# relu's mask threshold: a numpy scalar is converted faster than the Python 0 (0.1 us per
# ufunc call); y > 0 is exact in every float dtype
_ZERO = np.float32(0)


def count_whole_products(count, multiply_adds):
    """Count ``count`` products run whole, each of ``multiply_adds``, for
    ``parallel.StepThreading``'s choice: for owned steps below ``SPLIT_GEMM`` (a step of
    them ran faster owned, though one alone is faster on OpenBLAS's threads: nine Dense(32)
    predict 28% faster owned at batch 1024, their 1024 x 32 x 32 products 75 us each on one
    thread, 42 on two), for BLAS's threads from it; not at all up to ``ONE_THREAD_GEMM``
    (one thread either way)."""
    if multiply_adds > ONE_THREAD_GEMM:
        parallel.count_products(count * multiply_adds,
                                "blas" if multiply_adds >= SPLIT_GEMM else "owned")


def ones(n, dtype):
    """A cached read-only vector of ``n`` ones (the left operand of a column-sum GEMV)."""
    key = (n, dtype)
    vector = _ONES.get(key)
    if vector is None:
        if len(_ONES) >= 64:  # many batch shapes (e.g. varying sequence lengths): start over
            _ONES.clear()
        vector = _ONES[key] = np.ones(n, dtype)
        vector.flags.writeable = False
    return vector


def add_bias_activate(y, b, activation):
    """In place on y (rows, F), on the calling thread: ``y += b`` (unless b is None), then
    the fused activation (None, "relu" or "tanh"); returns y."""
    if b is not None:
        y += b
    if activation == "relu":
        relu_into(y, y)
    elif activation == "tanh":
        np.tanh(y, out=y)
    return y


def _stacked_product(a, b):
    """a @ b for stacks of matrices with the same leading axes (an attention's per-head
    products): the stack goes by parts (``parallel.for_parts``), each part's products on
    its own thread while parts run at once. Each matrix product is the one numpy's
    ``a @ b`` makes, so the numbers do not depend on the parts."""
    out = np.empty(a.shape[:-1] + b.shape[-1:], np.result_type(a, b))
    a3, b3, out3 = (t.reshape((-1,) + t.shape[-2:]) for t in (a, b, out))

    def part(start, stop):
        np.matmul(a3[start:stop], b3[start:stop], out=out3[start:stop])

    parallel.for_parts(part, len(out3), a.size + b.size + out.size)
    return out


def _by_parts(a, b):
    """Whether ``a @ b`` goes by parts of its stack (``_stacked_product``): stacks of
    matrices (3-D or more) with the same leading axes, large enough for more than one part
    (below, the parts' bookkeeping would cost more than numpy's one call)."""
    if a.ndim < 3 or a.shape[:-2] != b.shape[:-2] or a.size == 0 or b.size == 0:
        return False
    stack = a.size // (a.shape[-2] * a.shape[-1])
    return parallel.part_count(stack, a.size + b.size + stack * a.shape[-2] * b.shape[-1]) > 1


class MatMul(Function):
    """a @ b with numpy's broadcasting rules for stacked matrices. For two matrices the
    gradients are computed straight into the destinations the backward pass offers; two
    large stacks with the same leading axes go by parts of the stack (``_by_parts``)."""

    replayable = True
    writes_destinations = True

    def forward(self, a, b):
        if _by_parts(a, b):
            out = _stacked_product(a, b)
            parallel.count_products(out.size * a.shape[-1], "owned")
            return out
        out = a @ b
        m, n = (a.shape[-2] if a.ndim > 1 else 1), (b.shape[-1] if b.ndim > 1 else 1)
        count_whole_products(np.size(out) // max(m * n, 1), m * a.shape[-1] * n)
        return out

    def backward(self, gy):
        a, b = self.inputs
        av, bv = a.data, b.data
        if av.ndim == 2 and bv.ndim == 2:  # no broadcasting: each product has its input's shape
            dtype = np.result_type(av, bv, gy)
            ga = self._product(0, dtype, gy, bv.T) if a.requires_grad else None
            gb = self._product(1, dtype, av.T, gy) if b.requires_grad else None
            return ga, gb
        if _by_parts(av, bv):
            ga = _stacked_product(gy, np.swapaxes(bv, -1, -2)) if a.requires_grad else None
            gb = _stacked_product(np.swapaxes(av, -1, -2), gy) if b.requires_grad else None
            return ga, gb
        if bv.ndim == 1:  # b first: a vector times a vector gave gy no axis at all
            bv, gy = bv[:, None], gy[..., None]
        if av.ndim == 1:
            av, gy = av[None, :], gy[..., None, :]
        ga = gy @ np.swapaxes(bv, -1, -2) if a.requires_grad else None
        gb = np.swapaxes(av, -1, -2) @ gy if b.requires_grad else None
        if ga is not None:
            ga = unbroadcast(ga, av.shape).reshape(a.shape)
        if gb is not None:
            gb = unbroadcast(gb, bv.shape).reshape(b.shape)
        return ga, gb

    def vjp(self, gy):
        a, b = self.inputs
        # a vector is a matrix of one row (a) or one column (b); gy gets that axis back
        a2 = a if a.ndim > 1 else reshape(a, (1,) + a.shape)
        b2 = b if b.ndim > 1 else reshape(b, b.shape + (1,))
        g = reshape(gy, np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
                    + (a2.shape[-2], b2.shape[-1]))
        ga = gb = None
        if a.requires_grad:
            ga = reshape(sum_to(matmul(g, _swapped(b2)), a2.shape), a.shape)
        if b.requires_grad:
            gb = reshape(sum_to(matmul(_swapped(a2), g), b2.shape), b.shape)
        return ga, gb

    def _product(self, index, dtype, left, right):
        """Input ``index``'s gradient ``left @ right``: into its destination (then None, the
        gradient delivered) or a new array."""
        out = self.destination(index, dtype)
        product = np.matmul(left, right, out=out)
        return product if out is None else None


def _swapped(x):
    """x with its last two axes swapped (a stack of matrices transposed), recorded."""
    return transpose(x, tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2))


@primitive
def matmul(x1, x2):  # keras.ops's argument names
    a, b = operands(x1, x2)
    return MatMul()(a, b)


class Dense(Function):
    """activation(x @ W + b) on the last axis of x (leading axes kept); one GEMM each way
    (the forward's and the input gradient's split by rows over the parts when large:
    ``SPLIT_GEMM``; the kernel's gradient, a sum over the rows, stays one product).

    ``activation`` is None, ``"relu"`` or ``"tanh"``: the two whose derivative is a
    function of the output, fused here because a hidden layer's separate activation
    node costs as much Python time as the layer itself at small sizes. The kernel's and
    the bias's gradients are computed straight into their destination buffers when the
    backward pass offers them (the optimizer's gradient views during ``fit``).
    """

    replayable = True
    writes_destinations = True

    def __init__(self, activation=None):
        self.activation = activation

    def forward(self, x, w, b=None):
        x2 = x if x.ndim == 2 else x.reshape(-1, x.shape[-1])
        m, k = x2.shape
        # the routine for the three products (forward, input gradient, kernel gradient: each
        # m * k * n multiply-adds), chosen once here: np.dot up to SMALL_GEMM, else np.matmul
        n = w.shape[1]
        count_whole_products(1, m * k * n)
        self.product = product = np.dot if m * k * n <= SMALL_GEMM else np.matmul
        self.split = m * k * n >= SPLIT_GEMM and parallel.parts_run_at_once()
        if self.split:
            y = np.empty((m, n), np.result_type(x2, w))
            parallel.for_parts(lambda start, stop: add_bias_activate(
                np.matmul(x2[start:stop], w, out=y[start:stop]), b, self.activation),
                m, m * (k + n))
        else:
            y = add_bias_activate(product(x2, w), b, self.activation)
        self.y = y
        return y if x.ndim == 2 else y.reshape(x.shape[:-1] + (w.shape[-1],))

    def backward(self, gy):
        inputs, product = self.inputs, self.product
        x, w = inputs[0], inputs[1]
        xd = x.data
        leading = xd.ndim != 2
        if leading:
            gy, xd = gy.reshape(-1, gy.shape[-1]), xd.reshape(-1, xd.shape[-1])
        if self.activation == "relu":
            gy = np.multiply(gy, np.greater(self.y, _ZERO))
        elif self.activation == "tanh":
            gy = gy * (1 - self.y * self.y)
        gx = None
        if x.requires_grad:
            if self.split:  # by rows again: each row of gx is that row of gy times Wᵀ
                gx, w_t = np.empty((len(gy), w.shape[0]), np.result_type(gy, w.data)), w.data.T
                parallel.for_parts(lambda start, stop: np.matmul(
                    gy[start:stop], w_t, out=gx[start:stop]), len(gy), gy.size + gx.size)
            else:
                gx = product(gy, w.data.T)
            if leading:
                gx = gx.reshape(x.data.shape)
        gw = None
        if w.requires_grad:
            dtype = gy.dtype if xd.dtype == gy.dtype else np.result_type(xd, gy)
            out = self.destination(1, dtype)
            if out is not None and product is np.dot and not out.flags.c_contiguous:
                product = np.matmul  # np.dot writes only C-contiguous outputs
            gw = product(xd.T, gy, out=out)
            if out is not None:  # delivered into the destination
                gw = None
        if len(inputs) == 2:
            return gx, gw
        # the bias gradient as a GEMV with ones: 2-4x faster than np.add.reduce(axis=0)
        out = self.destination(2, gy.dtype)
        gb = np.dot(ones(len(gy), gy.dtype), gy, out=out)
        return gx, gw, gb if out is None else None

    def vjp(self, gy):
        inputs = self.inputs
        x, w = inputs[0], inputs[1]
        if self.activation == "relu":  # the mask is a constant: relu's second derivative is 0
            gy = where(self.y.reshape(gy.shape) > 0, gy, 0)
        elif self.activation == "tanh":
            y = dense(*inputs, activation="tanh")  # the output again, recorded
            gy = gy * (1 - y * y)
        g2 = reshape(gy, (-1, w.shape[1]))                          # (rows, F)
        gx = reshape(matmul(g2, transpose(w)), x.shape) if x.requires_grad else None
        gw = matmul(transpose(reshape(x, (-1, w.shape[0]))), g2) if w.requires_grad else None
        if len(inputs) == 2:
            return gx, gw
        return gx, gw, sum(g2, axis=0) if inputs[2].requires_grad else None


@primitive
def dense(x, w, b=None, activation=None):
    """``activation(x @ w + b)``; activation None, "relu" or "tanh" (fused)."""
    fn = Dense(activation)
    if x.dtype.kind in "biu":  # integers meet a float kernel: Keras computes in the float dtype
        x = float_promoted(x, w.data.dtype)
    return fn(x, w) if b is None else fn(x, w, b)
