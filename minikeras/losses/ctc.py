"""Connectionist Temporal Classification loss (Graves et al., 2006), from logits.

The forward (alpha) recursion runs in log space over the label sequence with
blanks interleaved, batched over samples; it is composed from ``ops`` so its
gradient is derived like every other loss's.
"""
from .. import ops
from ..autodiff.tensor import Tensor
from ..backend import xp
from .loss import LOSSES, LossFunctionWrapper, to_float_tensor

_MASKED = -1e30  # log(0) stand-in: finite, so the gradient never sees inf - inf
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
    """CTC loss: -log P(label sequence | per-frame logits), summed over all alignments.

    Formula: with ``l'`` the labels with blanks (class 0) between and around them and
    ``e[t, s] = log_softmax(y_pred)[t, l'_s]``:
    ``alpha_0 = e[0, :2]``; ``alpha_t[s] = logsumexp(alpha_{t-1}[s], alpha_{t-1}[s-1],
    alpha_{t-1}[s-2] if l'_s is not blank and differs from l'_{s-2}) + e[t, s]``;
    ``loss = -logsumexp(alpha_{T-1}[|l'|-1], alpha_{T-1}[|l'|-2])``. An impossible
    alignment (too few frames) gives inf.

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
    if batch == 0 or frames == 0:
        return ops.sum(y_pred, axis=(1, 2))
    lengths = (labels != _BLANK).sum(axis=-1)
    n_states = 2 * labels.shape[1] + 1
    extended = xp.zeros((batch, n_states), xp.int64)  # blank, l1, blank, l2, ..., blank
    extended[:, 1::2] = labels
    dtype = y_pred.dtype

    log_probs = ops.log_softmax(y_pred, axis=-1)                      # (B, T, K)
    index = xp.broadcast_to(extended[:, None, :], (batch, frames, n_states))
    emit = ops.take_along_axis(log_probs, index, axis=2)              # (B, T, S)

    # A path may skip the blank before a label position when the label differs from the
    # previous one. As Keras (torch's ctc_loss) decides it by position, a 0 *inside* a
    # label row (within its first label_length entries) is a label there, not padding.
    can_skip = xp.zeros((batch, n_states), bool)
    can_skip[:, 3::2] = extended[:, 3::2] != extended[:, 1:-2:2]
    skip_penalty = Tensor(xp.where(can_skip, 0.0, _MASKED).astype(dtype))
    start = xp.full((batch, n_states), _MASKED, dtype)
    start[:, :2] = 0.0
    pad1 = Tensor(xp.full((batch, 1), _MASKED, dtype))
    pad2 = Tensor(xp.full((batch, min(2, n_states)), _MASKED, dtype))

    alpha = ops.add(emit[:, 0, :], Tensor(start))                     # (B, S)
    for t in range(1, frames):
        step = ops.concatenate([pad1, alpha[:, :-1]], axis=1)
        skip = ops.add(ops.concatenate([pad2, alpha[:, :-2]], axis=1)[:, :n_states],
                       skip_penalty)
        paths = ops.stack([alpha, step, skip], axis=-1)               # (B, S, 3)
        alpha = ops.add(ops.logsumexp(paths, axis=-1), emit[:, t, :])

    ends = xp.stack([2 * lengths, xp.maximum(2 * lengths - 1, 0)], axis=1)  # (B, 2)
    end_penalty = Tensor(xp.where(xp.stack([lengths >= 0, lengths > 0], axis=1), 0.0,
                                  _MASKED).astype(dtype))
    final = ops.add(ops.take_along_axis(alpha, ends, axis=1), end_penalty)
    loss = ops.negative(ops.logsumexp(final, axis=1))                 # (B,)
    impossible = ops.convert_to_numpy(loss) > -0.5 * _MASKED
    return ops.where(impossible, xp.inf, loss) if impossible.any() else loss


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
