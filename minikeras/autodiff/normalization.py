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
    It keeps x - mean, not xhat: y = (x - mean) * (gamma / sqrt(var + eps)) + beta is two
    passes, and the backward folds 1 / sqrt(var + eps) into its per-channel factors.
    Sums over the batch are BLAS matrix-vector products, one per part of the rows
    (``parallel.for_parts``), the parts' sums added in order; each pass runs by parts too.
    """

    def __init__(self, epsilon):
        self.epsilon = epsilon

    def forward(self, x, gamma, beta):
        x2 = x.reshape(-1, x.shape[-1])                                # (n, C)
        weights = np.full(len(x2), 1.0 / max(len(x2), 1), x.dtype)
        self.mean = parallel.summed_parts(lambda a, b: weights[a:b] @ x2[a:b], len(x2),
                                          x2.size)
        centered = np.empty_like(x2)

        def center(a, b):
            np.subtract(x2[a:b], self.mean, out=centered[a:b])
            return weights[a:b] @ np.square(centered[a:b])

        self.var = parallel.summed_parts(center, len(x2), x2.size)
        self.inv = (1 / np.sqrt(self.var + self.epsilon)).astype(x.dtype, copy=False)
        scale = gamma * self.inv
        y = np.empty_like(centered)

        def normalize(a, b):
            np.multiply(centered[a:b], scale, out=y[a:b])
            y[a:b] += beta

        parallel.for_parts(normalize, len(x2), x2.size)
        self.centered = centered
        return y.reshape(x.shape)

    def backward(self, gy):
        x, gamma = self.inputs[0], self.inputs[1]
        g2 = gy.reshape(-1, gy.shape[-1])
        n = len(g2)
        ones = np.ones(n, gy.dtype)
        t = np.empty_like(g2)

        def sums(a, b):
            np.multiply(g2[a:b], self.centered[a:b], out=t[a:b])
            return np.stack([ones[a:b] @ g2[a:b], ones[a:b] @ t[a:b]])

        gbeta, centered_sum = parallel.summed_parts(sums, n, g2.size)
        ggamma = centered_sum * self.inv                               # sum(gy * xhat)
        gx = None
        if x.requires_grad:
            factor = gamma.data * self.inv
            slope = ggamma * self.inv / n                              # per unit of x - mean

            def input_grad(a, b):
                part = t[a:b]                                          # reuse t as gx
                np.multiply(self.centered[a:b], slope, out=part)
                part += gbeta / n
                np.subtract(g2[a:b], part, out=part)
                part *= factor

            parallel.for_parts(input_grad, n, g2.size)
            gx = t.reshape(x.shape)
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
