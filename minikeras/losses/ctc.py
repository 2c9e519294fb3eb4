"""Connectionist Temporal Classification loss (Graves et al., 2006), from logits.

The forward (alpha) recursion is ``keras.ops.ctc_loss`` (minikeras/ops/ctc.py); this
file checks the padded integer labels and adds the loss class.
"""
from .. import ops
from ..backend import xp
from .loss import LOSSES, LossFunctionWrapper, to_float_tensor

_BLANK = 0


def _integer_labels(y_true, num_classes):
    labels = xp.asarray(ops.convert_to_numpy(y_true))
    if labels.ndim != 2:
        raise ValueError(
            "Targets `y_true` are expected to be a tensor of shape (batch_size, max_length) "
            f"in integer format. Received: y_true.shape={labels.shape}")
    ints = xp.round(labels).astype(xp.int64)
    if labels.size and (not xp.all(ints == labels) or ints.min() < 0
                        or ints.max() >= num_classes):
        raise ValueError(
            f"ctc: labels must be integers in [1, {num_classes}) padded with 0 (the blank). "
            f"Received values from {labels.min()} to {labels.max()}.")
    return ints


@LOSSES.register("ctc")
def ctc(y_true, y_pred):
    """CTC loss: -log P(label sequence | per-frame logits), summed over all alignments
    (``keras.ops.ctc_loss`` with blank 0, every frame used and the label length the number
    of non-zero labels, as Keras computes it).

    Args:
        y_true: ``(batch, max_length)`` integer labels in ``[1, num_classes)``, padded
            at the end with 0 (the blank/mask index); the label length is the number
            of non-zero entries.
        y_pred: ``(batch, frames, num_classes)`` logits (not softmax-ed).
    """
    y_pred = to_float_tensor(y_pred)
    if y_pred.ndim != 3:
        raise ValueError(
            "Logits `y_pred` are expected to be a tensor of shape (batch_size, max_length, "
            f"num_classes). Received: y_pred.shape={y_pred.shape}")
    batch, frames, num_classes = y_pred.shape
    labels = _integer_labels(y_true, num_classes)
    if labels.shape[0] != batch:
        raise ValueError(f"ctc: y_true has {labels.shape[0]} rows but y_pred has {batch}.")
    lengths = (labels != _BLANK).sum(axis=-1)
    return ops.ctc_loss(labels, y_pred, lengths, xp.full((batch,), frames), mask_index=_BLANK)


@LOSSES.register("CTC")
class CTC(LossFunctionWrapper):
    """CTC loss between padded integer label sequences and per-frame logits.

    Args:
        reduction: ``"sum_over_batch_size"`` (default), ``"sum"``, ``"mean"``,
            ``"mean_with_sample_weight"``, ``"none"`` or None.
        name: name of the instance (default ``"ctc"``).
        dtype: computation dtype (default ``floatx()``).
    """

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(ctc, reduction=reduction, name=name, dtype=dtype)
