"""Fused training-mode batch normalization, its VJP under its forward and its callable
right under it, registered by ``@primitive``.

Their ``vjp`` (the gradient recorded, for ``grad(..., create_graph=True)``) is the recorded
gradient of their formula written with primitives (``function.recorded_vjp``): the same
derivative, to any order, without a second hand-written one.
"""
import numpy as np

from . import parallel
from .elementwise import sqrt
from .function import Function, primitive, recorded_vjp
from .reductions import mean
from .tensor import Tensor


def _normalized(x, axes, epsilon):
    """(x - mean) / sqrt(var + epsilon), the statistics over ``axes``, with primitives."""
    centered = x - mean(x, axes, keepdims=True)
    return centered / sqrt(mean(centered * centered, axes, keepdims=True) + epsilon)


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

    Given a layer's moving statistics (two variables and the momentum), the forward also
    updates them: ``moving = moving * momentum + batch statistic * (1 - momentum)``, so a
    recorded step run again (replay.py) updates them as the eager step does.
    """

    replayable = True

    def __init__(self, epsilon, moving_mean=None, moving_variance=None, momentum=None):
        self.epsilon = epsilon
        self.moving_mean, self.moving_variance = moving_mean, moving_variance
        self.momentum = momentum
        self.assigns = 0 if moving_mean is None else 2

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
        if self.moving_mean is not None:
            m = self.momentum
            self.moving_mean.assign(self.moving_mean.value * m + self.mean * (1 - m))
            self.moving_variance.assign(self.moving_variance.value * m + self.var * (1 - m))
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

    def vjp(self, gy):
        return recorded_vjp(self, gy, lambda x, gamma, beta: _normalized(
            x, tuple(range(x.ndim - 1)), self.epsilon) * gamma + beta)


@primitive
def batch_norm_training(x, gamma, beta, epsilon=1e-3, moving_mean=None, moving_variance=None,
                        momentum=None):
    """Fused training-mode batch normalization over every axis but the last.

    Returns ``(y, mean, variance)``: y is differentiable w.r.t. x, gamma and beta; mean
    and (biased) variance are the batch statistics, shape (C,), outside the graph. Given
    the variables ``moving_mean`` and ``moving_variance`` and the ``momentum``, it updates
    them with the batch statistics (``BatchNormTraining``).
    """
    fn = BatchNormTraining(epsilon, moving_mean, moving_variance, momentum)
    y = fn(x, gamma, beta)
    return y, Tensor(fn.mean), Tensor(fn.var)


class LayerNormLastAxis(Function):
    """Layer normalization over the last axis, as Keras computes it::

        inv = gamma / sqrt(var + epsilon);  y = x * inv + (beta - mean * inv)
    with mean and (biased) var per row; without gamma inv is 1 / sqrt(var + epsilon),
    without beta the shift is -mean * inv. Backward, with xhat = (x - mean) / sqrt(var +
    epsilon), g = gy * gamma and C the row length: dx = (g - mean(g) - xhat mean(g xhat)) /
    sqrt(var + epsilon), dgamma = sum(gy xhat), dbeta = sum(gy) over the rows.

    Row means are BLAS matrix-vector products (numpy's reduction of short rows pays its
    per-row overhead: 51,200 rows of 32 features, mean 2.7 ms against 0.3 ms); the rows
    go by parts (``parallel.for_parts``), each part in cache-sized blocks. Inputs: x, then
    gamma if ``has_gamma``, then beta if ``has_beta``.
    """

    replayable = True

    def __init__(self, epsilon, has_gamma, has_beta):
        self.epsilon, self.has_gamma, self.has_beta = epsilon, has_gamma, has_beta

    def forward(self, x, *weights):
        gamma = weights[0] if self.has_gamma else None
        beta = weights[-1] if self.has_beta else None
        width = x.shape[-1]
        x2 = x.reshape(-1, width)
        y2 = np.empty_like(x2)
        self.mean, self.inv = np.empty(len(x2), x.dtype), np.empty(len(x2), x.dtype)
        by_count = np.full(width, 1.0 / width, x.dtype)

        def rows(a, b):
            blocks = parallel.row_blocks(a, b, width)
            scale = parallel.block_buffer(blocks, width, x.dtype)
            for lo, hi in blocks:
                xb, sb = x2[lo:hi], scale[:hi - lo]
                mean = np.matmul(xb, by_count, out=self.mean[lo:hi])[:, None]
                centered = np.subtract(xb, mean, out=y2[lo:hi])
                np.square(centered, out=centered)
                inv = np.matmul(centered, by_count, out=self.inv[lo:hi])
                inv += self.epsilon
                np.sqrt(inv, out=inv)
                np.divide(1, inv, out=inv)
                if gamma is None:
                    sb[...] = inv[:, None]
                else:
                    np.multiply(inv[:, None], gamma, out=sb)
                out = np.multiply(xb, sb, out=y2[lo:hi])
                shift = np.multiply(mean, sb, out=sb)
                if beta is None:
                    out -= shift
                else:
                    out += np.subtract(beta, shift, out=shift)

        parallel.for_parts(rows, len(x2), x2.size)
        return y2.reshape(x.shape)

    def backward(self, gy):
        x = self.inputs[0].data
        gamma = self.inputs[1].data if self.has_gamma else None
        width = x.shape[-1]
        x2, g2 = x.reshape(-1, width), gy.reshape(-1, width)
        gx = np.empty_like(g2) if self.inputs[0].requires_grad else None
        ones = np.ones(max(len(x2), width), x.dtype)

        def rows(a, b):  # the part's [sum(gy xhat), sum(gy)] over its rows
            blocks = parallel.row_blocks(a, b, width)
            xhat_buffer, g_buffer = (parallel.block_buffer(blocks, width, x.dtype)
                                     for _ in range(2))
            total = 0
            for lo, hi in blocks:
                n = hi - lo
                mean, inv = self.mean[lo:hi, None], self.inv[lo:hi, None]
                xhat = np.subtract(x2[lo:hi], mean, out=xhat_buffer[:n])
                xhat *= inv
                product = np.multiply(g2[lo:hi], xhat, out=g_buffer[:n])
                total = total + np.stack([ones[:n] @ product, ones[:n] @ g2[lo:hi]])
                if gx is None:
                    continue
                g = g2[lo:hi] if gamma is None else np.multiply(g2[lo:hi], gamma,
                                                                  out=g_buffer[:n])
                mean_g = np.matmul(g, ones[:width])[:, None] / width
                mean_gx = np.matmul(np.multiply(g, xhat, out=gx[lo:hi]),
                                    ones[:width])[:, None] / width
                xhat *= mean_gx
                out = np.subtract(g, mean_g, out=gx[lo:hi])
                out -= xhat
                out *= inv
            return total

        dgamma, dbeta = parallel.summed_parts(rows, len(x2), x2.size)
        grads = [None if gx is None else gx.reshape(x.shape)]
        if self.has_gamma:
            grads.append(dgamma)
        if self.has_beta:
            grads.append(dbeta)
        return tuple(grads)

    def vjp(self, gy):
        return recorded_vjp(self, gy, self._composed)

    def _composed(self, x, *weights):
        y = _normalized(x, -1, self.epsilon)
        if self.has_gamma:
            y = y * weights[0]
        return y + weights[-1] if self.has_beta else y


@primitive
def layer_norm(x, gamma=None, beta=None, epsilon=1e-3):
    """Layer normalization over the last axis of x, Keras's formula (``LayerNormLastAxis``);
    ``gamma`` and ``beta`` (each of the last axis's length) may be None."""
    fn = LayerNormLastAxis(epsilon, gamma is not None, beta is not None)
    return fn(x, *[w for w in (gamma, beta) if w is not None])
