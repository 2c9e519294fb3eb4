"""Softmax, log-softmax and the fused, numerically stable crossentropies from logits.

Each Function subclass has its VJP under its forward and its callable right under it,
registered by ``@primitive``; its ``vjp`` (the gradient recorded, for
``grad(..., create_graph=True)``) recomputes what it needs from the input tensors.
"""
import numpy as np

from . import parallel
from .elementwise import Sigmoid, exp, negative, operands, sigmoid
from .function import Function, primitive, unbroadcast
from .reductions import sum
from .shape import outside_range, reshape, sum_to


def _log_softmax(x, axis):
    # the reductions as ufunc reduces: ndarray.max / .sum add a Python wrapper call each
    shifted = x - np.maximum.reduce(x, axis=axis, keepdims=True)
    return shifted - np.log(np.add.reduce(np.exp(shifted), axis=axis, keepdims=True))


class Softmax(Function):
    """exp(x - max) / sum(exp(x - max)) along ``axis``.

    Keeps the max and the sum (one value per row each): a crossentropy of the same logits
    derives its log-softmax from them (``SoftmaxCrossEntropy``'s ``softmax``) instead of
    reducing the logits twice more.

    Along the last axis of a large contiguous array (an attention's scores) the rows go by
    parts of the batch (``parallel.for_passes``), each part in cache-sized blocks of rows
    (``parallel.row_blocks``): a block's max, exp, sum and division run on data still in
    cache. Each row's numbers are those of whole-array passes (every reduction is along its
    own row).
    """

    replayable = True

    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, x):
        if not self._by_rows(x):
            self.max = np.maximum.reduce(x, axis=self.axis, keepdims=True)
            e = np.exp(x - self.max)
            self.total = np.add.reduce(e, axis=self.axis, keepdims=True)
            self.y = np.divide(e, self.total, out=e)
            return self.y
        width = x.shape[-1]
        x2, y = x.reshape(-1, width), np.empty_like(x)
        y2 = y.reshape(x2.shape)
        self.max, self.total = (np.empty(x.shape[:-1] + (1,), x.dtype) for _ in range(2))
        max2, total2 = self.max.reshape(-1, 1), self.total.reshape(-1, 1)

        def rows(a, b):
            for lo, hi in parallel.row_blocks(a, b, width):
                row_max = np.maximum.reduce(x2[lo:hi], axis=1, keepdims=True, out=max2[lo:hi])
                e = np.subtract(x2[lo:hi], row_max, out=y2[lo:hi])
                np.exp(e, out=e)
                e /= np.add.reduce(e, axis=1, keepdims=True, out=total2[lo:hi])

        parallel.for_passes(rows, len(x2), x2.size, passes=5)
        self.y = y
        return y

    def backward(self, gy):
        y = self.y
        if not (self._by_rows(y) and gy.shape == y.shape and gy.flags.c_contiguous):
            return (y * (gy - (gy * y).sum(axis=self.axis, keepdims=True)),)
        width = y.shape[-1]
        y2, g2 = y.reshape(-1, width), gy.reshape(-1, width)
        gx = np.empty_like(y2)

        def rows(a, b):   # y * (gy - sum(gy * y)), row by row
            for lo, hi in parallel.row_blocks(a, b, width):
                block = np.multiply(g2[lo:hi], y2[lo:hi], out=gx[lo:hi])
                dot = np.add.reduce(block, axis=1, keepdims=True)
                np.subtract(g2[lo:hi], dot, out=block)
                block *= y2[lo:hi]

        parallel.for_passes(rows, len(y2), y2.size, passes=4)
        return (gx.reshape(y.shape),)

    def vjp(self, gy):
        y = softmax(self.inputs[0], self.axis)  # the output again, recorded
        return (y * (gy - sum(gy * y, self.axis, keepdims=True)),)

    def _by_rows(self, x):
        """Whether the softmax goes by blocks of rows: along the last axis of a contiguous
        array larger than one block (a classifier's (batch, classes) is plain passes: the
        blocks' bookkeeping would double its 10 us at 32 x 10)."""
        return (x.size > parallel.BLOCK_ELEMENTS and isinstance(self.axis, int)
                and self.axis % x.ndim == x.ndim - 1 and x.flags.c_contiguous)


@primitive
def softmax(x, axis=-1):
    return Softmax(axis)(x)


class LogSoftmax(Function):
    replayable = True

    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, x):
        self.y = _log_softmax(x, self.axis)
        return self.y

    def backward(self, gy):
        return (gy - np.exp(self.y) * gy.sum(axis=self.axis, keepdims=True),)

    def vjp(self, gy):
        return (gy - softmax(self.inputs[0], self.axis) * sum(gy, self.axis, keepdims=True),)


@primitive
def log_softmax(x, axis=-1):
    return LogSoftmax(axis)(x)


class SoftmaxCrossEntropy(Function):
    """-sum(labels * log_softmax(logits)) along ``axis``: one value per sample.

    d/dlogits = softmax(logits) * sum(labels) - labels; d/dlabels = -log_softmax(logits).

    ``softmax``: the ``Softmax`` node that took these very logits along the same axis, or
    None. Its max and sum give log_softmax = (logits - max) - log(sum) with the operations
    ``_log_softmax`` does, so the same numbers, without its two reductions and exp.

    ``sparse``: the labels are class indices (logits' shape without ``axis``, any number
    type, cut to integers), made one-hot rows here (an index outside ``[0, C)`` an all-zero
    row: no loss, no gradient), and only each row's labelled entry is read (a -inf logit of
    another class costs nothing, where the product 0 · -inf would be nan), as a gather of
    the label's log-probability reads it. ``checked``, a loss's name: an index outside
    ``[0, C)`` raises that loss's ValueError instead (``check_labels``), so a recorded
    step run again (replay.py) checks each batch's labels as the loss's Python did.
    """

    replayable = True

    def __init__(self, axis=-1, softmax=None, sparse=False, checked=None):
        self.axis = axis
        self.softmax = softmax
        self.sparse = sparse
        self.checked = checked

    def forward(self, labels, logits):
        if self.sparse:
            labels = self.hot = self._one_hot(labels, logits)
        softmax = self.softmax
        if softmax is None:
            self.log_p = _log_softmax(logits, self.axis)
        else:
            self.log_p = (logits - softmax.max) - np.log(softmax.total)
            self.softmax = None  # only its two small arrays were needed
        terms = labels * self.log_p
        if self.sparse:
            terms[labels == 0] = 0
        loss = np.add.reduce(terms, axis=self.axis)
        return np.negative(loss, out=loss) if isinstance(loss, np.ndarray) else -loss

    def _one_hot(self, labels, logits):
        """The one-hot rows of class indices ``labels`` along ``axis`` of ``logits``."""
        classes = logits.shape[self.axis]
        labels = labels.astype(np.int64, copy=False)
        if self.checked is not None:
            check_labels(self.checked, labels, classes, logits.shape)
        hot = (np.arange(classes) == labels[..., None]).astype(logits.dtype)
        return hot if self.axis % logits.ndim == logits.ndim - 1 else \
            np.moveaxis(hot, -1, self.axis)

    def backward(self, gy):
        labels, logits = self.inputs
        shape = list(self.log_p.shape)
        shape[self.axis] = 1
        gy = gy.reshape(shape)  # as np.expand_dims(gy, axis), without its argument checks
        glabels = -gy * self.log_p if labels.requires_grad else None
        y = self.hot if self.sparse else labels.data
        p = np.exp(self.log_p)
        return glabels, gy * (p * np.add.reduce(y, axis=self.axis, keepdims=True) - y)

    def vjp(self, gy):
        labels, logits = self.inputs
        shape = list(self.log_p.shape)
        shape[self.axis] = 1
        gy = reshape(gy, shape)
        log_p = log_softmax(logits, self.axis)  # recorded
        glabels = negative(gy) * log_p if labels.requires_grad else None
        y = self.hot if self.sparse else labels  # class indices: their one-hot rows, constant
        return glabels, gy * (exp(log_p) * sum(y, self.axis, keepdims=True) - y)


def check_labels(loss_name, labels, classes, pred_shape):
    """Raise the ValueError of sparse loss ``loss_name`` when an entry of the integer
    array ``labels`` is outside ``[0, classes)`` (predictions of ``pred_shape``)."""
    bad = outside_range(labels, classes)
    if bad is not None:
        raise ValueError(
            f"{loss_name}: label {bad} is outside the valid range [0, {classes}) for a y_pred "
            f"with {classes} classes (y_pred.shape={tuple(pred_shape)}). Labels must be "
            "0-based class indices; give the last layer more units or fix the labels.")


@primitive
def softmax_cross_entropy(labels, logits, axis=-1, probabilities=None, sparse=False,
                          checked=None):
    """``-sum(labels * log_softmax(logits), axis)``. ``probabilities``, when given, may be
    the softmax of ``logits`` along ``axis``: if the graph shows it is (its creator is the
    ``Softmax`` node that took ``logits``), that node's max and sum are reused. ``sparse``:
    the labels are class indices (one per row along ``axis``), and only their labelled
    entries are read; ``checked`` (a loss's name): such an index outside ``[0, C)`` raises
    that loss's ValueError."""
    made_by = getattr(probabilities, "creator", None)
    if not (isinstance(made_by, Softmax) and made_by.inputs and made_by.inputs[0] is logits
            and isinstance(made_by.axis, int)  # (a softmax over several axes: not this one)
            and made_by.axis % logits.ndim == axis % logits.ndim):
        made_by = None
    return SoftmaxCrossEntropy(axis, made_by, sparse, checked)(labels, logits)


class SigmoidCrossEntropy(Function):
    """Elementwise max(x, 0) - x*y + log(1 + exp(-|x|)): binary crossentropy from logits.
    At an infinite logit, -y·log σ(x) - (1 - y)·log σ(-x) as Keras on jax computes it: inf
    on the wrong side, where the stable form gives inf - inf = nan (on the right side both
    give 0·inf = nan).

    d/dx = sigmoid(x) - y; d/dy = -x.
    """

    replayable = True

    def forward(self, labels, logits):
        out = np.maximum(logits, 0) - logits * labels + np.log1p(np.exp(-np.abs(logits)))
        infinite = np.isinf(logits)
        if infinite.any():
            infinite = np.broadcast_to(infinite, out.shape)
            x = np.broadcast_to(logits, out.shape)[infinite]
            y = np.broadcast_to(labels, out.shape)[infinite]
            out[infinite] = y * np.logaddexp(0, -x) + (1 - y) * np.logaddexp(0, x)
        return out

    def backward(self, gy):
        labels, logits = self.inputs
        glogits = gy * (Sigmoid().forward(logits.data) - labels.data)
        glabels = -gy * logits.data if labels.requires_grad else None
        return (None if glabels is None else unbroadcast(glabels, labels.shape),
                unbroadcast(glogits, logits.shape))

    def vjp(self, gy):
        labels, logits = self.inputs
        glabels = sum_to(negative(gy) * logits, labels.shape) if labels.requires_grad else None
        return glabels, sum_to(gy * (sigmoid(logits) - labels), logits.shape)


@primitive
def sigmoid_cross_entropy(labels, logits):
    labels, logits = operands(labels, logits)
    return SigmoidCrossEntropy()(labels, logits)
