"""The Loss base class, reductions, the function wrapper and the loss registry.

A loss is a per-sample function (``y_true, y_pred -> values``, one value per
sample or per timestep) plus a thin class adding reduction and config. Every
function and class registers itself in ``LOSSES`` where it is defined.
"""
from .. import backend, ops
from ..arguments import plain
from ..autodiff import primitives as P
from ..autodiff.tensor import Tensor
from ..ops.core import as_float
from ..backend import xp
from ..dtype_policies import effective_dtype
from ..naming import auto_name, to_snake_case
from ..registry import CUSTOM_OBJECTS, Registry

LOSSES = Registry("loss")

_REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)
_REDUCTION_ALIASES = {"auto": "sum_over_batch_size"}  # Keras 2's default spelling


class Reduction:
    """The reduction names as constants (Keras 2's ``keras.losses.Reduction``)."""

    AUTO = "auto"  # Keras 2; means SUM_OVER_BATCH_SIZE
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"
    MEAN = "mean"
    MEAN_WITH_SAMPLE_WEIGHT = "mean_with_sample_weight"

    @classmethod
    def all(cls):
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE, cls.MEAN,
                cls.MEAN_WITH_SAMPLE_WEIGHT)

    @classmethod
    def validate(cls, key):
        standardize_reduction(key)


def standardize_reduction(reduction):
    """Return the Keras 3 reduction name; Keras 2's ``"auto"`` means ``"sum_over_batch_size"``."""
    if isinstance(reduction, str):
        reduction = _REDUCTION_ALIASES.get(reduction, reduction)
    if reduction not in _REDUCTIONS:  # Keras's words (its names as a set, the value bare)
        names = ", ".join(repr(name) for name in _REDUCTIONS)
        raise ValueError("Invalid value for argument `reduction`. Expected one of "
                         f"{{{names}}}. Received: reduction={reduction}")
    return reduction


# ---- tensors in, tensors out ---------------------------------------------------------

def to_float_tensor(x, dtype=None):
    """``x`` (Tensor, array, list, number) as a float Tensor (``ops.core.as_float``).

    ``dtype`` None keeps the dtype of a float Tensor or array and gives ``floatx()``
    otherwise (python lists and numbers, integer data). A probability tensor's
    ``.logits`` slot is carried through the cast.
    """
    if isinstance(x, Tensor) and (x.dtype == dtype or (dtype is None and x.dtype.kind == "f")):
        return x  # the common case: nothing to convert
    if xp.dtype(getattr(x, "dtype", float)).kind in "US":
        raise ValueError(
            f"Losses and metrics compare numbers, but received an array of strings (dtype "
            f"{x.dtype}, shape {tuple(x.shape)}). Map text labels to integers first, e.g. with "
            "a StringLookup layer or `np.unique(labels, return_inverse=True)`.")
    return with_logits(x, as_float, dtype)


def _as_targets(y_true, dtype, pred_shape=None):
    """``y_true`` as a float Tensor of the loss ``dtype``; an array of numbers of another
    dtype (integer labels, float64 values) cast by one node of the graph, so that a
    recorded step (autodiff/replay.py) casts each batch's targets again. With
    ``pred_shape``, the node also gives it the rank ``squeeze_or_expand_to_same_rank``
    gives it against predictions of that shape (a last axis of 1 added or dropped)."""
    array = y_true.data if type(y_true) is Tensor and y_true.creator is None \
        and not y_true.requires_grad else y_true  # (the compiled loss's Tensor of the batch)
    if type(array) is xp.ndarray and array.dtype != dtype and array.dtype.kind in "biuf":
        shape = array.shape if pred_shape is None else same_rank_shapes(array.shape,
                                                                        pred_shape)[0]
        return P.targets_cast(array, dtype, shape)
    return to_float_tensor(y_true, dtype)


def with_logits(t, transform, *args):
    """``transform(t, *args)``, with ``t``'s logits (``Tensor.logits``) transformed alike.

    A cast, reshape or axis move of a probability output keeps the logits it came
    from, so a crossentropy downstream can still use them.
    """
    out = transform(t, *args)
    logits = getattr(t, "logits", None)
    if out is not t and logits is not None:
        out.logits = transform(logits, *args)
    return out


def prepare(y_true, y_pred):
    """Tensors for a loss function: y_pred keeps its float dtype, y_true takes y_pred's."""
    y_pred = to_float_tensor(y_pred)
    return to_float_tensor(y_true, y_pred.dtype), y_pred


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Make ranks equal when they differ by one and the longer has a last dim of 1.

    The longer one is squeezed, unless the shorter has rank 1 (and
    ``expand_rank_1``): then the shorter is expanded. So labels ``(n,)`` against
    predictions ``(n, 1)`` become ``(n, 1)``/``(n, 1)``, never a broadcast ``(n, n)``.
    Tensors stay Tensors (keeping their logits); numpy arrays (the metrics') stay arrays.
    """
    shape1, shape2 = same_rank_shapes(tuple(x1.shape), tuple(x2.shape), expand_rank_1)
    return _to_rank(x1, len(shape1)), _to_rank(x2, len(shape2))


def same_rank_shapes(shape1, shape2, expand_rank_1=True):
    """The shapes ``squeeze_or_expand_to_same_rank`` gives operands of these shapes."""
    if len(shape1) == len(shape2) + 1 and shape1[-1] == 1:
        return (shape1, shape2 + (1,)) if len(shape2) == 1 and expand_rank_1 \
            else (shape1[:-1], shape2)
    if len(shape2) == len(shape1) + 1 and shape2[-1] == 1:
        return (shape1 + (1,), shape2) if len(shape1) == 1 and expand_rank_1 \
            else (shape1, shape2[:-1])
    return shape1, shape2


def _to_rank(x, rank):
    """x with its last axis of 1 dropped or added to make ``rank``, or x as it is."""
    if rank == len(x.shape):
        return x
    if rank > len(x.shape):
        return _last_axis(x, ops.expand_dims, xp.expand_dims)
    return _last_axis(x, ops.squeeze, xp.squeeze)


def _last_axis(x, tensor_fn, array_fn):
    """Add or drop the last axis: ``tensor_fn`` on a Tensor (logits alike), else ``array_fn``."""
    return with_logits(x, tensor_fn, -1) if isinstance(x, Tensor) else array_fn(x, -1)


# ---- masks on loss values (``Tensor.mask``, Keras's `_keras_mask`, e.g. from ignore_class) --

def set_loss_mask(tensor, mask):
    """Attach a boolean mask to ``tensor`` (its ``mask`` slot): masked-out entries leave the
    loss average."""
    tensor.mask = mask


def get_loss_mask(tensor):
    """The mask on ``tensor`` (``Tensor.mask``), or None (also for a non-Tensor)."""
    return getattr(tensor, "mask", None)


# ---- reduction ------------------------------------------------------------------------

def _divide_no_nan(x, divisor):
    """x / divisor, and 0 (with a zero gradient) where divisor is 0, as Keras's divide_no_nan."""
    d = ops.convert_to_numpy(divisor)
    if not xp.all(d):
        return ops.where(xp.zeros(x.shape, bool), x, 0.0)
    return ops.divide(x, divisor)


def apply_mask(sample_weight, mask, dtype, reduction):
    """Merge a boolean mask into the sample weights.

    For the averaging reductions each valid entry is weighted total/valid, so the
    final average runs over valid entries only; otherwise the mask is 0/1 weights.
    """
    if mask is None:
        return sample_weight
    mask = xp.asarray(ops.convert_to_numpy(mask), dtype=dtype)
    if reduction in ("mean", "sum_over_batch_size"):
        valid = mask.sum()
        mask = mask * (mask.size / valid if valid else 0.0)
    mask = Tensor(mask.astype(dtype, copy=False))
    if sample_weight is None:
        return mask
    mask, sample_weight = squeeze_or_expand_to_same_rank(mask, sample_weight)
    return ops.multiply(sample_weight, mask)


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Reduce (already weighted) loss values to a scalar.

    ``sum``: sum of all entries. ``sum_over_batch_size``/``mean``: that sum over the
    number of entries. ``mean_with_sample_weight``: over sum(sample_weight) when one
    was given. Scalars are returned as they are; empty values give 0, never NaN.
    """
    if reduction is None or reduction == "none" or values.ndim == 0:
        return values
    loss = ops.sum(values)
    if values.size == 0 or reduction == "sum":
        return loss
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return _divide_no_nan(loss, ops.cast(ops.sum(sample_weight), loss.dtype))
    return ops.divide(loss, float(values.size))


def reduce_weighted_values(values, sample_weight=None, mask=None,
                           reduction="sum_over_batch_size", dtype=None):
    """Apply mask and sample weights (with the rank fix) to loss values, then reduce."""
    reduction = standardize_reduction(reduction)
    values = to_float_tensor(values, dtype)
    if sample_weight is not None:
        sample_weight = to_float_tensor(sample_weight, values.dtype)
    sample_weight = apply_mask(sample_weight, mask, values.dtype, reduction)
    if sample_weight is not None:
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        try:
            xp.broadcast_shapes(values.shape, sample_weight.shape)
        except ValueError:
            per_sample = tuple(values.shape[:1]) + (1,) * (values.ndim - 1)
            raise ValueError(
                f"sample_weight of shape {tuple(sample_weight.shape)} does not broadcast "
                f"against the per-sample loss values of shape {tuple(values.shape)}. Give one "
                f"weight per sample with shape {per_sample}, or one per loss value with shape "
                f"{tuple(values.shape)}.") from None
        values = ops.multiply(values, sample_weight)
    return reduce_values(values, sample_weight, reduction)


# ---- the base class -----------------------------------------------------------------

@LOSSES.register("Loss")
class Loss:
    """Base class of every loss: subclass it and implement ``call(y_true, y_pred)``.

    ``call`` returns per-sample values; ``__call__`` casts the inputs to the loss
    dtype, calls ``call``, applies masks and ``sample_weight`` and reduces.

    Args:
        name: name of the instance (default: the snake-case class name, made unique as
            layer names are: ``my_loss``, ``my_loss_1``, ...).
        reduction: ``"sum_over_batch_size"`` (default), ``"sum"``, ``"mean"``,
            ``"mean_with_sample_weight"``, ``"none"`` or None (Keras 2's ``"auto"``
            is accepted and means ``"sum_over_batch_size"``).
        dtype: dtype of the computation (default ``floatx()``), or a dtype policy (a mixed
            one computes in its variable dtype, float32: docs/porting.md).
    """

    # True: integer targets are class indices and stay as they are (the cast to float and
    # back would give them again, copied outside the graph a recorded step runs again)
    _takes_class_indices = False

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or auto_name(to_snake_case(type(self).__name__))
        self.reduction = standardize_reduction(reduction)
        self._dtype = effective_dtype(dtype or backend.floatx())

    @property
    def dtype(self):
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        dtype = self.dtype
        if (sample_weight is None and type(y_pred) is Tensor and type(y_true) is Tensor
                and y_pred.mask is None and y_pred.data.dtype == dtype
                and y_true.data.dtype == dtype and y_pred.ndim and y_pred.shape[0]):
            return self._plain_call(y_true, y_pred)
        y_pred = to_float_tensor(y_pred, self.dtype)
        class_indices = xp.dtype(getattr(y_true, "dtype", float)).kind in "iu"
        if not (self._takes_class_indices and class_indices):
            y_true = self._targets(y_true, y_pred)
        if self.reduction not in (None, "none") and y_pred.ndim and y_pred.shape[0] == 0:
            return ops.multiply(ops.sum(y_pred), 0.0)  # an empty batch contributes 0
        values = self.call(y_true, y_pred)
        mask = get_loss_mask(y_pred)
        out_mask = get_loss_mask(values) if isinstance(values, Tensor) else None
        if mask is None or out_mask is None:
            mask = out_mask if mask is None else mask
        else:
            mask = xp.logical_and(ops.convert_to_numpy(mask), ops.convert_to_numpy(out_mask))
        return reduce_weighted_values(values, sample_weight, mask, self.reduction, self.dtype)

    def _plain_call(self, y_true, y_pred):
        """``__call__`` on a non-empty batch of Tensors in the loss dtype without a mask or
        sample weight (the usual training step): no conversion, and the default reduction's
        sum / size is one graph node when the values are floats without a mask."""
        values = self.call(y_true, y_pred)
        if not isinstance(values, Tensor):
            return reduce_weighted_values(values, None, None, self.reduction, self.dtype)
        if (values.mask is None and self.reduction == "sum_over_batch_size" and values.ndim
                and values.size and values.data.dtype == y_pred.data.dtype
                and values.data.dtype.kind == "f"):
            return P.sum_over_count(values, values.size)  # one node: sum / size
        return reduce_weighted_values(values, None, values.mask, self.reduction, self.dtype)

    def _targets(self, y_true, y_pred):
        """``y_true`` for ``call``: a float Tensor of the loss dtype (``_as_targets``)."""
        return _as_targets(y_true, self.dtype)

    def call(self, y_true, y_pred):
        raise NotImplementedError(
            f"{type(self).__name__} must implement call(y_true, y_pred) returning per-sample "
            "loss values.")

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


# The ``Args`` entries every built-in loss class shares, appended to its docstring.
LOSS_ARGS_DOC = """
        reduction: ``"sum_over_batch_size"`` (default), ``"sum"``, ``"mean"``,
            ``"mean_with_sample_weight"``, ``"none"`` or None.
        name: name of the instance.
        dtype: computation dtype (default ``floatx()``).
"""
# The same entries under their own ``Args:`` heading, for docstrings without one.
LOSS_ARGS_SECTION = "\n    Args:" + LOSS_ARGS_DOC


@LOSSES.register("LossFunctionWrapper")
class LossFunctionWrapper(Loss):
    """A Loss from a per-sample function ``fn(y_true, y_pred, **kwargs)``.

    ``call`` first applies ``squeeze_or_expand_to_same_rank`` to the inputs. The
    built-in loss classes are thin subclasses; their options are the ``kwargs``
    (readable as attributes, e.g. ``BinaryCrossentropy().from_logits``).

    Args:
        fn: the loss function (built-in, registered custom, or any callable).
        reduction, name, dtype: as in ``Loss``; ``name`` defaults to fn's name.
        **kwargs: passed to ``fn`` on every call.
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        if isinstance(fn, (str, dict)):
            fn = deserialize_function(fn)
        if not callable(fn):
            raise TypeError(f"LossFunctionWrapper needs a callable fn. Received: {fn!r}")
        if name is None:
            name = to_snake_case(getattr(fn, "__name__", type(fn).__name__))
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs
        self._takes_class_indices = getattr(fn, "_takes_class_indices", False)

    def __getattr__(self, attr):  # only reached when normal lookup fails
        kwargs = self.__dict__.get("_fn_kwargs", {})
        if attr in kwargs:
            return kwargs[attr]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {attr!r}")

    def _targets(self, y_true, y_pred):
        """``y_true`` for ``call``, an array of another dtype already in the rank ``call``
        gives it (one recorded node: ``_as_targets``)."""
        return _as_targets(y_true, self.dtype, tuple(y_pred.shape))

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = Loss.get_config(self)
        if type(self) is LossFunctionWrapper:
            config["fn"] = serialize_function(self.fn)
        config.update({k: plain(v) for k, v in self._fn_kwargs.items()})
        return config

    def __repr__(self):
        return f"<{type(self).__name__}({getattr(self.fn, '__name__', self.fn)}, " \
               f"kwargs={self._fn_kwargs})>"


def serialize_function(fn):
    """A loss function as Keras's function dict, named by its registered name."""
    name = LOSSES.name_of(fn) or CUSTOM_OBJECTS.name_of(fn) or getattr(fn, "__name__", None)
    if name is None:
        raise ValueError(f"Cannot serialize {fn!r}: it is not a named function.")
    return {"module": "builtins", "class_name": "function", "config": name,
            "registered_name": "function"}


def deserialize_function(identifier, custom_objects=None):
    """The function named by a string or a function dict."""
    if isinstance(identifier, dict):
        return LOSSES.deserialize(identifier, custom_objects)
    return LOSSES.lookup(identifier, custom_objects)
