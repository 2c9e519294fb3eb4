"""Losses between distributions and counts: Kullback-Leibler divergence and Poisson."""
from .. import backend, ops
from .checks import check_broadcastable
from .loss import (LOSS_ARGS_SECTION, LOSSES, LossFunctionWrapper, prepare,
                   squeeze_or_expand_to_same_rank)


@LOSSES.register("kl_divergence", "kld", "KLD", "kullback_leibler_divergence")
def kl_divergence(y_true, y_pred):
    """Kullback-Leibler divergence of the predicted distribution from the true one.

    Formula: ``y = clip(y_true, eps, 1)``; ``p = clip(y_pred, eps, 1)``;
    ``loss = sum(y * log(y / p), axis=-1)``

    Both inputs are clipped to ``[eps, 1]`` as in Keras: negative values count as
    eps and get no gradient. Use it with softmax outputs and target distributions.
    """
    y_true, y_pred = prepare(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    check_broadcastable("kl_divergence", y_true, y_pred)
    eps = backend.epsilon()
    y_true = ops.clip(y_true, eps, 1.0)
    y_pred = ops.clip(y_pred, eps, 1.0)
    return ops.sum(ops.multiply(y_true, ops.log(ops.divide(y_true, y_pred))), axis=-1)


@LOSSES.register("poisson")
def poisson(y_true, y_pred):
    """Poisson negative log-likelihood (without the constant term), for count targets.

    Formula: ``loss = mean(y_pred - y_true * log(y_pred + eps), axis=-1)``

    y_pred must be a positive rate (e.g. an exponential or softplus output); a
    prediction at or below -eps makes the log NaN, exactly as in Keras.
    """
    y_true, y_pred = prepare(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    check_broadcastable("poisson", y_true, y_pred)
    log_rate = ops.log(ops.add(y_pred, backend.epsilon()))
    return ops.mean(ops.subtract(y_pred, ops.multiply(y_true, log_rate)), axis=-1)


@LOSSES.register("KLDivergence")
class KLDivergence(LossFunctionWrapper):
    __doc__ = ("Kullback-Leibler divergence: ``sum(y_true * log(y_true / y_pred))``."
               + LOSS_ARGS_SECTION)

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, reduction=reduction, name=name, dtype=dtype)


@LOSSES.register("Poisson")
class Poisson(LossFunctionWrapper):
    __doc__ = "Poisson loss: ``mean(y_pred - y_true * log(y_pred + eps))``." + LOSS_ARGS_SECTION

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, reduction=reduction, name=name, dtype=dtype)
