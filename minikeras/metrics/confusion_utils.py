"""Shared machinery of the confusion-matrix metrics: thresholds and weighted TP/FP/TN/FN counts.

A prediction counts as positive at threshold t when ``y_pred > t`` (strict); a
label is positive when it is non-zero. Counts are sums of sample weights.
"""
import numpy as np

from .. import backend
from .metric import squeeze_or_expand_to_same_rank, to_array

NEG_INF = -1e10  # the threshold used with top_k: every kept prediction is "positive"
CONDITIONS = ("tp", "fp", "tn", "fn")


def parse_thresholds(thresholds, default):
    """A list of thresholds from a float, a list or None (then ``[default]``), checked in [0, 1]."""
    if thresholds is None:
        return [default]
    is_list = isinstance(thresholds, (list, tuple, np.ndarray))
    values = list(thresholds) if is_list else [thresholds]
    bad = [t for t in values if t is None or not 0 <= t <= 1]
    if bad or not values:
        raise ValueError(f"Threshold values must be in [0, 1]. Received: {bad or values}")
    return [float(t) for t in values]


def is_evenly_distributed(thresholds):
    """Whether ``thresholds`` are ``i / (n - 1)`` for i = 0..n-1 (n >= 3), within epsilon."""
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype="float32") / (n - 1)
    return bool(np.allclose(thresholds, even, atol=backend.epsilon()))


def filter_top_k(x, k):
    """Keep the ``k`` largest entries of the last axis (ties: first index), others -> NEG_INF."""
    xp = backend.xp
    num_classes = x.shape[-1]
    if k > num_classes:
        raise ValueError(
            f"top_k={k} is larger than the number of classes in `y_pred` ({num_classes}; "
            f"y_pred.shape={tuple(x.shape)}). Use top_k <= {num_classes}.")
    order = xp.argsort(-x, axis=-1, kind="stable")[..., :k]
    keep = xp.zeros(x.shape, dtype=bool)
    xp.put_along_axis(keep, order, True, axis=-1)
    return xp.where(keep, x, xp.asarray(NEG_INF, dtype=x.dtype))


def update_confusion_matrix(variables, y_true, y_pred, thresholds, top_k=None, class_id=None,
                            sample_weight=None, multi_label=False, label_weights=None,
                            evenly_distributed=False, where="metric"):
    """Add weighted confusion counts at each threshold to ``variables``.

    Args:
        variables: dict from "tp"/"fp"/"tn"/"fn" to Variables of shape
            ``(num_thresholds,)`` (or ``(num_thresholds, num_labels)`` if multi_label).
        y_true: labels, cast to bool. y_pred: scores, same shape (rank fix applied).
        thresholds: sorted list of thresholds.
        top_k: keep only the top-k predictions of each row (others never positive).
        class_id: restrict to one class (last axis of ``y_pred``).
        sample_weight: weights broadcastable to ``y_pred`` (scalar, ``(n,)``, same shape).
        multi_label: count each label (column) separately instead of flattening.
        label_weights: per-label weights applied when flattening (not multi_label).
        evenly_distributed: thresholds are i/(n-1) (possibly with -eps/1+eps ends):
            use the O(N + T) bucket algorithm, which clips predictions to [0, 1].
        where: the metric's name, for error messages.
    """
    xp = backend.xp
    dtype = next(iter(variables.values())).dtype
    y_true = to_array(y_true, dtype)
    y_pred = to_array(y_pred, dtype)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise ValueError(
            f"{where}: `y_true` and `y_pred` must have the same shape. Received: "
            f"y_true.shape={tuple(y_true.shape)} and y_pred.shape={tuple(y_pred.shape)}.")
    if sample_weight is not None:
        sample_weight = xp.expand_dims(to_array(sample_weight, dtype), -1)
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight,
                                                          expand_rank_1=False)
    if top_k is not None:
        y_pred = filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim < 2:
            raise ValueError(
                f"{where}: when `class_id` is given, y_pred must have shape (num_samples, "
                f"num_classes). Received: y_pred.shape={tuple(y_pred.shape)}.")
        if not -y_pred.shape[-1] <= class_id < y_pred.shape[-1]:
            raise ValueError(
                f"{where}: class_id={class_id} is out of range for y_pred with "
                f"{y_pred.shape[-1]} classes (y_pred.shape={tuple(y_pred.shape)}).")
        y_true = y_true[..., class_id, None]
        y_pred = y_pred[..., class_id, None]
    weights = None
    if sample_weight is not None:
        try:
            weights = xp.broadcast_to(sample_weight, y_pred.shape)
        except ValueError:
            raise ValueError(
                f"{where}: `sample_weight` of shape {tuple(sample_weight.shape)} cannot be "
                f"broadcast to y_pred of shape {tuple(y_pred.shape)}. Pass one weight per "
                "sample, shape (batch_size,), or one per prediction.") from None
    if label_weights is not None and not multi_label:
        lw = xp.broadcast_to(xp.asarray(label_weights, dtype=dtype)[None], y_pred.shape)
        weights = lw if weights is None else weights * lw
    if weights is None:
        weights = xp.ones(y_pred.shape, dtype=dtype)
    positive = y_true != 0
    if multi_label:
        if y_pred.ndim != 2:
            raise ValueError(
                f"{where}: with multi_label=True, y_pred must have rank 2 (batch, labels). "
                f"Received: y_pred.shape={tuple(y_pred.shape)}.")
    else:  # flatten: every (label, prediction) pair is one data point
        positive, y_pred, weights = positive.reshape(-1), y_pred.reshape(-1), weights.reshape(-1)
    thresholds = xp.asarray(thresholds, dtype=dtype)
    if evenly_distributed:
        counts = _bucketed_counts(positive, y_pred, weights, thresholds)
    else:
        counts = _direct_counts(positive, y_pred, weights, thresholds)
    for cond, variable in variables.items():
        variable.assign_add(counts[cond].astype(variable.dtype))


def _direct_counts(positive, y_pred, weights, thresholds):
    """Counts by comparing every prediction with every threshold: O(N·T) memory."""
    xp = backend.xp
    shape = (-1,) + (1,) * y_pred.ndim
    pred_pos = y_pred[None] > thresholds.reshape(shape)    # (T, N) or (T, n, L)
    pos_w = xp.where(positive, weights, 0)[None]
    neg_w = xp.where(positive, 0, weights)[None]
    tp = xp.sum(xp.where(pred_pos, pos_w, 0), axis=1)
    fp = xp.sum(xp.where(pred_pos, neg_w, 0), axis=1)
    return {"tp": tp, "fp": fp, "fn": xp.sum(pos_w, axis=1) - tp,
            "tn": xp.sum(neg_w, axis=1) - fp}


def _bucketed_counts(positive, y_pred, weights, thresholds):
    """Counts for evenly spaced thresholds in O(N + T): bucket each prediction, cumulate.

    Prediction p (clipped to [0, 1]) is above thresholds 0..b with
    b = ceil(p·(T-1)) - 1; with -eps/1+eps end thresholds the lowest bucket is 0. A nan
    prediction goes to bucket 0, as Keras on jax casts its nan index to 0 (so with the
    eps thresholds it counts as a prediction of 0).
    """
    xp = backend.xp
    num = thresholds.shape[0]
    with_eps = bool(thresholds[0] < 0 or thresholds[-1] > 1)
    y_pred = xp.clip(y_pred, 0.0, 1.0)
    buckets = xp.where(xp.isnan(y_pred), 1.0, xp.ceil(y_pred * (num - 1))) - 1
    if with_eps:
        buckets = xp.maximum(buckets, 0)
    buckets = buckets.astype("int64")
    pos_w = xp.where(positive, weights, 0).astype("float64")
    neg_w = xp.where(positive, 0, weights).astype("float64")
    valid = buckets >= 0  # a prediction below every threshold adds to no bucket
    if y_pred.ndim == 2:  # multi-label: one histogram per column
        num_labels = y_pred.shape[1]
        index = buckets * num_labels + xp.arange(num_labels)[None, :]

        def histogram(w):
            h = xp.bincount(index[valid], weights=w[valid], minlength=num * num_labels)
            return h.reshape(num, num_labels)
        total_pos, total_neg = pos_w.sum(axis=0), neg_w.sum(axis=0)
    else:
        def histogram(w):
            return xp.bincount(buckets[valid], weights=w[valid], minlength=num)
        total_pos, total_neg = pos_w.sum(), neg_w.sum()
    # counts at threshold i = sum of buckets j >= i (reverse cumulative sum)
    tp = xp.flip(xp.cumsum(xp.flip(histogram(pos_w), 0), axis=0), 0)
    fp = xp.flip(xp.cumsum(xp.flip(histogram(neg_w), 0), axis=0), 0)
    return {"tp": tp, "fp": fp, "fn": total_pos - tp, "tn": total_neg - fp}
