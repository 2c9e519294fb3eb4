"""Numpy helpers for preparing data: one-hot labels and vector normalization."""

import operator

import numpy as np

from ..ops.normalization import normalize as ops_normalize


def to_categorical(x, num_classes=None):
    """Convert integer class labels to one-hot rows.

    A trailing axis of size 1 is dropped first (``(n, 1)`` labels become
    ``(n,)``), so column vectors of labels give the usual ``(n, C)`` matrix.

    Formula:
        ``out[..., c] = 1.0 if x[...] == c else 0.0``

    Args:
        x: Array-like of integer class labels in ``[0, num_classes)``. Float
            labels are accepted only when they hold whole numbers.
        num_classes: Number of classes. ``None`` or ``0`` means
            ``max(x) + 1``.

    Returns:
        float64 array of shape ``x.shape + (num_classes,)`` (after dropping
        a trailing axis of size 1).

    Raises:
        ValueError: A label is negative, not a whole number, or not below
            ``num_classes``; or ``num_classes`` is negative; or ``x`` is
            empty and ``num_classes`` is not given.
        TypeError: ``x`` is not numeric or ``num_classes`` is not an integer.

    Example:

    >>> to_categorical([1, 0], num_classes=4)
    array([[0., 1., 0., 0.],
           [1., 0., 0., 0.]])
    """
    labels = _integer_labels(x)
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels[..., 0]
    num_classes = _resolve_num_classes(labels, num_classes)
    _check_label_range(labels, num_classes)
    flat = labels.reshape(-1)
    categorical = np.zeros((flat.size, num_classes), dtype=np.float64)
    categorical[np.arange(flat.size), flat] = 1.0
    return categorical.reshape(labels.shape + (num_classes,))


def _integer_labels(x):
    """Return ``x`` as an int64 array, refusing labels that are not whole numbers.

    Args:
        x: Array-like of labels.

    Returns:
        int64 numpy array of the same shape.
    """
    x = np.asarray(x)
    if x.dtype.kind in "biu":
        return x.astype(np.int64)
    if x.dtype.kind != "f":
        raise TypeError(
            f"to_categorical expects integer class labels, got an array of "
            f"dtype {x.dtype}."
        )
    bad = x[~np.isfinite(x) | (x != np.round(x))]
    if bad.size:
        raise ValueError(
            f"to_categorical expects integer class labels, got the non-integer "
            f"value {bad[0].item()!r}. Round or cast the labels to int first."
        )
    return x.astype(np.int64)


def _resolve_num_classes(labels, num_classes):
    """Return the number of classes, inferring ``max + 1`` when not given.

    Args:
        labels: int64 label array.
        num_classes: The user's value: ``None``, ``0`` or a positive integer.

    Returns:
        The number of classes as a Python int.
    """
    if num_classes is not None:
        try:
            num_classes = operator.index(num_classes)
        except TypeError:
            raise TypeError(
                f"num_classes must be an integer or None, got {num_classes!r}."
            ) from None
        if num_classes < 0:
            raise ValueError(
                f"num_classes must be a positive integer, or None or 0 to infer "
                f"it from the labels; got {num_classes}."
            )
    if num_classes:
        return num_classes
    if labels.size == 0:
        raise ValueError(
            "to_categorical cannot infer num_classes from empty labels; pass "
            "num_classes."
        )
    return int(labels.max()) + 1


def _check_label_range(labels, num_classes):
    """Raise if any label is outside ``[0, num_classes)``.

    Args:
        labels: int64 label array.
        num_classes: Number of classes.
    """
    bad = labels[(labels < 0) | (labels >= num_classes)]
    if bad.size:
        value = int(bad[0])
        fix = "start the labels at 0" if value < 0 else "pass a larger num_classes"
        raise ValueError(
            f"to_categorical got the label {value}, but labels must lie in "
            f"[0, {num_classes - 1}] for num_classes={num_classes}; {fix}."
        )


def normalize(x, axis=-1, order=2):
    """Scale vectors along an axis to unit norm.

    Vectors whose norm is zero are left unchanged (their norm is taken as 1).

    Formula:
        ``out = x / max_norm_or_1(||x||_order along axis)``

    Args:
        x: Array-like to normalize.
        axis: Axis holding the vectors (default: the last).
        order: Norm order, as for ``np.linalg.norm`` (2 = Euclidean,
            1 = sum of absolute values, ``np.inf`` = max absolute value).

    Returns:
        For a numpy array, an array of the same shape (float64 for integer input; a
        vector comes back as one row, shape ``(1, n)``, as in Keras);
        otherwise (a tensor, a list) ``keras.ops.normalize(x, axis, order)``, a tensor
        that carries gradients (a contrastive loss normalizes its features with it).

    Example:

    >>> normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
    array([[0.6, 0.8],
           [0. , 0. ]])
    """
    if not isinstance(x, np.ndarray):  # a tensor (or list), as Keras: ops.normalize,
        return ops_normalize(x, axis=axis, order=order)  # which carries gradients
    norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    norm[norm == 0] = 1
    scaled = x / norm
    return scaled[np.newaxis] if scaled.ndim == 1 else scaled  # Keras: a vector as a row
