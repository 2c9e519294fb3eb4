"""Softmax, log-softmax and the fused, numerically stable crossentropies from logits.

Each Function subclass has its VJP under its forward and its callable right under it,
registered by ``@primitive``.
"""
import numpy as np

from .elementwise import Sigmoid, operands
from .function import Function, primitive, unbroadcast


def _log_softmax(x, axis):
    # the reductions as ufunc reduces: ndarray.max / .sum add a Python wrapper call each
    shifted = x - np.maximum.reduce(x, axis=axis, keepdims=True)
    return shifted - np.log(np.add.reduce(np.exp(shifted), axis=axis, keepdims=True))


class Softmax(Function):
    """exp(x - max) / sum(exp(x - max)) along ``axis``."""

    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, x):
        e = np.exp(x - np.maximum.reduce(x, axis=self.axis, keepdims=True))
        self.y = e / np.add.reduce(e, axis=self.axis, keepdims=True)
        return self.y

    def backward(self, gy):
        y = self.y
        return (y * (gy - (gy * y).sum(axis=self.axis, keepdims=True)),)


@primitive
def softmax(x, axis=-1):
    return Softmax(axis)(x)


class LogSoftmax(Function):
    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, x):
        self.y = _log_softmax(x, self.axis)
        return self.y

    def backward(self, gy):
        return (gy - np.exp(self.y) * gy.sum(axis=self.axis, keepdims=True),)


@primitive
def log_softmax(x, axis=-1):
    return LogSoftmax(axis)(x)


class SoftmaxCrossEntropy(Function):
    """-sum(labels * log_softmax(logits)) along ``axis``: one value per sample.

    d/dlogits = softmax(logits) * sum(labels) - labels; d/dlabels = -log_softmax(logits).
    """

    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, labels, logits):
        self.log_p = _log_softmax(logits, self.axis)
        loss = np.add.reduce(labels * self.log_p, axis=self.axis)
        return np.negative(loss, out=loss) if isinstance(loss, np.ndarray) else -loss

    def backward(self, gy):
        labels, logits = self.inputs
        shape = list(self.log_p.shape)
        shape[self.axis] = 1
        gy = gy.reshape(shape)  # as np.expand_dims(gy, axis), without its argument checks
        glabels = -gy * self.log_p if labels.requires_grad else None
        y = labels.data
        p = np.exp(self.log_p)
        return glabels, gy * (p * np.add.reduce(y, axis=self.axis, keepdims=True) - y)


@primitive
def softmax_cross_entropy(labels, logits, axis=-1):
    return SoftmaxCrossEntropy(axis)(labels, logits)


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


@primitive
def sigmoid_cross_entropy(labels, logits):
    labels, logits = operands(labels, logits)
    return SigmoidCrossEntropy()(labels, logits)
