"""AUC: the area under the ROC or precision-recall curve, from bucketed confusion counts."""
import numpy as np

from .. import backend
from .confusion_utils import is_evenly_distributed, update_confusion_matrix
from .metric import Metric, as_result, divide_no_nan, register_metric, to_array

_CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
_SUMMATIONS = ("interpolation", "minoring", "majoring")


@register_metric()
class AUC(Metric):
    """Approximate area under the ROC (default) or PR curve with a Riemann sum.

    TP/FP/TN/FN are accumulated at ``num_thresholds`` thresholds:
    ``[-eps, 1/(n-1), 2/(n-1), ..., (n-2)/(n-1), 1+eps]`` (predictions are clipped
    to [0, 1] first). Then, with x_i/y_i the curve points at threshold i:

    Formula:
        ROC: x = FP/(FP+TN), y = TP/(TP+FN); PR: x = TP/(TP+FN), y = TP/(TP+FP)
        PRGAIN (Flach & Kull's precision-recall gain): with s = (TP+FN)/(TN+FP),
        x = max(1 - s·FN/TP, 0), y = 1 - s·FP/TP; where TP = 0, x = 0 and y = 1
        area = Σ_i (x_i - x_{i+1}) · h_i, with h_i = (y_i + y_{i+1}) / 2 for
        "interpolation", min(y_i, y_{i+1}) for "minoring", max for "majoring".
        PR with "interpolation" uses Davis & Goadrich's interpolation instead:
        TP and P = TP+FP vary linearly inside each interval, so each interval adds
        slope·(ΔTP + intercept·log(P_i / P_{i+1})) / (TP+FN)_{i+1} with
        slope = ΔTP/ΔP and intercept = TP_{i+1} - slope·P_{i+1}.

    Args:
        num_thresholds: number of thresholds (> 1), default 200.
        curve: "ROC", "PR" or "PRGAIN" (any case).
        summation_method: "interpolation", "minoring" or "majoring".
        name: name of the metric instance (default ``auc``, made unique).
        dtype: kept as ``metric.dtype``; the counts and the result are floatx, as
            in Keras.
        thresholds: explicit thresholds in [0, 1] (``num_thresholds`` is then
            ``len(thresholds) + 2``: -eps and 1+eps are added).
        multi_label: compute one AUC per label (column of a 2-D ``y_pred``) and
            average them, instead of flattening all labels into one curve.
        num_labels: number of labels with multi_label (else found on first update).
        label_weights: per-label weights: for multi_label, weights of the label AUCs
            in the average; otherwise, weights of each column's predictions.
        from_logits: apply a sigmoid to ``y_pred`` first.
    """

    _counts_in_floatx = True  # as Keras: floatx state whatever `dtype` is given

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        if str(curve).lower() not in _CURVES:
            raise ValueError(f'Invalid AUC curve value: "{curve}". Expected values are '
                             '["PR", "ROC", "PRGAIN"]')
        if str(summation_method).lower() not in _SUMMATIONS:
            raise ValueError(f'Invalid AUC summation method value: "{summation_method}". '
                             'Expected values are ["interpolation", "majoring", "minoring"]')
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
            self.num_thresholds = len(inner) + 2
            self._evenly = is_evenly_distributed([0.0] + inner + [1.0])
        else:
            if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, int) or \
                    num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly = True
        eps = backend.epsilon()
        self._thresholds = [0.0 - eps] + inner + [1.0 + eps]
        self.curve = _CURVES[str(curve).lower()]
        self.summation_method = str(summation_method).lower()
        self.multi_label = bool(multi_label)
        self.num_labels = num_labels
        self.label_weights = (None if label_weights is None
                              else np.asarray(label_weights, dtype=self._state_dtype))
        self._from_logits = from_logits
        self._built = False
        if self.multi_label:
            if num_labels:
                self._build((None, num_labels))
        else:
            if num_labels:
                raise ValueError("`num_labels` is needed only when `multi_label` is True.")
            self._build(None)

    @property
    def thresholds(self):
        """The thresholds used, including the -eps and 1+eps end points."""
        return list(self._thresholds)

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(
                    "`y_pred` must have rank 2 when `multi_label=True`. Found rank "
                    f"{len(shape)}. Full shape received for `y_pred`: {tuple(shape)}")
            self._num_labels = shape[1]
            size = (self.num_thresholds, self._num_labels)
        else:
            size = (self.num_thresholds,)
        self.true_positives = self.add_variable(size, "zeros", name="true_positives")
        self.false_positives = self.add_variable(size, "zeros", name="false_positives")
        self.true_negatives = self.add_variable(size, "zeros", name="true_negatives")
        self.false_negatives = self.add_variable(size, "zeros", name="false_negatives")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = to_array(y_pred, self._state_dtype)
        if not self._built:
            self._build(y_pred.shape)
        if self._from_logits:
            with np.errstate(over="ignore"):
                y_pred = (1.0 / (1.0 + backend.xp.exp(-y_pred))).astype(self._state_dtype)
        update_confusion_matrix(
            {"tp": self.true_positives, "fp": self.false_positives,
             "tn": self.true_negatives, "fn": self.false_negatives},
            y_true, y_pred, self._thresholds, sample_weight=sample_weight,
            multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights,
            evenly_distributed=self._evenly, where="AUC")

    def _average_labels(self, per_threshold):
        """Sum over thresholds; with multi_label, then (weighted) mean over labels."""
        xp = backend.xp
        if not self.multi_label:
            return xp.sum(per_threshold)
        by_label = xp.sum(per_threshold, axis=0)
        if self.label_weights is None:
            return xp.mean(by_label)
        return divide_no_nan(xp.sum(by_label * self.label_weights), xp.sum(self.label_weights))

    def _interpolate_pr_auc(self):
        xp = backend.xp
        tp, fp, fn = (self.true_positives.value, self.false_positives.value,
                      self.false_negatives.value)
        d_tp = tp[:-1] - tp[1:]
        p = tp + fp
        d_p = p[:-1] - p[1:]
        slope = divide_no_nan(d_tp, xp.maximum(d_p, 0))
        intercept = tp[1:] - slope * p[1:]
        safe_ratio = xp.where((p[:-1] > 0) & (p[1:] > 0),
                              divide_no_nan(p[:-1], xp.maximum(p[1:], 0)), 1.0)
        increments = divide_no_nan(slope * (d_tp + intercept * xp.log(safe_ratio)),
                                   xp.maximum(tp[1:] + fn[1:], 0))
        return self._average_labels(increments)

    def result(self):
        xp = backend.xp
        if not self._built:
            return as_result(0.0, self._state_dtype)
        if self.curve == "PR" and self.summation_method == "interpolation":
            return as_result(self._interpolate_pr_auc(), self._state_dtype)
        tp, fp = self.true_positives.value, self.false_positives.value
        tn, fn = self.true_negatives.value, self.false_negatives.value
        x, y = self._curve_points(tp, fp, tn, fn)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = xp.minimum(y[:-1], y[1:])
        else:
            heights = xp.maximum(y[:-1], y[1:])
        return as_result(self._average_labels((x[:-1] - x[1:]) * heights), self._state_dtype)

    def _curve_points(self, tp, fp, tn, fn):
        """(x, y) of the curve at each threshold, from the confusion counts there."""
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            return divide_no_nan(fp, fp + tn), recall
        if self.curve == "PR":
            return recall, divide_no_nan(tp, tp + fp)
        xp = backend.xp
        scale = divide_no_nan(tp + fn, tn + fp)  # positives per negative
        no_tp = tp == 0
        recall_gain = xp.where(no_tp, 0.0, 1.0 - scale * divide_no_nan(fn, tp))
        precision_gain = xp.where(no_tp, 1.0, 1.0 - scale * divide_no_nan(fp, tp))
        return xp.maximum(recall_gain, 0.0), precision_gain

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        config = {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": (None if self.label_weights is None
                              else [float(w) for w in self.label_weights]),
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = [float(t) for t in self._thresholds[1:-1]]
        return config
