"""Regression losses: squared, absolute, percentage, logarithmic, Huber, log-cosh, cosine.

Each function returns one value per sample (the last axis is reduced) and
accepts Tensors, arrays or lists; float inputs keep their dtype, others become
``floatx()``. y_true ``(n,)`` against y_pred ``(n, 1)`` is aligned, never broadcast.
"""
import math

from .. import backend, ops
from .checks import check_broadcastable
from .loss import (LOSS_ARGS_SECTION, LOSSES, LossFunctionWrapper, prepare,
                   squeeze_or_expand_to_same_rank)


def _aligned(name, y_true, y_pred):
    y_true, y_pred = prepare(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    check_broadcastable(name, y_true, y_pred)
    return y_true, y_pred


@LOSSES.register("mean_squared_error", "mse", "MSE")
def mean_squared_error(y_true, y_pred):
    """Mean squared error: the default regression loss; large errors dominate.

    Formula: ``loss = mean(square(y_true - y_pred), axis=-1)``

    Args:
        y_true: targets, shape ``(batch, d0, .. dN)``.
        y_pred: predictions, same shape.
    """
    y_true, y_pred = _aligned("mean_squared_error", y_true, y_pred)
    return ops.mean(ops.square(ops.subtract(y_true, y_pred)), axis=-1)


@LOSSES.register("mean_absolute_error", "mae", "MAE")
def mean_absolute_error(y_true, y_pred):
    """Mean absolute error: robust to outliers; constant-size gradient.

    Formula: ``loss = mean(abs(y_true - y_pred), axis=-1)``
    """
    y_true, y_pred = _aligned("mean_absolute_error", y_true, y_pred)
    return ops.mean(ops.abs(ops.subtract(y_true, y_pred)), axis=-1)


@LOSSES.register("mean_absolute_percentage_error", "mape", "MAPE")
def mean_absolute_percentage_error(y_true, y_pred):
    """Mean absolute percentage error: relative error in percent.

    Formula: ``loss = 100 * mean(abs(y_true - y_pred) / maximum(abs(y_true), eps), axis=-1)``

    A target of 0 gives a huge but finite value (1 unit of error -> 1e9 %).
    """
    y_true, y_pred = _aligned("mean_absolute_percentage_error", y_true, y_pred)
    denom = ops.maximum(ops.abs(y_true), backend.epsilon())
    diff = ops.abs(ops.divide(ops.subtract(y_true, y_pred), denom))
    return ops.multiply(ops.mean(diff, axis=-1), 100.0)


@LOSSES.register("mean_squared_logarithmic_error", "msle", "MSLE")
def mean_squared_logarithmic_error(y_true, y_pred):
    """Mean squared logarithmic error: for positive targets spanning orders of magnitude.

    Formula:
        ``loss = mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)), axis=-1)``

    Values below eps (including negatives) are replaced by eps, as in Keras, so
    negative predictions get no gradient.
    """
    y_true, y_pred = _aligned("mean_squared_logarithmic_error", y_true, y_pred)
    eps = backend.epsilon()
    first = ops.log(ops.add(ops.maximum(y_pred, eps), 1.0))
    second = ops.log(ops.add(ops.maximum(y_true, eps), 1.0))
    return ops.mean(ops.square(ops.subtract(first, second)), axis=-1)


def _l2_normalize(x, axis):
    # x * min(1/sqrt(sum x^2), 1/eps), written as 1/sqrt(max(sum x^2, eps^2)) (same
    # value) so a zero vector gets a finite gradient.
    eps = backend.epsilon()
    square_sum = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return ops.divide(x, ops.sqrt(ops.maximum(square_sum, eps * eps)))


@LOSSES.register("cosine_similarity", "cosine_proximity", "cosine")
def cosine_similarity(y_true, y_pred, axis=-1):
    """Negative cosine similarity: -1 when the vectors point the same way, 0 when orthogonal.

    Formula: ``loss = -sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)``

    Keras 2's ``cosine_proximity`` (and ``cosine``) is this same negative loss. A
    zero vector gives 0.

    Args:
        axis: the feature axis along which the similarity is computed.
    """
    y_true, y_pred = _aligned("cosine_similarity", y_true, y_pred)
    both = ops.multiply(_l2_normalize(y_true, axis), _l2_normalize(y_pred, axis))
    return ops.negative(ops.sum(both, axis=axis))


@LOSSES.register("huber", "huber_loss")
def huber(y_true, y_pred, delta=1.0):
    """Huber loss: squared for small errors, linear for large ones.

    Formula: ``e = y_pred - y_true``; per element ``0.5 * e**2`` if ``|e| <= delta`` else
    ``delta * |e| - 0.5 * delta**2``; then ``mean(axis=-1)``.

    Args:
        delta: the error size where the loss turns from quadratic to linear.
    """
    y_true, y_pred = _aligned("huber", y_true, y_pred)
    delta = float(delta)
    error = ops.subtract(y_pred, y_true)
    abs_error = ops.abs(error)
    quadratic = ops.multiply(ops.square(error), 0.5)
    linear = ops.subtract(ops.multiply(abs_error, delta), 0.5 * delta * delta)
    small = abs_error <= delta
    return ops.mean(ops.where(small, quadratic, linear), axis=-1)


@LOSSES.register("log_cosh", "logcosh")
def log_cosh(y_true, y_pred):
    """Log-cosh: like squared error for small errors, like absolute error for large.

    Formula: ``e = y_pred - y_true``; ``loss = mean(e + softplus(-2 e) - log 2, axis=-1)``
    (``= mean(log(cosh(e)))``, without overflow).
    """
    y_true, y_pred = _aligned("log_cosh", y_true, y_pred)
    error = ops.subtract(y_pred, y_true)
    value = ops.add(error, ops.softplus(ops.multiply(error, -2.0)))
    return ops.mean(ops.subtract(value, math.log(2.0)), axis=-1)


# ---- classes --------------------------------------------------------------------------


@LOSSES.register("MeanSquaredError")
class MeanSquaredError(LossFunctionWrapper):
    __doc__ = "Mean of squares of errors: ``mean(square(y_true - y_pred))``." + LOSS_ARGS_SECTION

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, reduction=reduction, name=name, dtype=dtype)


@LOSSES.register("MeanAbsoluteError")
class MeanAbsoluteError(LossFunctionWrapper):
    __doc__ = "Mean of absolute errors: ``mean(abs(y_true - y_pred))``." + LOSS_ARGS_SECTION

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, reduction=reduction, name=name, dtype=dtype)


@LOSSES.register("MeanAbsolutePercentageError")
class MeanAbsolutePercentageError(LossFunctionWrapper):
    __doc__ = ("Mean absolute percentage error: "
               "``100 * mean(abs((y_true - y_pred) / y_true))``." + LOSS_ARGS_SECTION)

    def __init__(self, reduction="sum_over_batch_size",
                 name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, reduction=reduction, name=name,
                         dtype=dtype)


@LOSSES.register("MeanSquaredLogarithmicError")
class MeanSquaredLogarithmicError(LossFunctionWrapper):
    __doc__ = ("Mean squared logarithmic error: "
               "``mean(square(log(y_true + 1) - log(y_pred + 1)))``." + LOSS_ARGS_SECTION)

    def __init__(self, reduction="sum_over_batch_size",
                 name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, reduction=reduction, name=name,
                         dtype=dtype)


@LOSSES.register("CosineSimilarity")
class CosineSimilarity(LossFunctionWrapper):
    __doc__ = ("Negative cosine similarity: ``-sum(l2_norm(y_true) * l2_norm(y_pred))``."
               "\n\n    ``axis``: the feature axis (default -1)." + LOSS_ARGS_SECTION)

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(cosine_similarity, reduction=reduction, name=name, dtype=dtype,
                         axis=axis)


@LOSSES.register("Huber")
class Huber(LossFunctionWrapper):
    __doc__ = ("Huber loss: quadratic below ``delta``, linear above. Default name "
               "``huber_loss``.\n\n    ``delta``: the switch point (default 1.0)."
               + LOSS_ARGS_SECTION)

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss",
                 dtype=None):
        super().__init__(huber, reduction=reduction, name=name, dtype=dtype, delta=delta)


@LOSSES.register("LogCosh")
class LogCosh(LossFunctionWrapper):
    __doc__ = ("Logarithm of the hyperbolic cosine of the error: ``mean(log(cosh(e)))``."
               + LOSS_ARGS_SECTION)

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, reduction=reduction, name=name, dtype=dtype)
