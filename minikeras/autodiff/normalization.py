"""Fused training-mode batch normalization, its VJP under its forward and its callable
right under it, registered by ``@primitive``.
"""
import numpy as np

from .function import Function, primitive
from .tensor import Tensor


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


@primitive
def batch_norm_training(x, gamma, beta, epsilon=1e-3):
    """Fused training-mode batch normalization over every axis but the last.

    Returns ``(y, mean, variance)``: y is differentiable w.r.t. x, gamma and beta; mean
    and (biased) variance are the batch statistics, shape (C,), outside the graph.
    """
    fn = BatchNormTraining(epsilon)
    y = fn(x, gamma, beta)
    return y, Tensor(fn.mean), Tensor(fn.var)
