"""F-scores: FBetaScore and F1Score for multi-class and multi-label classification."""
from .. import backend
from .metric import Metric, as_result, register_metric, to_array

_AVERAGES = (None, "micro", "macro", "weighted")


@register_metric()
class FBetaScore(Metric):
    """F-beta score per class, or averaged.

    Predictions are binarised first: ``y_pred > threshold``, or, with
    ``threshold=None``, the row maximum (non-zero) becomes 1 and the rest 0.

    Formula:
        precision = TP / (TP + FP + eps), recall = TP / (TP + FN + eps)
        f = (1 + β²) · precision · recall / (β² · precision + recall + eps)
        "micro": counts summed over classes first; "macro": mean of the per-class
        scores; "weighted": mean weighted by each class's (weighted) label count.

    Args:
        average: None (one score per class), "micro", "macro" or "weighted".
        beta: weight of recall relative to precision (> 0), default 1.0.
        threshold: float in (0, 1], or None for "the argmax is the prediction".
        name: name of the metric instance.
        dtype: dtype of the result.
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if average not in _AVERAGES:
            raise ValueError(
                "Invalid `average` argument value. Expected one of: {None, 'micro', 'macro', "
                f"'weighted'}}. Received: average={average}")
        if isinstance(beta, bool) or not isinstance(beta, (int, float)):
            raise ValueError("Invalid `beta` argument value. It should be a Python float. "
                             f"Received: beta={beta} of type '{type(beta)}'")
        if beta <= 0:
            raise ValueError(
                f"Invalid `beta` argument value. It should be > 0. Received: beta={beta}")
        if threshold is not None and (isinstance(threshold, bool)
                                      or not isinstance(threshold, (int, float))
                                      or not 0 < threshold <= 1):
            raise ValueError(
                "Invalid `threshold` argument value. It should verify 0 < threshold <= 1. "
                f"Received: threshold={threshold!r}")
        self.average = average
        self.beta = float(beta)
        self.threshold = None if threshold is None else float(threshold)
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                f"{type(self).__name__} expects 2D inputs with shape (batch_size, output_dim). "
                f"Received input shapes: y_pred.shape={tuple(y_pred_shape)} and "
                f"y_true.shape={tuple(y_true_shape)}.")
        self._num_classes = y_pred_shape[-1]
        size = () if self.average == "micro" else (self._num_classes,)
        self.true_positives = self.add_variable(size, "zeros", name="true_positives")
        self.false_positives = self.add_variable(size, "zeros", name="false_positives")
        self.false_negatives = self.add_variable(size, "zeros", name="false_negatives")
        self.intermediate_weights = self.add_variable(size, "zeros",
                                                      name="intermediate_weights")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        xp = backend.xp
        y_true, y_pred = to_array(y_true, self.dtype), to_array(y_pred, self.dtype)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        if y_true.shape != y_pred.shape or y_pred.ndim != 2 or \
                y_pred.shape[-1] != self._num_classes:
            raise ValueError(
                f"{type(self).__name__}: `y_true` and `y_pred` must have the same shape "
                f"(batch_size, {self._num_classes}). Received: "
                f"y_true.shape={tuple(y_true.shape)} and y_pred.shape={tuple(y_pred.shape)}.")
        if self.threshold is None:
            row_max = xp.max(y_pred, axis=-1, keepdims=True)
            # the argmax becomes 1, but an all-zero row stays all zero
            predicted = (y_pred >= row_max) & (xp.abs(y_pred) > 1e-9)
        else:
            predicted = y_pred > self.threshold
        predicted = predicted.astype(self.dtype)
        if sample_weight is not None:
            weight = to_array(sample_weight, self.dtype).reshape(-1, 1)
        else:
            weight = None

        def weighted_sum(values):
            if weight is not None:
                values = values * weight
            return xp.sum(values, axis=self.axis)

        self.true_positives.assign_add(weighted_sum(predicted * y_true))
        self.false_positives.assign_add(weighted_sum(predicted * (1 - y_true)))
        self.false_negatives.assign_add(weighted_sum((1 - predicted) * y_true))
        self.intermediate_weights.assign_add(weighted_sum(y_true))

    def result(self):
        xp = backend.xp
        if not self._built:
            return as_result(0.0, self.dtype)
        eps = backend.epsilon()
        tp = self.true_positives.value
        precision = tp / (tp + self.false_positives.value + eps)
        recall = tp / (tp + self.false_negatives.value + eps)
        beta2 = self.beta ** 2
        # Keras's operation order (divide first, then scale) so float32 round-off agrees
        score = (precision * recall) / (beta2 * precision + recall + eps) * (1 + beta2)
        if self.average == "weighted":
            w = self.intermediate_weights.value
            score = xp.sum(score * (w / (xp.sum(w) + eps)))
        elif self.average is not None:  # micro (already a scalar) or macro
            score = xp.mean(score)
        return as_result(score, self.dtype)

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


@register_metric()
class F1Score(FBetaScore):
    """F1 score: the harmonic mean of precision and recall (FBetaScore with β = 1).

    Formula: ``f1 = 2 · precision · recall / (precision + recall)`` (with eps guards).

    Args:
        average: None (one score per class), "micro", "macro" or "weighted".
        threshold: float in (0, 1], or None for "the argmax is the prediction".
        name: name of the metric instance.
        dtype: dtype of the result.
    """

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config
