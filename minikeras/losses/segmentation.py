"""Overlap losses for segmentation masks: Dice and Tversky.

With ``axis=None`` (the default, as in Keras) the sums run over *every* axis,
so the whole batch gives one scalar; pass e.g. ``axis=(1, 2, 3)`` for one value
per image.
"""
from .. import backend, ops
from .checks import check_broadcastable
from .loss import (LOSS_ARGS_DOC, LOSSES, LossFunctionWrapper, prepare,
                   squeeze_or_expand_to_same_rank)


def _prepared(name, y_true, y_pred):
    y_true, y_pred = prepare(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    check_broadcastable(name, y_true, y_pred)
    return y_true, y_pred


@LOSSES.register("dice")
def dice(y_true, y_pred, axis=None):
    """Dice loss: one minus the soft Dice coefficient (F1 overlap) of mask and prediction.

    Formula: ``loss = 1 - 2 sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + eps)``

    Args:
        axis: the axes summed over (None: all axes).
    """
    y_true, y_pred = _prepared("dice", y_true, y_pred)
    intersection = ops.sum(ops.multiply(y_true, y_pred), axis=axis)
    total = ops.add(ops.add(ops.sum(y_true, axis=axis), ops.sum(y_pred, axis=axis)),
                    backend.epsilon())
    return ops.subtract(1.0, ops.divide(ops.multiply(intersection, 2.0), total))


@LOSSES.register("tversky")
def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """Tversky loss: Dice with separate weights on the two kinds of error.

    Formula: ``TP = sum(y_true * y_pred)``, ``FP = sum((1 - y_pred) * y_true)``,
    ``FN = sum(y_pred * (1 - y_true))``; ``loss = 1 - TP / (TP + alpha FP + beta FN + eps)``

    The FP/FN naming follows Keras (swapped against the usual definition): alpha
    weighs missed foreground, beta weighs predicted foreground that is background.
    ``alpha = beta = 0.5`` gives the Dice loss.

    Args:
        alpha, beta: the two error weights.
        axis: the axes summed over (None: all axes).
    """
    y_true, y_pred = _prepared("tversky", y_true, y_pred)
    tp = ops.sum(ops.multiply(y_true, y_pred), axis=axis)
    fp = ops.sum(ops.multiply(ops.subtract(1.0, y_pred), y_true), axis=axis)
    fn = ops.sum(ops.multiply(y_pred, ops.subtract(1.0, y_true)), axis=axis)
    denom = ops.add(tp, ops.add(ops.multiply(fp, float(alpha)), ops.multiply(fn, float(beta))))
    return ops.subtract(1.0, ops.divide(tp, ops.add(denom, backend.epsilon())))


@LOSSES.register("Dice")
class Dice(LossFunctionWrapper):
    __doc__ = """Dice loss: ``1 - 2 sum(y p) / (sum(y) + sum(p))``.

    Args:
        axis: the axes summed over (default None: all, one scalar per batch).""" + LOSS_ARGS_DOC

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(dice, reduction=reduction, name=name, dtype=dtype, axis=axis)


@LOSSES.register("Tversky")
class Tversky(LossFunctionWrapper):
    __doc__ = """Tversky loss: ``1 - TP / (TP + alpha FP + beta FN)``.

    Args:
        alpha, beta: error weights (default 0.5 each, which is Dice).
        axis: the axes summed over (default None: all).""" + LOSS_ARGS_DOC

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky",
                 axis=None, dtype=None):
        super().__init__(tversky, reduction=reduction, name=name, dtype=dtype, alpha=alpha,
                         beta=beta, axis=axis)
