"""The fused core of multi-head attention, its VJP under its forward and its callable right
under it, registered by ``@primitive``.

Why fused: composed of a product, a softmax and a product, attention writes its scores
(batch, heads, T, S) once, then reads and writes them in the softmax and reads them again,
and those passes are memory-bound (at T = S = 200, 2 heads and batch 256: 80 MB a pass).
Here each sample's scores (heads, T, S) are made, normalized and used while they are in
cache (320 KB in that example), with one batched product over the sample's heads each way
(over groups of heads when a sample's scores would not fit: ``BLOCK_SCORES``), and the
parts of the batch run on the threads (``parallel.for_parts``). The scores are kept for
the backward only while gradients are recorded. Its ``vjp`` (second order) is the recorded
gradient of the same formula written with the primitives.
"""
import numpy as np

from . import grad_mode, parallel, scratch
from .function import Function, primitive, recorded_vjp
from .linear import matmul
from .noise import masked_scale
from .replay import compared
from .shape import transpose
from .softmax_crossentropy import softmax
from .tensor import Tensor


# Scores per block of a sample's heads: a block's softmax passes run in cache (one sample of
# 2 heads at T = S = 200 is 80K; a head at T = S = 500 is 250K; 4 of them were 1M).
BLOCK_SCORES = 1 << 18


def _head_groups(heads, scores_per_head):
    """Consecutive slices of the heads, each at most ``BLOCK_SCORES`` scores (at least one
    head); the first is the longest."""
    size = max(1, BLOCK_SCORES // max(scores_per_head, 1))
    return [slice(h, min(h + size, heads)) for h in range(0, heads, size)]


def masked_addend(dtype):
    """What a masked score gets before the softmax, as Keras's Softmax layer adds it."""
    return -3e4 if np.dtype(dtype) == np.float16 else -1e9


class Attention(Function):
    """out[b, t, n] = sum_s A[b, n, t, s] v[b, s, n] with A[b, n] = softmax over s of
    q[b, t, n] · k[b, s, n] (q already scaled), masked as Keras's ``Softmax`` layer masks:
    where ``keep`` is False the score gets ``masked_addend`` before the softmax and the
    probability is multiplied by 0 after it. A query row masked everywhere comes out 0, or
    with ``all_masked_uniform`` 1/S everywhere, as Keras's fused kernel gives it (its scores
    there are all one number); either way that row's weights do not depend on q and k.

    Shapes: q (B, T, N, H), k (B, S, N, H), v (B, S, N, Hv) -> (B, T, N, Hv); ``keep`` a
    boolean array that broadcasts to (B, N, T, S), or None. ``dropped`` (B, N, T, S), the
    boolean mask of a Dropout on the weights (True: kept), with ``dropout_scale`` (1 / (1 -
    rate)): the weights times that mask times the scale multiply v, as ``masked_scale``
    computes them; the backward takes the same mask.

    Each sample's scores are held transposed, Aᵀ (heads, S, T): the softmax then reduces
    over the middle axis, which numpy does as whole-row passes (max, sum) instead of one
    short reduction per query row (T = S = 200, two heads: 78 against 122 us a sample), and
    the sums are matrix-vector products with ones. Backward, per sample: dv = Aᵀ dout,
    dAᵀ = v doutᵀ, dZᵀ = Aᵀ (dAᵀ - colsum(dAᵀ Aᵀ)), dq = dZ k, dk = dZᵀ q. (A is 0 where
    masked, so the mask needs no second look: A dA is 0 there.)
    """

    def __init__(self, keep=None, record=True, all_masked_uniform=False, dropped=None,
                 dropout_scale=None):
        # a mask or a dropout mask is an array of this call's: not compared between recordings
        self.replayable = compared(keep, dropped)
        self.keep = keep
        self.all_masked_uniform = all_masked_uniform
        self.record = record  # whether backward will run: then the scores are kept
        # (B, N, S, T): the dropout mask as the transposed scores take it, or None
        self.dropped_t = None if dropped is None else dropped.transpose(0, 1, 3, 2)
        self.dropout_scale = dropout_scale

    def forward(self, q, k, v):
        batch, t, heads = q.shape[:3]
        s, dtype = k.shape[1], np.result_type(q, k, v)
        out = np.empty((batch, t, heads, v.shape[-1]), dtype)
        parallel.count_products(batch * heads * t * s * (q.shape[-1] + v.shape[-1]), "owned")
        # (B, N, S, T): the mask as the transposed scores take it
        keep = None if self.keep is None else np.broadcast_to(
            self.keep, (batch, heads, t, s)).transpose(0, 1, 3, 2)
        self.keep_t, self.ones = keep, np.ones(s, dtype)
        record = self.record
        # held until this primitive is freed: the next step's scores reuse mapped memory (a
        # replayed step's, the array this primitive held before)
        self.scores_t = scratch.hold_again(self, (batch, heads, s, t), dtype) if record \
            else None
        addend = np.asarray(masked_addend(dtype), dtype)
        uniform = np.asarray(1 / s, dtype) if self.all_masked_uniform else None
        groups = _head_groups(heads, s * t)
        dropped, scale = self.dropped_t, np.asarray(self.dropout_scale or 1, dtype)

        def samples(start, stop):
            buffer = None if record and dropped is None else np.empty(
                (groups[0].stop, s, t), dtype)
            for b in range(start, stop):
                for h in groups:
                    z = self.scores_t[b, h] if record else buffer[:h.stop - h.start]
                    np.matmul(k[b, :, h].transpose(1, 0, 2), q[b, :, h].transpose(1, 2, 0),
                              out=z)                                     # (heads, S, T)
                    if keep is not None:
                        z += np.where(keep[b, h], np.zeros((), dtype), addend)
                    self._softmax_columns(z)
                    if keep is not None:
                        z *= keep[b, h]
                        if uniform is not None:  # 1/S on the rows masked everywhere (now 0)
                            z += ~np.any(keep[b, h], axis=-2, keepdims=True) * uniform
                    if dropped is not None:  # the kept scores stay undropped for the backward
                        z = _drop(z, dropped[b, h], scale, buffer[:h.stop - h.start])
                    np.matmul(z.transpose(0, 2, 1), v[b, :, h].transpose(1, 0, 2),
                              out=out[b, :, h].transpose(1, 0, 2))

        parallel.for_parts(samples, batch, batch * heads * t * s)
        return out

    def _softmax_columns(self, z):
        """z (N, S, T) <- its softmax over S, in place."""
        column_max = np.maximum.reduce(z, axis=-2, keepdims=True)
        np.subtract(z, column_max, out=z)
        np.exp(z, out=z)
        z /= np.matmul(self.ones, z)[:, None, :]

    def backward(self, gy):
        q, k, v = (x.data for x in self.inputs)
        batch = q.shape[0]
        scores_t, keep = self.scores_t, self.keep_t
        grads = [np.empty_like(x) if x.requires_grad else None for x in self.inputs]
        gq, gk, gv = grads
        groups = _head_groups(scores_t.shape[1], scores_t.shape[2] * scores_t.shape[3])
        dropped, scale = self.dropped_t, np.asarray(self.dropout_scale or 1, scores_t.dtype)

        def samples(start, stop):
            buffer, weights = (np.empty((groups[0].stop,) + scores_t.shape[2:], scores_t.dtype)
                               for _ in range(2))
            for b in range(start, stop):
                for h in groups:
                    a_t, g = scores_t[b, h], gy[b, :, h].transpose(1, 0, 2)   # g: (heads, T, Hv)
                    dz = buffer[:h.stop - h.start]
                    if gv is not None:
                        used = a_t if dropped is None else _drop(
                            a_t, dropped[b, h], scale, weights[:h.stop - h.start])
                        np.matmul(used, g, out=gv[b, :, h].transpose(1, 0, 2))
                    np.matmul(v[b, :, h].transpose(1, 0, 2), g.transpose(0, 2, 1), out=dz)  # dAᵀ
                    if dropped is not None:  # through the dropout
                        _drop(dz, dropped[b, h], scale, dz)
                    dot = np.matmul(self.ones, dz * a_t)[:, None, :]    # the softmax's VJP
                    dz -= dot
                    dz *= a_t
                    if self.all_masked_uniform and keep is not None:  # uniform rows: constants
                        dz *= np.any(keep[b, h], axis=-2, keepdims=True)
                    if gq is not None:
                        np.matmul(dz.transpose(0, 2, 1), k[b, :, h].transpose(1, 0, 2),
                                  out=gq[b, :, h].transpose(1, 0, 2))
                    if gk is not None:
                        np.matmul(dz, q[b, :, h].transpose(1, 0, 2),
                                  out=gk[b, :, h].transpose(1, 0, 2))

        parallel.for_parts(samples, batch, scores_t.size)
        return tuple(grads)


    def vjp(self, gy):
        return recorded_vjp(self, gy, self._composed)

    def _composed(self, q, k, v):
        """The same attention written with the primitives (for ``vjp``): (B, N, T, S)
        scores, the masked softmax over S, the dropout, the product with v."""
        scores = matmul(transpose(q, (0, 2, 1, 3)), transpose(k, (0, 2, 3, 1)))
        if self.keep is not None:
            addend = np.asarray(masked_addend(scores.dtype), scores.dtype)
            scores = scores + np.where(self.keep, np.zeros((), scores.dtype), addend)
        weights = softmax(scores, axis=-1)
        if self.keep is not None:
            weights = weights * self.keep.astype(weights.dtype)
            if self.all_masked_uniform:  # 1/S on the rows masked everywhere (a constant)
                everywhere = ~np.any(self.keep, axis=-1, keepdims=True)
                weights = weights + everywhere * np.asarray(1 / k.shape[1], weights.dtype)
        if self.dropped_t is not None:
            weights = masked_scale(weights, self.dropped_t.transpose(0, 1, 3, 2),
                                   self.dropout_scale)
        return transpose(matmul(weights, transpose(v, (0, 2, 1, 3))), (0, 2, 1, 3))


def _drop(z, kept, scale, out):
    """out <- z * kept * scale (``masked_scale``'s rounding)."""
    np.multiply(z, kept, out=out)
    out *= scale
    return out


@primitive
def attention(q, k, v, keep=None, all_masked_uniform=False, dropped=None, dropout_scale=None):
    """``dropout(softmax(q kᵀ, masked)) v`` per sample and head: q (B, T, N, H) already
    scaled, k (B, S, N, H), v (B, S, N, Hv) -> (B, T, N, Hv); ``keep`` (broadcasting to (B,
    N, T, S)) is True where a query position may attend to a key position. Query rows masked
    everywhere weigh every key 1/S with ``all_masked_uniform``, else 0. ``dropped`` (B, N,
    T, S) and ``dropout_scale``: a dropout's kept entries and scale, or None."""
    if keep is not None:
        keep = np.asarray(getattr(keep, "data", keep), bool)
    record = grad_mode.is_grad_enabled() and any(
        isinstance(x, Tensor) and x.requires_grad for x in (q, k, v))
    return Attention(keep, record, all_masked_uniform, dropped, dropout_scale)(q, k, v)
