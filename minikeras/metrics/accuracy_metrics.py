"""Accuracy metrics: per-sample match functions and their running-mean classes.

Each function returns one value per sample (1.0 for a match, 0.0 otherwise);
each class is a MeanMetricWrapper of its function, so the epoch result is the
accuracy over all samples seen. argmax ties go to the first maximum, as numpy's.
"""
from .. import backend
from ..arguments import is_real_number
from ..ops.math import top_k_hits
from .metric import (check_broadcastable, register_function, register_metric,
                     squeeze_or_expand_to_same_rank, to_array)
from .reduction_metrics import MeanMetricWrapper


def _as_float(matches):
    """The element-wise match array as floatx (Keras 3 returns it unreduced: the metric's
    mean reduces it per sample, so a per-element ``sample_weight`` weighs each element)."""
    return matches.astype(backend.floatx())


def accuracy(y_true, y_pred):
    """How often ``y_pred`` equals ``y_true`` exactly (the function behind ``Accuracy``).

    Formula: ``y_true == y_pred`` element-wise, after the rank fix.
    """
    y_pred = to_array(y_pred)
    y_true = to_array(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    check_broadcastable(y_true, y_pred, "accuracy")
    return _as_float(y_true == y_pred)


@register_function
def binary_accuracy(y_true, y_pred, threshold=0.5):
    """How often thresholded predictions match binary labels.

    Formula: ``y_true == (y_pred > threshold)`` element-wise (strict ``>``).

    Args:
        y_true: labels 0/1, shape ``(n, ...)``.
        y_pred: scores, same shape (a trailing axis of 1 is matched automatically).
        threshold: scores strictly above it count as 1.
    """
    y_true, y_pred = to_array(y_true), to_array(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    check_broadcastable(y_true, y_pred, "binary_accuracy")
    predicted = (y_pred > backend.xp.asarray(threshold, dtype=y_pred.dtype)).astype(y_true.dtype)
    return _as_float(y_true == predicted)


@register_function
def categorical_accuracy(y_true, y_pred):
    """How often the argmax of the prediction is the argmax of the one-hot label.

    Formula: ``argmax(y_true, -1) == argmax(y_pred, -1)``.
    """
    y_true, y_pred = to_array(y_true), to_array(y_pred)
    _check_one_hot(y_true, y_pred, "categorical_accuracy", "sparse_categorical_accuracy")
    # the arrays' own argmax: np.argmax's wrapper costs as much again at batch sizes
    return (y_true.argmax(axis=-1) == y_pred.argmax(axis=-1)).astype(backend.floatx())


@register_function
def sparse_categorical_accuracy(y_true, y_pred):
    """How often the argmax of the prediction equals the integer label.

    Formula: ``y_true == argmax(y_pred, -1)``, Keras's shape rules: labels of the
    predictions' rank with a trailing 1 lose it; otherwise the two broadcast (labels
    ``(n, 1)`` against predictions ``(1, n, C)`` compare every pair, as in Keras); a
    trailing axis of 1 in the result is dropped.
    """
    y_true, y_pred = to_array(y_true), to_array(y_pred)
    if y_pred.ndim == 0:
        raise ValueError("sparse_categorical_accuracy expects predictions with a class axis. "
                         f"Received: y_pred of shape {tuple(y_pred.shape)}")
    labels_shape = y_true.shape
    squeezed = y_true.ndim == y_pred.ndim and y_true.ndim > 0 and y_true.shape[-1] == 1
    if squeezed:
        y_true = y_true[..., 0]
    predicted = backend.xp.argmax(y_pred, axis=-1).astype(y_true.dtype)
    try:
        check_broadcastable(y_true, predicted, "sparse_categorical_accuracy")
    except ValueError as error:
        raise ValueError(f"{error} For one-hot labels use categorical_accuracy.") from None
    matches = (y_true == predicted).astype(backend.floatx())
    if squeezed:
        matches = matches.reshape(labels_shape)
    return matches[..., 0] if matches.ndim > 1 and matches.shape[-1] == 1 else matches


@register_function
def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """How often the one-hot label's class is among the ``k`` highest predictions.

    Formula: ``y_pred[argmax(y_true)] >= k-th largest of y_pred`` (ties at the
    boundary count as hits, as in Keras).
    """
    y_true, y_pred = to_array(y_true), to_array(y_pred)
    _check_one_hot(y_true, y_pred, "top_k_categorical_accuracy",
                   "sparse_top_k_categorical_accuracy")
    targets = backend.xp.argmax(y_true, axis=-1)
    hits = in_top_k(targets.reshape(-1), y_pred.reshape(-1, y_pred.shape[-1]), k,
                    "TopKCategoricalAccuracy")
    return hits.astype(backend.floatx()).reshape(targets.shape)


@register_function
def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """How often the integer label is among the ``k`` highest predictions.

    Formula: ``y_pred[y_true] >= k-th largest of y_pred``. With
    ``from_sorted_ids=True``, ``y_pred`` holds class ids sorted by score and the
    test is ``y_true in y_pred[:k]``.
    """
    xp = backend.xp
    y_pred = to_array(y_pred)
    y_true = to_array(y_true, y_pred.dtype if from_sorted_ids else "int32")
    where = "sparse_top_k_categorical_accuracy"
    if y_pred.ndim < 2:
        raise ValueError(
            f"{where} expects `y_pred` of shape (batch_size, num_classes). "
            f"Received: y_pred.shape={tuple(y_pred.shape)}.")
    flat_pred = y_pred.reshape(-1, y_pred.shape[-1])
    flat_true = y_true.reshape(-1)
    if flat_true.shape[0] != flat_pred.shape[0]:
        raise ValueError(
            f"{where} expects one integer label per prediction row: `y_true` of shape "
            f"{tuple(y_pred.shape[:-1])} or {tuple(y_pred.shape[:-1]) + (1,)}. Received: "
            f"y_true.shape={tuple(y_true.shape)} and y_pred.shape={tuple(y_pred.shape)}. "
            "For one-hot labels use top_k_categorical_accuracy.")
    if from_sorted_ids:
        hits = xp.any(flat_true[:, None] == flat_pred[:, :k], axis=1)
    else:
        hits = in_top_k(flat_true, flat_pred, k, "SparseTopKCategoricalAccuracy")
    hits = hits.astype(backend.floatx())
    return hits.reshape(y_true.shape) if y_true.ndim > 1 else hits


def in_top_k(targets, predictions, k, cls_name):
    """For each row, whether the target's score is >= the row's k-th largest score, as
    ``ops.in_top_k`` (a ``k`` beyond the classes takes them all; a target outside them is a
    miss). ``k`` must be a positive integer."""
    _check_k(k, cls_name)
    return top_k_hits(targets, predictions, k)


def _check_k(k, cls_name):
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"{cls_name}: `k` must be a positive integer. Received: k={k!r}")


def _check_one_hot(y_true, y_pred, where, sparse_name):
    if y_pred.ndim < 1 or tuple(y_true.shape) != tuple(y_pred.shape):
        raise ValueError(
            f"{where} expects one-hot `y_true` with the same shape as `y_pred`. Received: "
            f"y_true.shape={tuple(y_true.shape)} and y_pred.shape={tuple(y_pred.shape)}. "
            f"For integer labels use {sparse_name}.")


@register_metric()
class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly.

    Formula: ``mean over samples of mean(y_true == y_pred, axis=-1)``.

    Args:
        name: name of the metric instance.
        dtype: dtype of the result.
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@register_metric()
class BinaryAccuracy(MeanMetricWrapper):
    """How often thresholded predictions match binary labels.

    Formula: ``mean(y_true == (y_pred > threshold))``.

    Args:
        name: name of the metric instance.
        dtype: dtype of the result.
        threshold: scores strictly above it count as 1. Default 0.5; any real number, as
            in Keras 3 (``threshold=0.0`` for a model that outputs logits).
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        if not is_real_number(threshold):
            raise ValueError(
                "Invalid value for argument `threshold`. Expected a real number (0.5 for "
                f"probabilities, 0.0 for logits). Received: threshold={threshold!r}")
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "threshold": self.threshold}


@register_metric()
class CategoricalAccuracy(MeanMetricWrapper):
    """How often the predicted class (argmax) matches the one-hot label.

    Formula: ``mean(argmax(y_true, -1) == argmax(y_pred, -1))``.

    Args:
        name: name of the metric instance.
        dtype: dtype of the result.
    """

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@register_metric()
class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the predicted class (argmax) matches the integer label.

    Formula: ``mean(y_true == argmax(y_pred, -1))``; labels ``(n,)`` or ``(n, 1)``.

    Args:
        name: name of the metric instance.
        dtype: dtype of the result.
    """

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@register_metric()
class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label's class is among the top ``k`` predictions.

    Formula: ``mean(y_pred[argmax(y_true)] >= k-th largest of y_pred)``.

    Args:
        k: number of top predictions that count as hits (default 5; at most the
            number of classes).
        name: name of the metric instance.
        dtype: dtype of the result.
    """

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        _check_k(k, type(self).__name__)
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "k": self.k}


@register_metric()
class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the top ``k`` predictions.

    Formula: ``mean(y_pred[y_true] >= k-th largest of y_pred)``.

    Args:
        k: number of top predictions that count as hits (default 5).
        name: name of the metric instance.
        dtype: dtype of the result.
        from_sorted_ids: if True, ``y_pred`` holds class ids sorted by decreasing
            score (e.g. from ``ops.top_k``) and a hit is ``y_true in y_pred[:k]``.
    """

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        _check_k(k, type(self).__name__)
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k = k
        self.from_sorted_ids = from_sorted_ids
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "k": self.k,
                "from_sorted_ids": self.from_sorted_ids}
