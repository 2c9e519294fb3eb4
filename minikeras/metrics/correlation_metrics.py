"""Correlation metrics: Pearson and concordance correlation coefficients, per sample."""
import numpy as np

from .. import backend
from .metric import (check_broadcastable, register_function, register_metric,
                     squeeze_or_expand_to_same_rank, to_array, to_float_array)
from .reduction_metrics import MeanMetricWrapper


def _prepare(y_true, y_pred, where):
    y_pred = to_float_array(y_pred)
    y_true = to_array(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    check_broadcastable(y_true, y_pred, where)
    return y_true, y_pred


@register_function
def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson correlation coefficient along ``axis`` (one value per sample).

    Formula: with a = y_true - mean(y_true), b = y_pred - mean(y_pred),
    ``mean((a / std(a)) · (b / std(b)), axis)`` (population std). As in Keras there is no
    epsilon: a constant row gives NaN.
    """
    xp = backend.xp
    y_true, y_pred = _prepare(y_true, y_pred, "pearson_correlation")
    a = y_true - xp.mean(y_true, axis=axis, keepdims=True)
    b = y_pred - xp.mean(y_pred, axis=axis, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = a / xp.std(a, axis=axis, keepdims=True)
        b = b / xp.std(b, axis=axis, keepdims=True)
    return xp.mean(a * b, axis=axis)


@register_function
def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation coefficient along ``axis`` (one value per sample).

    Formula: ``2·cov(y_true, y_pred) / (var(y_true) + var(y_pred) + (mean_t - mean_p)² + eps)``
    with population (co)variances.
    """
    xp = backend.xp
    y_true, y_pred = _prepare(y_true, y_pred, "concordance_correlation")
    mean_t = xp.mean(y_true, axis=axis, keepdims=True)
    mean_p = xp.mean(y_pred, axis=axis, keepdims=True)
    var_t = xp.var(y_true, axis=axis, keepdims=True)
    var_p = xp.var(y_pred, axis=axis, keepdims=True)
    products = (y_true - mean_t) * (y_pred - mean_p)
    norm = var_t + var_p + xp.square(mean_t - mean_p) + backend.epsilon()
    return xp.mean(2 * products / norm, axis=axis)


@register_metric()
class PearsonCorrelation(MeanMetricWrapper):
    """Mean Pearson correlation coefficient between labels and predictions (best 1).

    Formula: ``mean over samples of pearson_correlation(y_true, y_pred, axis)``.

    Args:
        name: name of the metric instance.
        dtype: dtype of the result.
        axis: the axis along which the coefficient is computed (default -1).
    """

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(pearson_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


@register_metric()
class ConcordanceCorrelation(MeanMetricWrapper):
    """Mean concordance correlation coefficient between labels and predictions (best 1).

    Formula: ``mean over samples of concordance_correlation(y_true, y_pred, axis)``.

    Args:
        name: name of the metric instance.
        dtype: dtype of the result.
        axis: the axis along which the coefficient is computed (default -1).
    """

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(concordance_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}
