"""Confusion-matrix metrics: TP/FP/TN/FN counts, Precision, Recall and the "X at Y" metrics.

A prediction is positive at threshold t when ``y_pred > t``; a label is positive
when non-zero. Counts are sums of sample weights over every (label, prediction)
pair, accumulated across batches.
"""
from .. import backend
from .confusion_utils import (NEG_INF, is_evenly_distributed, parse_thresholds,
                              update_confusion_matrix)
from .metric import Metric, as_result, divide_no_nan, register_metric


class _ConfusionCount(Metric):
    """Weighted count of one confusion-matrix cell at each threshold."""

    _counts_in_floatx = True  # as Keras: floatx state whatever `dtype` is given

    _condition = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = parse_thresholds(thresholds, 0.5)
        self._evenly = is_evenly_distributed(self.thresholds)
        self.accumulator = self.add_variable((len(self.thresholds),), "zeros",
                                             name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix({self._condition: self.accumulator}, y_true, y_pred,
                                self.thresholds, sample_weight=sample_weight,
                                evenly_distributed=self._evenly, where=type(self).__name__)

    def result(self):
        value = self.accumulator.value
        return as_result(value[0] if len(self.thresholds) == 1 else value, self._state_dtype)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


@register_metric()
class TruePositives(_ConfusionCount):
    """Weighted number of true positives: ``Σ weight · [y_true != 0 and y_pred > t]``.

    Args:
        thresholds: a float or a list of floats in [0, 1] (default 0.5); a list
            gives one count per threshold.
        name: name of the metric instance.
        dtype: kept as ``metric.dtype``; the counts and the result are floatx, as
            in Keras.
    """

    _condition = "tp"
    _direction = "up"


@register_metric()
class FalsePositives(_ConfusionCount):
    """Weighted number of false positives: ``Σ weight · [y_true == 0 and y_pred > t]``.

    Args:
        thresholds: a float or a list of floats in [0, 1] (default 0.5).
        name: name of the metric instance.
        dtype: kept as ``metric.dtype``; the counts and the result are floatx, as
            in Keras.
    """

    _condition = "fp"
    _direction = "down"


@register_metric()
class TrueNegatives(_ConfusionCount):
    """Weighted number of true negatives: ``Σ weight · [y_true == 0 and y_pred <= t]``.

    Args:
        thresholds: a float or a list of floats in [0, 1] (default 0.5).
        name: name of the metric instance.
        dtype: kept as ``metric.dtype``; the counts and the result are floatx, as
            in Keras.
    """

    _condition = "tn"
    _direction = "up"


@register_metric()
class FalseNegatives(_ConfusionCount):
    """Weighted number of false negatives: ``Σ weight · [y_true != 0 and y_pred <= t]``.

    Args:
        thresholds: a float or a list of floats in [0, 1] (default 0.5).
        name: name of the metric instance.
        dtype: kept as ``metric.dtype``; the counts and the result are floatx, as
            in Keras.
    """

    _condition = "fn"
    _direction = "down"


class _PrecisionRecall(Metric):
    """Shared state of Precision and Recall: TP and one other count per threshold."""

    _counts_in_floatx = True  # as Keras: floatx state whatever `dtype` is given

    _other = None  # "fp" for precision, "fn" for recall

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        # With top_k and no thresholds, every kept prediction counts as positive.
        self.thresholds = parse_thresholds(thresholds, 0.5 if top_k is None else NEG_INF)
        self._evenly = is_evenly_distributed(self.thresholds)
        size = (len(self.thresholds),)
        self.true_positives = self.add_variable(size, "zeros", name="true_positives")
        other_name = "false_positives" if self._other == "fp" else "false_negatives"
        setattr(self, other_name, self.add_variable(size, "zeros", name=other_name))
        self._other_variable = getattr(self, other_name)

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix(
            {"tp": self.true_positives, self._other: self._other_variable}, y_true, y_pred,
            self.thresholds, top_k=self.top_k, class_id=self.class_id,
            sample_weight=sample_weight, evenly_distributed=self._evenly,
            where=type(self).__name__)

    def result(self):
        tp = self.true_positives.value
        value = divide_no_nan(tp, tp + self._other_variable.value)
        return as_result(value[0] if len(self.thresholds) == 1 else value, self._state_dtype)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


@register_metric()
class Precision(_PrecisionRecall):
    """The fraction of positive predictions that are correct.

    Formula: ``precision = TP / (TP + FP)`` (0 when undefined).

    Args:
        thresholds: a float or list of floats in [0, 1]; ``y_pred > t`` is a positive
            prediction. Default 0.5 (or "every top-k prediction" when ``top_k`` is set).
            A list gives one precision per threshold.
        top_k: only the k highest predictions of each row can be positive.
        class_id: compute the binary metric for this class (last axis) only.
        name: name of the metric instance.
        dtype: kept as ``metric.dtype``; the counts and the result are floatx, as
            in Keras.
    """

    _other = "fp"


@register_metric()
class Recall(_PrecisionRecall):
    """The fraction of positive labels that are predicted positive.

    Formula: ``recall = TP / (TP + FN)`` (0 when undefined).

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5, see Precision).
        top_k: only the k highest predictions of each row can be positive.
        class_id: compute the binary metric for this class (last axis) only.
        name: name of the metric instance.
        dtype: kept as ``metric.dtype``; the counts and the result are floatx, as
            in Keras.
    """

    _other = "fn"


class SensitivitySpecificityBase(Metric):
    """Four confusion counts at ``num_thresholds`` evenly spaced thresholds in [0, 1].

    Subclasses return the best value of one rate among the thresholds where another
    rate reaches ``value``.
    """

    _counts_in_floatx = True  # as Keras: floatx state whatever `dtype` is given

    _value_name = None  # the constructor argument holding `value`

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        if value is None or not 0 <= value <= 1:
            raise ValueError(
                f"Argument `{self._value_name}` must be in the range [0, 1]. "
                f"Received: {self._value_name}={value}")
        if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, int) or \
                num_thresholds <= 0:
            raise ValueError("Argument `num_thresholds` must be an integer > 0. "
                             f"Received: num_thresholds={num_thresholds}")
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.value = value
        self.num_thresholds = num_thresholds
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds, self._evenly = [0.5], False
        else:
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds, self._evenly = [0.0] + inner + [1.0], True
        size = (len(self.thresholds),)
        self.true_positives = self.add_variable(size, "zeros", name="true_positives")
        self.false_positives = self.add_variable(size, "zeros", name="false_positives")
        self.true_negatives = self.add_variable(size, "zeros", name="true_negatives")
        self.false_negatives = self.add_variable(size, "zeros", name="false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix(
            {"tp": self.true_positives, "fp": self.false_positives,
             "tn": self.true_negatives, "fn": self.false_negatives},
            y_true, y_pred, self.thresholds, class_id=self.class_id,
            sample_weight=sample_weight, evenly_distributed=self._evenly,
            where=type(self).__name__)

    def _rates(self):
        tp, fp = self.true_positives.value, self.false_positives.value
        tn, fn = self.true_negatives.value, self.false_negatives.value
        return {"recall": divide_no_nan(tp, tp + fn), "specificity": divide_no_nan(tn, tn + fp),
                "precision": divide_no_nan(tp, tp + fp)}

    def _best(self, constrained, dependent):
        """max of ``dependent`` where ``constrained >= value``; 0 if no threshold qualifies."""
        rates = self._rates()
        feasible = rates[constrained] >= self.value
        best = backend.xp.max(rates[dependent][feasible]) if feasible.any() else 0.0
        return as_result(best, self._state_dtype)

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id,
                "num_thresholds": self.num_thresholds, self._value_name: self.value}


@register_metric()
class SensitivityAtSpecificity(SensitivitySpecificityBase):
    """The best sensitivity (recall) among thresholds whose specificity is >= ``specificity``.

    Formula: ``max{TP/(TP+FN) at t : TN/(TN+FP) at t >= specificity}``.

    Args:
        specificity: required specificity in [0, 1].
        num_thresholds: number of evenly spaced thresholds in [0, 1] (default 200).
        class_id: compute the binary metric for this class only.
        name: name of the metric instance.
        dtype: kept as ``metric.dtype``; the counts and the result are floatx, as
            in Keras.
    """

    _value_name = "specificity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name=name, dtype=dtype)
        self.specificity = specificity

    def result(self):
        return self._best("specificity", "recall")


@register_metric()
class SpecificityAtSensitivity(SensitivitySpecificityBase):
    """The best specificity among thresholds whose sensitivity is >= ``sensitivity``.

    Formula: ``max{TN/(TN+FP) at t : TP/(TP+FN) at t >= sensitivity}``.

    Args:
        sensitivity: required sensitivity in [0, 1].
        num_thresholds: number of evenly spaced thresholds in [0, 1] (default 200).
        class_id: compute the binary metric for this class only.
        name: name of the metric instance.
        dtype: kept as ``metric.dtype``; the counts and the result are floatx, as
            in Keras.
    """

    _value_name = "sensitivity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name=name, dtype=dtype)
        self.sensitivity = sensitivity

    def result(self):
        return self._best("recall", "specificity")


@register_metric()
class PrecisionAtRecall(SensitivitySpecificityBase):
    """The best precision among thresholds whose recall is >= ``recall``.

    Formula: ``max{TP/(TP+FP) at t : TP/(TP+FN) at t >= recall}``.

    Args:
        recall: required recall in [0, 1].
        num_thresholds: number of evenly spaced thresholds in [0, 1] (default 200).
        class_id: compute the binary metric for this class only.
        name: name of the metric instance.
        dtype: kept as ``metric.dtype``; the counts and the result are floatx, as
            in Keras.
    """

    _value_name = "recall"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name=name, dtype=dtype)
        self.recall = recall

    def result(self):
        return self._best("recall", "precision")


@register_metric()
class RecallAtPrecision(SensitivitySpecificityBase):
    """The best recall among thresholds whose precision is >= ``precision`` (0 if none).

    Formula: ``max{TP/(TP+FN) at t : TP/(TP+FP) at t >= precision}``.

    Args:
        precision: required precision in [0, 1].
        num_thresholds: number of evenly spaced thresholds in [0, 1] (default 200).
        class_id: compute the binary metric for this class only.
        name: name of the metric instance.
        dtype: kept as ``metric.dtype``; the counts and the result are floatx, as
            in Keras.
    """

    _value_name = "precision"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name=name, dtype=dtype)
        self.precision = precision

    def result(self):
        return self._best("precision", "recall")
