"""Regression metrics: running means of the regression losses, RMSE, cosine similarity, R²."""
import warnings

import numpy as np

from .. import backend, losses
from .metric import (as_result, check_broadcastable, divided_dtype, register_metric,
                     squeeze_or_expand_to_same_rank, to_array, to_float_array, Metric)
from .reduction_metrics import LossMetricWrapper, Mean, MeanMetricWrapper


@register_metric()
class MeanSquaredError(LossMetricWrapper):
    """Running mean of ``losses.mean_squared_error``.

    Formula: ``mean over samples of mean((y_true - y_pred)², axis=-1)``.

    Args:
        name: name of the metric instance.
        dtype: dtype of the result.
    """

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(losses.mean_squared_error, name=name, dtype=dtype)


@register_metric()
class MeanAbsoluteError(LossMetricWrapper):
    """Running mean of ``losses.mean_absolute_error``.

    Formula: ``mean over samples of mean(|y_true - y_pred|, axis=-1)``.

    Args:
        name: name of the metric instance.
        dtype: dtype of the result.
    """

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(losses.mean_absolute_error, name=name, dtype=dtype)


@register_metric()
class MeanAbsolutePercentageError(LossMetricWrapper):
    """Running mean of ``losses.mean_absolute_percentage_error``.

    Formula: ``100 · mean(|y_true - y_pred| / max(|y_true|, eps), axis=-1)``, averaged.

    Args:
        name: name of the metric instance.
        dtype: dtype of the result.
    """

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(losses.mean_absolute_percentage_error, name=name, dtype=dtype)


@register_metric()
class MeanSquaredLogarithmicError(LossMetricWrapper):
    """Running mean of ``losses.mean_squared_logarithmic_error``.

    Formula: ``mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))², axis=-1)``.

    Args:
        name: name of the metric instance.
        dtype: dtype of the result.
    """

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(losses.mean_squared_logarithmic_error, name=name, dtype=dtype)


@register_metric()
class LogCoshError(LossMetricWrapper):
    """Running mean of ``losses.log_cosh`` (default name ``logcosh``, as in Keras).

    Formula: ``mean(log(cosh(y_pred - y_true)), axis=-1)``, averaged over samples.

    Args:
        name: name of the metric instance.
        dtype: dtype of the result.
    """

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(losses.log_cosh, name=name, dtype=dtype)


@register_metric()
class RootMeanSquaredError(Mean):
    """Root of the (weighted) mean squared error over all samples seen.

    Formula: ``sqrt(Σ_s w_s · mean((y_pred - y_true)²) / Σ_s w_s)``.

    Args:
        name: name of the metric instance.
        dtype: dtype of the result.
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = to_float_array(y_true, self.dtype).astype(self.dtype)
        y_pred = to_float_array(y_pred, self.dtype).astype(self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        check_broadcastable(y_true, y_pred, "RootMeanSquaredError")
        super().update_state(backend.xp.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return as_result(backend.xp.sqrt(super().result()), divided_dtype(self.dtype))


def _l2_normalize(x, axis):
    """x / max(||x||, eps) along ``axis`` (written as x · min(1/||x||, 1/eps))."""
    xp = backend.xp
    square_sum = xp.sum(xp.square(x), axis=axis, keepdims=True)
    with np.errstate(divide="ignore"):
        inv_norm = xp.minimum(1.0 / xp.sqrt(square_sum), 1.0 / backend.epsilon())
    return x * inv_norm.astype(x.dtype)


def cosine_similarity(y_true, y_pred, axis=-1):
    """Cosine similarity (positive: 1 means same direction), the function behind the metric.

    Formula: ``sum(l2_normalize(y_true) · l2_normalize(y_pred), axis)``. Unlike the
    loss ``losses.cosine_similarity``, the sign is not flipped.
    """
    y_pred = to_float_array(y_pred)
    y_true = to_array(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    check_broadcastable(y_true, y_pred, "cosine_similarity")
    return backend.xp.sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), axis=axis)


@register_metric()
class CosineSimilarity(MeanMetricWrapper):
    """Mean cosine similarity between labels and predictions (positive, best 1).

    Formula: ``mean over samples of sum(ŷ_true · ŷ_pred, axis)``, x̂ = x / ||x||.

    Args:
        name: name of the metric instance.
        dtype: dtype of the result.
        axis: the axis along which the similarity is computed (default -1).
    """

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=axis)
        self.axis = axis
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


@register_metric()
class R2Score(Metric):
    """Coefficient of determination R², per output column, then aggregated.

    Formula (per column, with sample weights w):
        SS_res = Σ w·(y_true - y_pred)², SS_tot = Σ w·y_true² - (Σ w·y_true)² / Σ w,
        R² = 1 - SS_res / SS_tot (a column with SS_tot = 0 scores 0);
        adjusted (num_regressors = p > 0, n = number of label entries):
        1 - (1 - R²)·(n - 1)/(n - p - 1).

    Args:
        class_aggregation: "uniform_average" (mean over columns),
            "variance_weighted_average" (weighted by SS_tot) or None (per column).
        num_regressors: number of independent regressors for the adjusted R² (0: plain).
        name: name of the metric instance.
        dtype: the dtype the batches are read in; the sums and the result are floatx, as in
            Keras.
    """

    _counts_in_floatx = True  # as Keras: floatx state whatever `dtype` is given

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        valid = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in valid:
            raise ValueError(
                f"Invalid value for argument `class_aggregation`. Expected one of {valid}. "
                f"Received: class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError("Invalid value for argument `num_regressors`. Expected a value "
                             f">= 0. Received: num_regressors={num_regressors}")
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable((), "zeros", name="num_samples")
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                "R2Score expects 2D inputs with shape (batch_size, output_dim). Received input "
                f"shapes: y_pred.shape={tuple(y_pred_shape)} and "
                f"y_true.shape={tuple(y_true_shape)}.")
        size = (y_pred_shape[-1],)
        self.squared_sum = self.add_variable(size, "zeros", name="squared_sum")
        self.sum = self.add_variable(size, "zeros", name="sum")
        self.total_mse = self.add_variable(size, "zeros", name="residual")
        self.count = self.add_variable(size, "zeros", name="count")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        xp = backend.xp
        y_true = to_array(y_true, self.dtype)
        y_pred = to_array(y_pred, self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        if y_true.shape != y_pred.shape or y_pred.shape[-1:] != self.sum.shape:
            raise ValueError(
                f"R2Score: `y_true` and `y_pred` must have the same shape (batch_size, "
                f"{self.sum.shape[0]}). Received: y_true.shape={tuple(y_true.shape)} and "
                f"y_pred.shape={tuple(y_pred.shape)}.")
        weight = to_array(1.0 if sample_weight is None else sample_weight, self.dtype)
        if weight.ndim == 1:
            weight = weight[:, None]  # one weight per sample, for every column
        try:
            weight = xp.broadcast_to(weight, y_true.shape)
        except ValueError:
            raise ValueError(
                f"R2Score: `sample_weight` of shape {tuple(weight.shape)} cannot be broadcast "
                f"to y_true of shape {tuple(y_true.shape)}.") from None
        weighted_true = y_true * weight
        self.sum.assign_add(xp.sum(weighted_true, axis=0))
        self.squared_sum.assign_add(xp.sum(y_true * weighted_true, axis=0))
        self.total_mse.assign_add(xp.sum(xp.square(y_true - y_pred) * weight, axis=0))
        self.count.assign_add(xp.sum(weight, axis=0))
        self.num_samples.assign_add(y_true.size)

    def result(self):
        xp = backend.xp
        if not self._built:
            return as_result(0.0, self._state_dtype)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = self.sum.value / self.count.value
            total = self.squared_sum.value - self.sum.value * mean
            raw = 1 - self.total_mse.value / total
        raw = xp.where(xp.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            score = xp.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            with np.errstate(divide="ignore", invalid="ignore"):
                score = xp.sum(total * raw) / xp.sum(total)
        else:
            score = raw
        n, p = float(self.num_samples.value), self.num_regressors
        if p:
            if p > n - 1:
                warnings.warn("More independent predictors than datapoints in adjusted R2 "
                              "score. Falling back to standard R2 score.", stacklevel=2)
            elif p == n - 1:
                warnings.warn("Division by zero in Adjusted R2 score. Falling back to "
                              "standard R2 score.", stacklevel=2)
            else:
                score = 1.0 - (1.0 - score) * (n - 1.0) / (n - p - 1.0)
        return as_result(score, self._state_dtype)

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
