"""Input checks shared by the losses: shapes, label formats, probabilities versus logits.

Each check raises a ValueError that names the loss, what it expected, what it
got, and the likely fix, before any math runs.
"""
import warnings

from .. import ops
from ..autodiff.softmax_crossentropy import check_labels
from ..autodiff.tensor import Tensor
from ..backend import xp


def _shape(x):
    return x.shape if isinstance(x, Tensor) else tuple(int(n) for n in ops.shape(x))


def check_broadcastable(loss_name, y_true, y_pred):
    """Elementwise losses broadcast y_true against y_pred, as Keras does; refuse the rest."""
    try:
        xp.broadcast_shapes(_shape(y_true), _shape(y_pred))
    except ValueError:
        raise ValueError(
            f"{loss_name}: y_true and y_pred have incompatible shapes: y_true.shape="
            f"{_shape(y_true)}, y_pred.shape={_shape(y_pred)}. They must be equal (or "
            "broadcastable); check the model's output size against the targets.") from None


def _not_same_shape(y_true, y_pred, hint):
    """Keras's error for targets not shaped like the predictions, then ``hint``."""
    return ValueError("Arguments `target` and `output` must have the same shape. Received: "
                      f"target.shape={_shape(y_true)}, output.shape={_shape(y_pred)}. {hint}")


def check_same_shape(loss_name, y_true, y_pred):
    """Binary crossentropies need targets shaped exactly like the predictions."""
    if _shape(y_true) == _shape(y_pred):
        return
    hint = f"{loss_name} needs y_true shaped like y_pred."
    if y_pred.ndim >= 2 and y_pred.shape[-1] > 1 and _shape(y_true) in (
            _shape(y_pred)[:-1], _shape(y_pred)[:-1] + (1,)):
        hint = ("The targets look like integer class labels for a "
                f"{y_pred.shape[-1]}-class output: use sparse_categorical_crossentropy "
                "(with a softmax output) instead.")
    raise _not_same_shape(y_true, y_pred, hint)


def check_one_hot_targets(loss_name, y_true, y_pred, axis=-1):
    """Categorical losses need one-hot (or soft) targets shaped like y_pred."""
    if _shape(y_true) == _shape(y_pred):
        if y_pred.ndim and y_pred.shape[axis] == 1:
            warnings.warn(
                f"In loss {loss_name}, expected y_pred.shape to be (batch_size, num_classes) "
                f"with num_classes > 1. Received: y_pred.shape={_shape(y_pred)}. The loss is "
                "then always 0; consider 'binary_crossentropy' for two classes.",
                UserWarning, stacklevel=4)
        return
    n_classes = y_pred.shape[-1] if y_pred.ndim else None
    if axis in (-1, y_pred.ndim - 1) and y_pred.ndim >= 2 and n_classes > 1 and _shape(y_true) in (
            _shape(y_pred)[:-1], _shape(y_pred)[:-1] + (1,)):
        raise _not_same_shape(y_true, y_pred, (
            f"{loss_name} expects one-hot targets; these look like integer class labels. Use "
            "loss='sparse_categorical_crossentropy', or one-hot encode the labels with "
            f"keras.utils.to_categorical(y, num_classes={n_classes})."))
    if y_true.ndim == y_pred.ndim and _shape(y_true)[:-1] == _shape(y_pred)[:-1]:
        raise _not_same_shape(y_true, y_pred, (
            f"{loss_name}: y_true has {y_true.shape[-1]} classes per sample but y_pred has "
            f"{n_classes}. Make the last Dense layer's units match the number of classes (or "
            "pass num_classes to to_categorical)."))
    raise _not_same_shape(y_true, y_pred, f"{loss_name} needs y_true shaped like y_pred.")


def sparse_labels(loss_name, y_true, y_pred, ignore_class=None):
    """Integer labels for a sparse loss, as an int array of shape ``y_pred.shape[:-1]``.

    A trailing label axis of size 1 is dropped; fractional values are cut toward zero,
    as Keras's cast to int does. One-hot targets and labels outside ``[0, num_classes)``
    (other than ``ignore_class``) raise ValueError.
    """
    labels = ops.convert_to_numpy(y_true)
    pred_shape = _shape(y_pred)
    if labels.ndim == len(pred_shape) and labels.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    n_classes = pred_shape[-1] if pred_shape else 0
    if labels.shape != pred_shape[:-1]:
        hint = (f"{loss_name} expects integer class labels of shape {pred_shape[:-1]} (or "
                f"{pred_shape[:-1] + (1,)}).")
        if labels.shape == pred_shape and n_classes > 1:
            hint += (" These look like one-hot targets: use loss='categorical_crossentropy', "
                     "or convert them with argmax(y, axis=-1).")
        raise ValueError(  # Keras's words, then the hint
            "Arguments `target` and `output` must have the same shape up until the last "
            f"dimension: target.shape={_shape(y_true)}, output.shape={pred_shape}. {hint}")
    if labels.size == 0:
        return labels.astype(xp.int64)
    # Keras casts: 2.7 is class 2 (resized masks); int64 labels are the batch's own array
    ints = labels.astype(xp.int64, copy=False) if labels.dtype.kind in "iu" \
        else xp.trunc(labels).astype(xp.int64)
    check_labels(loss_name, ints if ignore_class is None else ints[ints != ignore_class],
                 n_classes, pred_shape)
    return ints


def warn_if_logits_of_probabilities(loss_name, y_pred):
    """from_logits=True on a sigmoid/softmax output is almost always a mistake."""
    if getattr(y_pred, "logits", None) is not None:
        warnings.warn(
            f'"{loss_name}" received from_logits=True, but y_pred was produced by a sigmoid '
            "or softmax activation and so does not represent logits. Was this intended?",
            UserWarning, stacklevel=4)


def warn_if_not_probabilities(loss_name, y_pred, upper=True):
    """Values outside [0, 1] given with from_logits=False usually are logits."""
    data = ops.convert_to_numpy(y_pred)
    if data.size and (data.min() < 0 or (upper and data.max() > 1 + 1e-6)):
        warnings.warn(
            f"{loss_name} received y_pred values outside [0, 1] with from_logits=False; they "
            "are clipped as probabilities. If the model outputs logits (no softmax/sigmoid), "
            "pass from_logits=True.", UserWarning, stacklevel=4)
