"""Probabilistic metrics: running means of the crossentropy, KL-divergence and Poisson losses."""
from .. import losses
from .metric import register_metric, squeeze_or_expand_to_same_rank, to_array
from .reduction_metrics import LossMetricWrapper


@register_metric()
class BinaryCrossentropy(LossMetricWrapper):
    """Running mean of ``losses.binary_crossentropy``.

    Formula: ``mean over samples of mean(-[y·log p + (1-y)·log(1-p)], axis=-1)``
    (p clipped to [eps, 1-eps]; labels smoothed first when label_smoothing > 0).

    Args:
        name: name of the metric instance.
        dtype: dtype of the result.
        from_logits: whether ``y_pred`` holds logits instead of probabilities.
        label_smoothing: in [0, 1]; labels become y·(1-ls) + ls/2.
    """

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(losses.binary_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing


@register_metric()
class CategoricalCrossentropy(LossMetricWrapper):
    """Running mean of ``losses.categorical_crossentropy`` (one-hot labels).

    Formula: ``mean over samples of -Σ y·log(p / Σp)`` (p clipped to [eps, 1-eps]).

    Args:
        name: name of the metric instance.
        dtype: dtype of the result.
        from_logits: whether ``y_pred`` holds logits instead of probabilities.
        label_smoothing: in [0, 1]; labels become y·(1-ls) + ls/num_classes.
        axis: the class axis (default -1).
    """

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(losses.categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


@register_metric()
class SparseCategoricalCrossentropy(LossMetricWrapper):
    """Running mean of ``losses.sparse_categorical_crossentropy`` (integer labels).

    Formula: ``mean over samples of -log p[y_true]`` (p renormalised and clipped).
    Samples whose label is ``ignore_class`` leave the mean.

    Args:
        name: name of the metric instance.
        dtype: dtype of the result.
        from_logits: whether ``y_pred`` holds logits instead of probabilities.
        ignore_class: a label value to leave out of the metric (e.g. padding), or None.
        axis: the class axis (default -1).
    """

    _int_labels = True

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 ignore_class=None, axis=-1):
        kwargs = {"from_logits": from_logits, "axis": axis}
        if ignore_class is not None:
            kwargs["ignore_class"] = ignore_class
        super().__init__(losses.sparse_categorical_crossentropy, name=name, dtype=dtype,
                         **kwargs)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self.ignore_class is None or sample_weight is None:
            # As Keras: the loss is 0 at ignored entries, which still count in the mean
            return super().update_state(y_true, y_pred, sample_weight=sample_weight)
        # With a sample weight, Keras masks it: ignored entries leave the mean entirely.
        keep = (to_array(y_true) != self.ignore_class).astype(self.dtype)
        weight = keep if sample_weight is None else _times(keep, sample_weight)
        return super().update_state(y_true, y_pred, sample_weight=weight)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "ignore_class": self.ignore_class, "axis": self.axis}


def _times(keep, sample_weight):
    weight = to_array(sample_weight, keep.dtype)
    keep, weight = squeeze_or_expand_to_same_rank(keep, weight)
    return keep * weight


@register_metric()
class KLDivergence(LossMetricWrapper):
    """Running mean of ``losses.kl_divergence``.

    Formula: ``mean over samples of Σ y·log(y / p)`` (y and p clipped to [eps, 1]).

    Args:
        name: name of the metric instance.
        dtype: dtype of the result.
    """

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(losses.kl_divergence, name=name, dtype=dtype)


@register_metric()
class Poisson(LossMetricWrapper):
    """Running mean of ``losses.poisson``.

    Formula: ``mean over samples of mean(p - y·log(p + eps), axis=-1)``.

    Args:
        name: name of the metric instance.
        dtype: dtype of the result.
    """

    def __init__(self, name="poisson", dtype=None):
        super().__init__(losses.poisson, name=name, dtype=dtype)
