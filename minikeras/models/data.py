"""Training data: input checks, validation splits, sample/class weights and batching."""
import math

import numpy as np

from .. import backend


def check_array(value, name):
    """Return ``value`` as a numpy array, casting floats to floatx; reject what Keras rejects."""
    if value is None:
        return None
    if hasattr(value, "data") and isinstance(getattr(value, "data"), np.ndarray):
        value = value.data  # a Tensor or Variable
    if isinstance(value, (list, tuple)) or not hasattr(value, "shape"):
        raise ValueError(
            f"Unrecognized data type: {name}={_preview(value)} (of type {type(value).__name__}). "
            f"Expected a numpy array; convert it with `np.asarray({name})`.")
    array = np.asarray(value)
    if array.dtype == object:
        raise ValueError(f"`{name}` has dtype object; expected numbers. Received: {_preview(value)}")
    if np.issubdtype(array.dtype, np.floating) and array.dtype != backend.floatx():
        array = array.astype(backend.floatx())
    return array


def check_finite(array, name):
    """Refuse to train on NaN or infinite values, naming the first bad sample."""
    if array is not None and np.issubdtype(array.dtype, np.floating):
        if np.isfinite(array.sum(dtype=np.float64)):  # one cheap pass for the usual case
            return
        bad = ~np.isfinite(array)
        if bad.any():
            first = int(np.argwhere(bad)[0][0])
            raise ValueError(
                f"`{name}` contains {int(bad.sum())} NaN or infinite value(s) (first in sample "
                f"{first}). Training on them would silently turn the weights into NaN; clean or "
                "impute the data first.")


def check_lengths(x, y, sample_weight=None):
    sizes = {"x": len(x)}
    if y is not None:
        sizes["y"] = len(y)
    if sample_weight is not None:
        sizes["sample_weight"] = len(sample_weight)
    if len(set(sizes.values())) > 1:
        detail = ", ".join(f"{k} sizes: {v}" for k, v in sizes.items())
        raise ValueError(
            f"Data cardinality is ambiguous: all arrays must contain the same number of "
            f"samples. Received: {detail}.")


def _preview(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def split_validation(arrays, validation_split):
    """Split each array at floor(N * (1 - split)): the first part trains, the last validates."""
    if not isinstance(validation_split, (int, float)) or not 0 <= validation_split < 1:
        raise ValueError(
            "`validation_split` must be a float in the range [0, 1). "
            f"Received: validation_split={validation_split!r}")
    n = len(arrays[0])
    index = int(math.floor(n * (1.0 - validation_split)))
    if index == 0 or index == n:
        raise ValueError(
            f"Training data contains {n} samples, which is not sufficient to split it into a "
            f"validation and training set as specified by `validation_split={validation_split}`. "
            "Either provide more data, or a different value for the `validation_split` argument.")
    train = tuple(None if a is None else a[:index] for a in arrays)
    val = tuple(None if a is None else a[index:] for a in arrays)
    return train, val


def class_weight_to_sample_weight(y, class_weight):
    """Per-sample weights from ``{class: weight}``; one-hot labels are argmax-ed first."""
    if not isinstance(class_weight, dict):
        raise ValueError(
            f"`class_weight` must be a dict mapping class indices to weights. "
            f"Received: {class_weight!r}")
    labels = np.asarray(y)
    if labels.ndim == 2 and labels.shape[1] > 1:
        labels = labels.argmax(axis=1)
    elif labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    elif labels.ndim > 2:
        raise ValueError(
            "`class_weight` is only supported for labels of shape (n,), (n, 1) or one-hot (n, C). "
            f"Received labels of shape {labels.shape}.")
    labels = np.round(labels).astype(np.int64)
    weights = np.ones(len(labels), dtype=backend.floatx())
    for cls, weight in class_weight.items():
        weights[labels == int(cls)] = weight
    return weights


class BatchPlan:
    """Index batches over ``n`` samples: shuffled each epoch or in order, last batch kept."""

    def __init__(self, n, batch_size, shuffle=True, steps=None, generator=None):
        if not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
            raise ValueError(f"`batch_size` must be a positive integer. Received: {batch_size!r}")
        self.n, self.batch_size, self.shuffle = n, int(batch_size), shuffle
        self.num_batches = max(1, math.ceil(n / self.batch_size)) if n else 0
        self.steps = steps or self.num_batches
        self.generator = generator
        self._pending = []

    def epoch(self):
        """The list of index arrays (or slices) for the next epoch's ``steps`` batches."""
        batches = []
        while len(batches) < self.steps:
            if not self._pending:
                self._pending = self._one_pass()
                if not self._pending:
                    break
            batches.append(self._pending.pop(0))
        return batches

    def _one_pass(self):
        bs, n = self.batch_size, self.n
        if self.shuffle is True or self.shuffle == "true":
            order = self.generator.permutation(n)
            return [order[i:i + bs] for i in range(0, n, bs)]
        if self.shuffle == "batch":
            blocks = [np.arange(i, min(i + bs, n)) for i in range(0, n, bs)]
            return [self.generator.permutation(b) for b in blocks]
        return [slice(i, min(i + bs, n)) for i in range(0, n, bs)]
