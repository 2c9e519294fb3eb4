"""Intersection-over-Union metrics: IoU, BinaryIoU, MeanIoU, OneHotIoU, OneHotMeanIoU.

All accumulate one weighted confusion matrix ``cm[true_class, predicted_class]``
and read the per-class IoU from it. As in Keras 3.15 the matrix is int32 by default, so
float sample weights are truncated to integers (with Keras's warning); pass
``dtype="float32"`` to count fractional weights.
"""
import warnings

import numpy as np

from .. import backend
from .metric import Metric, as_result, register_metric, to_array


class _IoUBase(Metric):
    """Accumulates the (num_classes, num_classes) confusion matrix of integer labels.

    Args:
        num_classes: number of classes (the matrix is num_classes × num_classes).
        name: name of the metric instance.
        dtype: dtype of the confusion matrix (default int32, as in Keras; the result is
            float32).
        ignore_class: a label value whose entries are left out (e.g. a "void" class).
        sparse_y_true: labels are class ids; if False, the argmax along ``axis`` is taken.
        sparse_y_pred: predictions are class ids; if False, the argmax along ``axis``.
        axis: the class axis of dense labels or predictions.
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype or "int32")
        self._direction = "up"
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable((num_classes, num_classes), "zeros",
                                          name="total_confusion_matrix")

    def update_state(self, y_true, y_pred, sample_weight=None):
        xp = backend.xp
        y_true, y_pred = to_array(y_true), to_array(y_pred)
        if not self.sparse_y_true:
            y_true = xp.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = xp.argmax(y_pred, axis=self.axis)
        y_true = y_true.astype(self.dtype).reshape(-1)
        y_pred = y_pred.astype(self.dtype).reshape(-1)
        if sample_weight is None:
            weight = xp.ones((), self.dtype)
        else:
            if "float" in str(getattr(sample_weight, "dtype", "")) and "int" in self.dtype:
                warnings.warn("You are passing weight as `float`, but dtype is `int`. This may "
                              "result in an incorrect weight due to type casting Consider using "
                              "integer weights.", stacklevel=2)
            weight = to_array(sample_weight, self.dtype).reshape(-1)
        weight = xp.broadcast_to(weight, y_true.shape)
        if self.ignore_class is not None:
            valid = y_true != self.ignore_class
            y_true, y_pred, weight = y_true * valid, y_pred * valid, weight * valid
        labels, preds = y_true.astype(xp.int64), y_pred.astype(xp.int64)
        n = self.num_classes
        for name, values in (("labels", labels), ("predictions", preds)):
            if values.size and (values.min() < 0 or values.max() >= n):
                raise ValueError(
                    f"{type(self).__name__}: {name} must be class ids in [0, {n}), got values "
                    f"from {values.min()} to {values.max()}. Check `num_classes`, or pass "
                    "`ignore_class` for a void label.")
        cm = xp.zeros(n * n, self.dtype)
        xp.add.at(cm, labels * n + preds, weight.astype(self.dtype))   # cm[true, pred] += w
        self.total_cm.assign_add(cm.reshape(n, n))


@register_metric()
class IoU(_IoUBase):
    """Intersection-over-Union for the classes in ``target_class_ids``, averaged.

    Formula:
        ``iou_c = TP_c / (TP_c + FP_c + FN_c)`` from the confusion matrix; result =
        sum of ``iou_c / (denominator_c + eps)`` over target classes / (number of
        target classes with a non-zero denominator + eps).

    Args:
        num_classes: number of classes.
        target_class_ids: list/tuple of the class ids whose IoUs are averaged.
        name, dtype, ignore_class, sparse_y_true, sparse_y_pred, axis: as for the base.
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"Target class id {max(target_class_ids)} is out of range, which is "
                             f"[0, {num_classes}).")
        self.target_class_ids = list(target_class_ids)

    def result(self):
        xp = backend.xp
        eps = backend.epsilon()
        cm = self.total_cm.value.astype(np.float32)
        true_positives = xp.diagonal(cm)
        denominator = cm.sum(axis=0) + cm.sum(axis=1) - true_positives   # TP + FP + FN
        ids = xp.asarray(self.target_class_ids)
        true_positives, denominator = true_positives[ids], denominator[ids]
        num_valid = (denominator > 1e-9).astype(np.float32).sum()
        iou = true_positives / (denominator + eps)
        return as_result(iou.sum(axis=-1) / (num_valid + eps), "float32")

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


@register_metric()
class BinaryIoU(IoU):
    """IoU of a binary task: predictions ``>= threshold`` are class 1, the rest class 0.

    Args:
        target_class_ids: ``[0]``, ``[1]`` or ``[0, 1]`` (the default averages both).
        threshold: the cut applied to ``y_pred``.
        name, dtype: as for every metric.
    """

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name,
                         dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = (to_array(y_pred, "float32") >= self.threshold).astype(self.dtype)
        return super().update_state(to_array(y_true, self.dtype), y_pred, sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


@register_metric()
class MeanIoU(IoU):
    """The mean IoU over all ``num_classes`` classes.

    Args:
        num_classes, name, dtype, ignore_class, sparse_y_true, sparse_y_pred, axis: as for IoU.
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, list(range(num_classes)), name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


@register_metric()
class OneHotIoU(IoU):
    """IoU for one-hot labels (the argmax along ``axis`` gives the class ids).

    Args:
        num_classes, target_class_ids, name, dtype, ignore_class: as for IoU.
        sparse_y_pred: predictions are class ids already (default False: take the argmax).
        axis: the class axis.
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                "name": self.name, "dtype": self.dtype, "ignore_class": self.ignore_class,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


@register_metric()
class OneHotMeanIoU(MeanIoU):
    """Mean IoU for one-hot labels (the argmax along ``axis`` gives the class ids).

    Args:
        num_classes, name, dtype, ignore_class: as for MeanIoU.
        sparse_y_pred: predictions are class ids already (default False: take the argmax).
        axis: the class axis.
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}
