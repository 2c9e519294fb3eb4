"""Margin (SVM-style) losses: hinge, squared hinge and categorical hinge."""
from .. import ops
from .checks import check_broadcastable, check_one_hot_targets
from .loss import (LOSS_ARGS_SECTION, LOSSES, LossFunctionWrapper, prepare,
                   squeeze_or_expand_to_same_rank)


def _signed_labels(name, y_true, y_pred):
    """Aligned inputs, with 0/1 labels mapped to -1/+1 when *all* labels are 0 or 1."""
    y_true, y_pred = prepare(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    check_broadcastable(name, y_true, y_pred)
    labels = ops.convert_to_numpy(y_true)
    binary = bool(((labels == 0) | (labels == 1)).all())
    # computed either way (y * 1 - 0 is y): a choice by the labels' values leaves no
    # labels passed through untouched, which a recorded step would take for its input
    y_true = ops.subtract(ops.multiply(y_true, 2.0 if binary else 1.0), 1.0 if binary else 0.0)
    return y_true, y_pred


def _margin(y_true, y_pred):
    return ops.maximum(ops.subtract(1.0, ops.multiply(y_true, y_pred)), 0.0)


@LOSSES.register("hinge")
def hinge(y_true, y_pred):
    """Hinge loss: for -1/+1 (or 0/1) targets with a linear (tanh-like) output.

    Formula: ``loss = mean(maximum(1 - y_true * y_pred, 0), axis=-1)``

    If every label is 0 or 1 they are first mapped to -1/+1 (``2 y - 1``).
    """
    y_true, y_pred = _signed_labels("hinge", y_true, y_pred)
    return ops.mean(_margin(y_true, y_pred), axis=-1)


@LOSSES.register("squared_hinge")
def squared_hinge(y_true, y_pred):
    """Squared hinge loss: the hinge squared, smoother and harsher on large violations.

    Formula: ``loss = mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)``

    0/1 labels are mapped to -1/+1 as in ``hinge``.
    """
    y_true, y_pred = _signed_labels("squared_hinge", y_true, y_pred)
    return ops.mean(ops.square(_margin(y_true, y_pred)), axis=-1)


@LOSSES.register("categorical_hinge")
def categorical_hinge(y_true, y_pred):
    """Categorical (Crammer-Singer) hinge: the true class's score must beat the rest by 1.

    Formula: ``pos = sum(y_true * y_pred, axis=-1)``;
    ``neg = max((1 - y_true) * y_pred, axis=-1)``; ``loss = maximum(neg - pos + 1, 0)``

    y_true is one-hot; no label mapping.
    """
    y_true, y_pred = prepare(y_true, y_pred)
    check_one_hot_targets("categorical_hinge", y_true, y_pred)
    pos = ops.sum(ops.multiply(y_true, y_pred), axis=-1)
    neg = ops.max(ops.multiply(ops.subtract(1.0, y_true), y_pred), axis=-1)
    return ops.maximum(ops.add(ops.subtract(neg, pos), 1.0), 0.0)


@LOSSES.register("Hinge")
class Hinge(LossFunctionWrapper):
    __doc__ = "Hinge loss: ``mean(maximum(1 - y_true * y_pred, 0))``." + LOSS_ARGS_SECTION

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, reduction=reduction, name=name, dtype=dtype)


@LOSSES.register("SquaredHinge")
class SquaredHinge(LossFunctionWrapper):
    __doc__ = ("Squared hinge loss: ``mean(square(maximum(1 - y_true * y_pred, 0)))``."
               + LOSS_ARGS_SECTION)

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, reduction=reduction, name=name, dtype=dtype)


@LOSSES.register("CategoricalHinge")
class CategoricalHinge(LossFunctionWrapper):
    __doc__ = "Categorical hinge: ``maximum(neg - pos + 1, 0)``." + LOSS_ARGS_SECTION

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, reduction=reduction, name=name, dtype=dtype)
