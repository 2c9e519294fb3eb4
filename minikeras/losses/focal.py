"""Crossentropies reweighted for hard examples or noisy labels: focal and generalized CE."""
from .. import ops
from ..ops.neural_network import clip_probabilities
from .checks import (check_one_hot_targets, check_same_shape, sparse_labels,
                     warn_if_logits_of_probabilities, warn_if_not_probabilities)
from .crossentropy import elementwise_binary_crossentropy, logits_or_none, smooth_categorical
from .loss import (LOSS_ARGS_DOC, LOSSES, LossFunctionWrapper, prepare,
                   squeeze_or_expand_to_same_rank, to_float_tensor)


@LOSSES.register("binary_focal_crossentropy")
def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary focal crossentropy: BCE down-weighted on easy examples (Lin et al., 2018).

    Formula: ``y = y (1 - ls) + 0.5 ls``; ``p_t = y p + (1 - y)(1 - p)``;
    ``loss = mean((1 - p_t)**gamma * bce(y, p) [* (y alpha + (1 - y)(1 - alpha))], axis)``

    The bce term is the clipped one of ``binary_crossentropy``: with ``from_logits``, of
    their sigmoid (as Keras's jax and torch backends: a logit beyond about ±16 costs no
    more than the clip allows); otherwise from the logits behind a sigmoid output when
    they are known (as Keras's TensorFlow backend). p_t uses the unclipped p.

    Args:
        apply_class_balancing: weight class 1 by alpha and class 0 by 1 - alpha.
        alpha: the class-1 weight for class balancing.
        gamma: the focusing power; 0 gives plain binary crossentropy.
        from_logits: whether y_pred holds logits.
        label_smoothing: in [0, 1]; squeezes targets towards 0.5.
        axis: the axis the elementwise losses are averaged over.
    """
    y_true, y_pred = prepare(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    check_same_shape("binary_focal_crossentropy", y_true, y_pred)
    if label_smoothing:
        ls = float(label_smoothing)
        y_true = ops.add(ops.multiply(y_true, 1.0 - ls), 0.5 * ls)
    logits = logits_or_none("binary_focal_crossentropy", y_pred, from_logits, "sigmoid")
    p = y_pred
    if from_logits:  # Keras's jax and torch: the clipped crossentropy of the sigmoid
        p, logits = ops.sigmoid(y_pred), None
    bce = elementwise_binary_crossentropy(y_true, p, logits)
    one_minus_y = ops.subtract(1.0, y_true)
    p_t = ops.add(ops.multiply(y_true, p), ops.multiply(one_minus_y, ops.subtract(1.0, p)))
    focal = ops.multiply(ops.power(ops.subtract(1.0, p_t), float(gamma)), bce)
    if apply_class_balancing:
        a = float(alpha)
        weight = ops.add(ops.multiply(y_true, a), ops.multiply(one_minus_y, 1.0 - a))
        focal = ops.multiply(weight, focal)
    return ops.mean(focal, axis=axis)


@LOSSES.register("categorical_focal_crossentropy")
def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Categorical focal crossentropy: CCE down-weighted on confident classes.

    Formula: ``y = y (1 - ls) + ls / C``; ``p = clip(p / sum(p))``;
    ``loss = sum(alpha * (1 - p)**gamma * (-y log p), axis)``

    As in Keras the probabilities are always clipped (logits go through softmax).

    Args:
        alpha: a class weight, scalar or one per class (always applied).
        gamma: the focusing power; 0 gives alpha times categorical crossentropy.
        from_logits: whether y_pred holds logits.
        label_smoothing: in [0, 1].
        axis: the class axis.
    """
    y_true, y_pred = prepare(y_true, y_pred)
    check_one_hot_targets("categorical_focal_crossentropy", y_true, y_pred, axis)
    y_true = smooth_categorical(y_true, label_smoothing)
    if from_logits:
        warn_if_logits_of_probabilities("categorical_focal_crossentropy", y_pred)
        y_pred = ops.softmax(y_pred, axis=axis)
    else:
        warn_if_not_probabilities("categorical_focal_crossentropy", y_pred, upper=False)
    p = clip_probabilities(ops.divide(y_pred, ops.sum(y_pred, axis=axis, keepdims=True)))
    cce = ops.negative(ops.multiply(y_true, ops.log(p)))
    alpha = alpha if isinstance(alpha, (int, float)) else ops.convert_to_tensor(
        ops.convert_to_numpy(alpha), dtype=y_pred.dtype)
    weight = ops.multiply(ops.power(ops.subtract(1.0, p), float(gamma)), alpha)
    return ops.sum(ops.multiply(weight, cce), axis=axis)


@LOSSES.register("categorical_generalized_cross_entropy")
def categorical_generalized_cross_entropy(y_true, y_pred, q=0.5):
    """Generalized crossentropy (Zhang & Sabuncu, 2018): robust to noisy labels.

    Formula: ``p = y_pred[label]``; ``loss = (1 - p**q) / q``

    q -> 0 approaches crossentropy, q = 1 is mean absolute error. Keras requires q
    for the function; here it defaults to 0.5 (the class's default), so the
    string name works in ``compile``.

    Args:
        y_true: integer labels, shape ``(batch,)`` or ``(batch, 1)``.
        y_pred: class probabilities ``(batch, C)``.
        q: in (0, 1).
    """
    if not 0 < q < 1:
        raise ValueError(f"q must be in the interval (0, 1). Received: q={q!r}")
    y_pred = to_float_tensor(y_pred)
    labels = sparse_labels("categorical_generalized_cross_entropy", y_true, y_pred)
    one_hot = ops.one_hot(labels, y_pred.shape[-1], dtype=y_pred.dtype)
    p = ops.sum(ops.multiply(y_pred, one_hot), axis=-1)
    return ops.divide(ops.subtract(1.0, ops.power(p, float(q))), float(q))


# ---- classes --------------------------------------------------------------------------

@LOSSES.register("BinaryFocalCrossentropy")
class BinaryFocalCrossentropy(LossFunctionWrapper):
    __doc__ = """Binary focal crossentropy: ``mean((1 - p_t)**gamma * bce)``.

    Args:
        apply_class_balancing: weight class 1 by alpha, class 0 by 1 - alpha.
        alpha: class-1 weight (default 0.25).
        gamma: focusing power (default 2.0).
        from_logits: whether y_pred holds logits.
        label_smoothing: in [0, 1].
        axis: the averaging axis.""" + LOSS_ARGS_DOC

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(binary_focal_crossentropy, reduction=reduction, name=name,
                         dtype=dtype, from_logits=from_logits,  # (Keras's config order)
                         label_smoothing=label_smoothing, axis=axis,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma)


@LOSSES.register("CategoricalFocalCrossentropy")
class CategoricalFocalCrossentropy(LossFunctionWrapper):
    __doc__ = """Categorical focal crossentropy: ``sum(alpha (1 - p)**gamma (-y log p))``.

    Args:
        alpha: class weight, scalar or per-class list (default 0.25).
        gamma: focusing power (default 2.0).
        from_logits: whether y_pred holds logits.
        label_smoothing: in [0, 1].
        axis: the class axis.""" + LOSS_ARGS_DOC

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy",
                 dtype=None):
        super().__init__(categorical_focal_crossentropy, reduction=reduction, name=name,
                         dtype=dtype, from_logits=from_logits,  # (Keras's config order)
                         label_smoothing=label_smoothing, axis=axis, alpha=alpha, gamma=gamma)


@LOSSES.register("CategoricalGeneralizedCrossEntropy")
class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    __doc__ = """Generalized crossentropy on integer labels: ``(1 - p[label]**q) / q``.

    Args:
        q: in (0, 1) (default 0.5); near 0 like crossentropy, near 1 like MAE.""" + LOSS_ARGS_DOC

    def __init__(self, q=0.5, reduction="sum_over_batch_size",
                 name="categorical_generalized_cross_entropy", dtype=None):
        if not 0 < q < 1:
            raise ValueError(f"q must be in the interval (0, 1). Received: q={q!r}")
        super().__init__(categorical_generalized_cross_entropy, reduction=reduction, name=name,
                         dtype=dtype, q=q)
