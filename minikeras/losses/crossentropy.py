"""Crossentropies: binary, categorical (one-hot targets) and sparse categorical (integer labels).

The math is ``keras.ops``'s (``ops.binary_crossentropy`` and friends: probabilities
clipped to ``[eps, 1 - eps]`` exactly where Keras clips, the fused stable primitives
from logits); the losses here add input checks, label smoothing, ``ignore_class``
and the means, as Keras's losses do.

The logits shortcut lives here, in ``logits_or_none``: when ``y_pred`` is the output of
a sigmoid (binary) or softmax (categorical) activation it carries its logits in
``Tensor.logits``; with ``from_logits=False`` those logits are used instead of the
clipped probabilities (as Keras's TensorFlow backend does), so neither the loss nor
its gradient saturates.
"""
from .. import ops
from ..autodiff import primitives as P
from ..autodiff.grad_mode import no_grad
from ..autodiff.tensor import Tensor
from ..backend import xp
from .checks import (check_one_hot_targets, check_same_shape, sparse_labels,
                     warn_if_logits_of_probabilities, warn_if_not_probabilities)
from .loss import (LOSS_ARGS_DOC, LOSSES, LossFunctionWrapper, prepare, set_loss_mask,
                   squeeze_or_expand_to_same_rank, to_float_tensor, with_logits)


def logits_or_none(name, y_pred, from_logits, kind, axis=-1):
    """The logits to use: y_pred itself, a sigmoid/softmax output's logits, or None."""
    if from_logits:
        warn_if_logits_of_probabilities(name, y_pred)
        return y_pred
    logits = activation_logits(y_pred, kind, axis)
    if logits is None:
        warn_if_not_probabilities(name, y_pred, upper=kind == "sigmoid")
    return logits


def activation_logits(y_pred, kind, axis=-1):
    """The logits behind ``y_pred`` if it is the output of a ``kind`` activation, else None.

    ``kind`` is ``"sigmoid"`` or ``"softmax"`` (along ``axis``). While recording,
    the producing primitive tells; without a graph (inference), the logits count
    only if applying the activation to them reproduces ``y_pred``.
    """
    z = getattr(y_pred, "logits", None)
    if z is None or z.shape != y_pred.shape:
        return None
    creator = y_pred.creator
    made_by = type(creator).__name__.lower() if creator is not None else None
    if made_by in ("sigmoid", "softmax"):
        if made_by != kind:
            return None
        if kind == "softmax" and getattr(creator, "axis", axis) % y_pred.ndim != axis % y_pred.ndim:
            return None
        return z
    with no_grad():
        raw = Tensor(z.data)
        ref = ops.sigmoid(raw) if kind == "sigmoid" else ops.softmax(raw, axis=axis)
    return z if xp.allclose(ref.data, y_pred.data, rtol=1e-5, atol=1e-7) else None


def elementwise_binary_crossentropy(y_true, y_pred, logits=None):
    """``ops.binary_crossentropy`` from ``logits`` when given, else from the probabilities."""
    if logits is not None:
        return ops.binary_crossentropy(y_true, logits, from_logits=True)
    return ops.binary_crossentropy(y_true, y_pred)


@LOSSES.register("binary_crossentropy", "bce", "BCE")
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary crossentropy: for 0/1 targets with a sigmoid output (one or more independent labels).

    Formula: ``y = y (1 - ls) + 0.5 ls``;
    ``loss = mean(-(y log(clip(p)) + (1 - y) log(1 - clip(p))), axis)``

    Args:
        y_true: 0/1 (or soft) targets, same shape as y_pred.
        y_pred: probabilities, or logits with ``from_logits=True``.
        from_logits: whether y_pred holds logits.
        label_smoothing: in [0, 1]; squeezes the targets towards 0.5.
        axis: the axis the elementwise losses are averaged over.
    """
    y_true, y_pred = prepare(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    check_same_shape("binary_crossentropy", y_true, y_pred)
    logits = logits_or_none("binary_crossentropy", y_pred, from_logits, "sigmoid")
    if label_smoothing:
        ls = float(label_smoothing)
        y_true = ops.add(ops.multiply(y_true, 1.0 - ls), 0.5 * ls)
    return ops.mean(elementwise_binary_crossentropy(y_true, y_pred, logits), axis=axis)


def smooth_categorical(y_true, label_smoothing):
    """y (1 - ls) + ls / C, with C the number of classes (last axis of y_true)."""
    if not label_smoothing:
        return y_true
    ls = float(label_smoothing)
    return ops.add(ops.multiply(y_true, 1.0 - ls), ls / y_true.shape[-1])


def _check_axis(axis):
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis!r}")


@LOSSES.register("categorical_crossentropy")
def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Categorical crossentropy: one-hot targets with a softmax output (single label per sample).

    Formula: ``y = y (1 - ls) + ls / C``; ``p = clip(p / sum(p))``;
    ``loss = -sum(y log p, axis)``; from logits ``-sum(y log_softmax(x), axis)``.

    Integer labels belong to ``sparse_categorical_crossentropy``.

    Args:
        y_true: one-hot (or soft) targets, same shape as y_pred.
        y_pred: class probabilities, or logits with ``from_logits=True``.
        from_logits: whether y_pred holds logits.
        label_smoothing: in [0, 1]; moves ls of the target mass evenly onto all classes.
        axis: the class axis.
    """
    _check_axis(axis)
    y_true, y_pred = prepare(y_true, y_pred)
    check_one_hot_targets("categorical_crossentropy", y_true, y_pred, axis)
    logits = logits_or_none("categorical_crossentropy", y_pred, from_logits, "softmax", axis)
    y_true = smooth_categorical(y_true, label_smoothing)
    if logits is not None:
        # ops.categorical_crossentropy(from_logits=True) without its checks, done above;
        # a softmax output lends the primitive its max and sum (see softmax_cross_entropy)
        return P.softmax_cross_entropy(to_float_tensor(y_true, logits.dtype), logits, axis,
                                       None if logits is y_pred else y_pred)
    return ops.categorical_crossentropy(y_true, y_pred, axis=axis)


@LOSSES.register("sparse_categorical_crossentropy")
def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                    axis=-1):
    """Sparse categorical crossentropy: integer class labels with a softmax output.

    Formula: ``loss = -log(clip(p / sum(p))[label])``; from logits
    ``-log_softmax(x)[label]``.

    Args:
        y_true: integer labels in ``[0, C)``, shape ``y_pred.shape[:-1]`` (a trailing
            axis of 1 is dropped).
        y_pred: class probabilities ``(..., C)``, or logits with ``from_logits=True``.
        from_logits: whether y_pred holds logits.
        ignore_class: a label value whose entries get loss 0 and are left out of the
            average (e.g. a "void" class such as -1 or 255).
        axis: the class axis of y_pred.
    """
    _check_axis(axis)
    y_pred = to_float_tensor(y_pred)
    if axis % max(y_pred.ndim, 1) != y_pred.ndim - 1:
        y_pred = with_logits(y_pred, ops.moveaxis, axis, -1)
    labels = sparse_labels("sparse_categorical_crossentropy", y_true, y_pred, ignore_class)
    valid = None
    if ignore_class is not None:
        valid = labels != ignore_class
        labels = labels * valid  # ignored entries get label 0; masked out below
    logits = logits_or_none("sparse_categorical_crossentropy", y_pred, from_logits, "softmax")
    if logits is not None:
        # the labels checked in the primitive too: a recorded step run again checks them
        # (an ignored entry's label, 0 now, passes)
        values = P.softmax_cross_entropy(labels, logits, -1, sparse=True,
                                         checked="sparse_categorical_crossentropy")
    else:
        values = ops.sparse_categorical_crossentropy(labels, y_pred)
    if valid is not None:
        values = ops.where(valid, values, 0.0)
        set_loss_mask(values, valid)
    return values


sparse_categorical_crossentropy._takes_class_indices = True  # see Loss


# ---- classes --------------------------------------------------------------------------

@LOSSES.register("BinaryCrossentropy")
class BinaryCrossentropy(LossFunctionWrapper):
    __doc__ = """Binary crossentropy between 0/1 targets and predicted probabilities (or logits).

    Formula: ``loss = mean(-(y log p + (1 - y) log(1 - p)), axis)``

    Args:
        from_logits: whether y_pred holds logits (recommended with a linear output).
        label_smoothing: in [0, 1]; squeezes targets towards 0.5.
        axis: the axis the elementwise losses are averaged over.""" + LOSS_ARGS_DOC

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


@LOSSES.register("CategoricalCrossentropy")
class CategoricalCrossentropy(LossFunctionWrapper):
    __doc__ = """Crossentropy between one-hot targets and predicted class probabilities (or logits).

    Formula: ``loss = -sum(y log(p / sum(p)), axis)``

    Args:
        from_logits: whether y_pred holds logits.
        label_smoothing: in [0, 1]; targets become ``y (1 - ls) + ls / C``.
        axis: the class axis.""" + LOSS_ARGS_DOC

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


@LOSSES.register("SparseCategoricalCrossentropy")
class SparseCategoricalCrossentropy(LossFunctionWrapper):
    __doc__ = """Crossentropy between integer labels and predicted class probabilities (or logits).

    Formula: ``loss = -log(p[label])``

    Args:
        from_logits: whether y_pred holds logits.
        ignore_class: a label whose entries are left out of the loss and its average.
        axis: the class axis of y_pred.""" + LOSS_ARGS_DOC

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 axis=-1, name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, reduction=reduction, name=name,
                         dtype=dtype, from_logits=from_logits, ignore_class=ignore_class,
                         axis=axis)
