"""Circle loss (Sun et al., 2020) for learning embeddings from integer labels."""
from .. import ops
from ..backend import xp
from .loss import LOSSES, LossFunctionWrapper, set_loss_mask, to_float_tensor

# Stands in for -inf in masked log-sum-exps: exp() of it is exactly 0 and, unlike
# -inf, it never produces inf - inf = NaN in the gradient.
_MASKED = -1e30


def _labels(x):
    labels = xp.asarray(ops.convert_to_numpy(x))
    return labels.reshape(-1).astype(xp.int64)


@LOSSES.register("circle")
def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True,
           gamma=80, margin=0.4):
    """Circle loss between integer labels and L2-normalized embeddings.

    Formula (d = pairwise cosine distance ``max(1 - y_pred @ ref.T, 0)``, m = margin):
    ``s_pos = -gamma * max(m + d, 0) * (m - d)`` over same-label pairs (without the
    diagonal when ``remove_diagonal``), ``s_neg = gamma * max(1 + m - d, 0) * (1 - m - d)``
    over different-label pairs;
    ``loss = softplus(logsumexp(s_pos) + logsumexp(s_neg))`` per row.

    Rows with loss 0 (e.g. no positive pair) are masked out of the average, as in Keras.

    Args:
        y_true: integer labels ``(batch,)`` (or ``(batch, 1)``).
        y_pred: embeddings ``(batch, dim)``, expected to be L2-normalized (e.g. by
            ``UnitNormalization``).
        ref_labels, ref_embeddings: the set compared against (default: the batch).
        remove_diagonal: drop self-pairs from the positives.
        gamma: the scale of the similarity scores.
        margin: the relaxation margin.
    """
    y_pred = to_float_tensor(y_pred)
    labels = _labels(y_true)
    ref = y_pred if ref_embeddings is None else to_float_tensor(ref_embeddings, y_pred.dtype)
    ref_labels = labels if ref_labels is None else _labels(ref_labels)
    if y_pred.ndim != 2 or labels.size != y_pred.shape[0]:
        raise ValueError(
            "circle expects y_pred of shape (batch, dim) and one integer label per row. "
            f"Received: y_true.shape={tuple(ops.shape(y_true))}, y_pred.shape={y_pred.shape}.")
    if y_pred.shape[0] == 0:
        return ops.sum(y_pred, axis=-1)  # no rows: shape (0,), no NaN
    margin, gamma = float(margin), float(gamma)
    positive = labels[:, None] == ref_labels[None, :]
    negative = ~positive
    if remove_diagonal:
        positive = positive & ~xp.eye(labels.size, ref_labels.size, dtype=bool)
    pos_mask, neg_mask = positive.astype(y_pred.dtype), negative.astype(y_pred.dtype)
    distance = ops.maximum(ops.subtract(1.0, ops.matmul(y_pred, ops.transpose(ref))), 0.0)
    pos_weight = ops.maximum(ops.multiply(ops.add(distance, margin), pos_mask), 0.0)
    neg_weight = ops.maximum(ops.multiply(ops.subtract(1.0 + margin, distance), neg_mask), 0.0)
    pos_score = ops.multiply(ops.multiply(pos_weight, ops.subtract(margin, distance)), -gamma)
    neg_score = ops.multiply(ops.multiply(neg_weight, ops.subtract(1.0 - margin, distance)),
                             gamma)
    p_loss = ops.logsumexp(ops.where(positive, pos_score, _MASKED), axis=1)
    n_loss = ops.logsumexp(ops.where(negative, neg_score, _MASKED), axis=1)
    values = ops.softplus(ops.add(p_loss, n_loss))
    set_loss_mask(values, ops.convert_to_numpy(values) > 0)
    return values


@LOSSES.register("Circle")
class Circle(LossFunctionWrapper):
    """Circle loss for metric learning on integer labels and L2-normalized embeddings.

    Args:
        gamma: scale of the similarity scores (default 80).
        margin: relaxation margin (default 0.4).
        remove_diagonal: drop self-pairs from the positives (default True).
        reduction: ``"sum_over_batch_size"`` (default), ``"sum"``, ``"mean"``,
            ``"mean_with_sample_weight"``, ``"none"`` or None.
        name: name of the instance.
        dtype: computation dtype (default ``floatx()``).
    """

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True,
                 reduction="sum_over_batch_size", name="circle", dtype=None):
        super().__init__(circle, reduction=reduction, name=name, dtype=dtype, gamma=gamma,
                         margin=margin, remove_diagonal=remove_diagonal)
