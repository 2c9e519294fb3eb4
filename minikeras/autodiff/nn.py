"""Softmax, log-softmax, logsumexp and the fused crossentropies from logits."""
import numpy as np

from .elementwise import Sigmoid
from .function import Function, unbroadcast
from .structural import _normalize_axis, _restore_reduced

# --------------------------------------------------------------------------------------
# Softmax family and fused, numerically stable crossentropies
# --------------------------------------------------------------------------------------


def _log_softmax(x, axis):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


class Softmax(Function):
    """exp(x - max) / sum(exp(x - max)) along ``axis``."""

    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, x):
        e = np.exp(x - x.max(axis=self.axis, keepdims=True))
        self.y = e / e.sum(axis=self.axis, keepdims=True)
        return self.y

    def backward(self, gy):
        y = self.y
        return (y * (gy - (gy * y).sum(axis=self.axis, keepdims=True)),)


class LogSoftmax(Function):
    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, x):
        self.y = _log_softmax(x, self.axis)
        return self.y

    def backward(self, gy):
        return (gy - np.exp(self.y) * gy.sum(axis=self.axis, keepdims=True),)


class LogSumExp(Function):
    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.axes = _normalize_axis(self.axis, x.ndim)
        m = x.max(axis=self.axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        self.y = np.log(np.exp(x - m).sum(axis=self.axes, keepdims=True)) + m
        return self.y if self.keepdims else self.y.reshape(
            [n for i, n in enumerate(x.shape) if i not in self.axes])

    def backward(self, gy):
        x = self.inputs[0]
        gy = _restore_reduced(gy, x.shape, self.axes, self.keepdims)
        return (gy * np.exp(x.data - self.y),)


class SoftmaxCrossEntropy(Function):
    """-sum(labels * log_softmax(logits)) along ``axis``: one value per sample.

    d/dlogits = softmax(logits) * sum(labels) - labels; d/dlabels = -log_softmax(logits).
    """

    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, labels, logits):
        self.log_p = _log_softmax(logits, self.axis)
        return -(labels * self.log_p).sum(axis=self.axis)

    def backward(self, gy):
        labels, logits = self.inputs
        gy = np.expand_dims(gy, self.axis)
        glabels = -gy * self.log_p if labels.requires_grad else None
        p = np.exp(self.log_p)
        glogits = gy * (p * labels.data.sum(axis=self.axis, keepdims=True) - labels.data)
        return glabels, glogits


class SigmoidCrossEntropy(Function):
    """Elementwise max(x, 0) - x*y + log(1 + exp(-|x|)): binary crossentropy from logits.

    d/dx = sigmoid(x) - y; d/dy = -x.
    """

    def forward(self, labels, logits):
        return (np.maximum(logits, 0) - logits * labels
                + np.log1p(np.exp(-np.abs(logits))))

    def backward(self, gy):
        labels, logits = self.inputs
        glogits = gy * (Sigmoid().forward(logits.data) - labels.data)
        glabels = -gy * logits.data if labels.requires_grad else None
        return (None if glabels is None else unbroadcast(glabels, labels.shape),
                unbroadcast(glogits, logits.shape))

