"""Fused training-mode batch normalization, its VJP under its forward and its callable
right under it, registered by ``@primitive``.
"""
import numpy as np

from . import parallel
from .function import Function, primitive
from .tensor import Tensor


class BatchNormTraining(Function):
    """Normalize x over every axis but the last with the batch statistics, then scale and shift.

    Formula: ``y = gamma * (x - mean) / sqrt(var + epsilon) + beta``, mean and biased var
    over all axes but the last. With xhat = (x - mean) / sqrt(var + eps) and n the count,
    d/dx = gamma / sqrt(var + eps) * (gy - (sum(gy) + xhat * sum(gy * xhat)) / n),
    d/dgamma = sum(gy * xhat), d/dbeta = sum(gy). The batch statistics are kept on
    ``self.mean`` and ``self.var`` (for the moving averages; they carry no gradient).
    It keeps x - mean, not xhat: y = (x - mean) * (gamma / sqrt(var + eps)) + beta, and the
    backward folds 1 / sqrt(var + eps) into its per-channel factors.
    Sums over the batch are BLAS matrix-vector products, one per part of the rows
    (``parallel.for_parts``), the parts' sums added in order; each part runs its passes in
    cache-sized blocks of rows (``_row_blocks``), the blocks' sums added in order.
    """

    def __init__(self, epsilon):
        self.epsilon = epsilon

    def forward(self, x, gamma, beta):
        x2 = x.reshape(-1, x.shape[-1])                                # (n, C)
        n, width = x2.shape
        weights = np.full(n, 1.0 / max(n, 1), x.dtype)
        self.mean = parallel.summed_parts(lambda a, b: weights[a:b] @ x2[a:b], n, x2.size)
        centered = np.empty_like(x2)

        def center(a, b):  # the part's sum of squares over n
            blocks = parallel.row_blocks(a, b, width)
            square, total = parallel.block_buffer(blocks, width, x2.dtype), 0
            for lo, hi in blocks:
                block = np.subtract(x2[lo:hi], self.mean, out=centered[lo:hi])
                total = total + weights[lo:hi] @ np.square(block, out=square[:hi - lo])
            return total

        self.var = parallel.summed_parts(center, n, x2.size)
        self.inv = (1 / np.sqrt(self.var + self.epsilon)).astype(x.dtype, copy=False)
        scale = gamma * self.inv
        y = np.empty_like(centered)

        def normalize(a, b):
            for lo, hi in parallel.row_blocks(a, b, width):
                block = np.multiply(centered[lo:hi], scale, out=y[lo:hi])
                block += beta

        parallel.for_parts(normalize, n, x2.size)
        self.centered = centered
        return y.reshape(x.shape)

    def backward(self, gy):
        x, gamma = self.inputs[0], self.inputs[1]
        g2 = gy.reshape(-1, gy.shape[-1])
        n, width = g2.shape
        ones = np.ones(n, gy.dtype)

        def sums(a, b):  # the part's [sum(gy), sum(gy * (x - mean))]
            blocks = parallel.row_blocks(a, b, width)
            product, total = parallel.block_buffer(blocks, width, g2.dtype), 0
            for lo, hi in blocks:
                np.multiply(g2[lo:hi], self.centered[lo:hi], out=product[:hi - lo])
                total = total + np.stack([ones[lo:hi] @ g2[lo:hi],
                                          ones[lo:hi] @ product[:hi - lo]])
            return total

        gbeta, centered_sum = parallel.summed_parts(sums, n, g2.size)
        ggamma = centered_sum * self.inv                               # sum(gy * xhat)
        gx = None
        if x.requires_grad:
            factor = gamma.data * self.inv
            slope = ggamma * self.inv / n                              # per unit of x - mean
            mean_gy = gbeta / n
            gx = np.empty_like(g2)

            def input_grad(a, b):
                for lo, hi in parallel.row_blocks(a, b, width):
                    block = np.multiply(self.centered[lo:hi], slope, out=gx[lo:hi])
                    block += mean_gy
                    np.subtract(g2[lo:hi], block, out=block)
                    block *= factor

            parallel.for_parts(input_grad, n, g2.size)
            gx = gx.reshape(x.shape)
        return gx, ggamma, gbeta


@primitive
def batch_norm_training(x, gamma, beta, epsilon=1e-3):
    """Fused training-mode batch normalization over every axis but the last.

    Returns ``(y, mean, variance)``: y is differentiable w.r.t. x, gamma and beta; mean
    and (biased) variance are the batch statistics, shape (C,), outside the graph.
    """
    fn = BatchNormTraining(epsilon)
    y = fn(x, gamma, beta)
    return y, Tensor(fn.mean), Tensor(fn.var)
