"""Reducers: Sum, Mean, and MeanMetricWrapper (the running mean of a per-sample function)."""
import inspect

import numpy as np

from .. import backend
from ..autodiff.grad_mode import no_grad
from ..autodiff.tensor import Tensor
from ..losses.loss import apply_mask, get_loss_mask
from ..registry import function_config
from .metric import (Metric, as_result, divide_no_nan, divided_dtype, lookup_function,
                     register_metric, squeeze_or_expand_to_same_rank, to_array, to_float_array)


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype):
    """Weight ``values`` and reduce them to one value per sample, as Keras does.

    With a sample weight: the rank fix is applied to (values, weight); axes of
    ``values`` beyond the weight's rank are reduced with ``reduce_fn``; the weight
    is broadcast to the values and multiplied in; a weight of rank > 1 is then
    reduced over its non-batch axes. Finally every non-batch axis of the values
    is reduced.

    Returns:
        ``(values, sample_weight)``: values of shape ``(batch,)`` (or a scalar),
        and the weight reduced the same way (None when not given).
    """
    xp = backend.xp
    values = to_array(values, dtype)
    if sample_weight is not None:
        sample_weight = to_array(sample_weight, dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_ndim, values_ndim = sample_weight.ndim, values.ndim
        if values_ndim > weight_ndim:
            values = reduce_fn(values, axis=tuple(range(weight_ndim, values_ndim)))
        try:
            sample_weight = xp.broadcast_to(sample_weight, values.shape)
        except ValueError:
            raise ValueError(
                f"`sample_weight` of shape {tuple(sample_weight.shape)} cannot be broadcast to "
                f"the per-sample metric values of shape {tuple(values.shape)}. Pass one weight "
                "per sample, shape (batch_size,), or a weight with the same shape as the "
                "values.") from None
        values = values * sample_weight
        if weight_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=tuple(range(1, weight_ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


@register_metric()
class Sum(Metric):
    """The (weighted) sum of the given values.

    Formula: ``result = Σ value·weight`` over every update.

    Args:
        name: name of the metric instance.
        dtype: dtype of the result.
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = reduce_to_samplewise_values(values, sample_weight, backend.xp.sum, self.dtype)
        self.total.assign_add(backend.xp.sum(values))

    def result(self):
        return as_result(self.total.value, self.dtype)


@register_metric()
class Mean(Metric):
    """The (weighted) mean of the given values.

    Formula: ``result = Σ value·weight / Σ weight`` (0 when nothing was seen);
    without weights the count is the number of samples. Values with more than one
    axis are first averaged over their non-batch axes.

    Args:
        name: name of the metric instance.
        dtype: dtype of the result.
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", name="total")
        self.count = self.add_variable((), "zeros", name="count")

    def update_state(self, values, sample_weight=None):
        xp = backend.xp
        if sample_weight is None and type(values) is np.ndarray and values.ndim == 1:
            # one value per sample, unweighted (a MeanMetricWrapper's batch): what the general
            # path below computes, without its checks
            # (np.add.reduce: the sum ndarray.sum computes, without its Python wrapper)
            self._add(np.add.reduce(values.astype(self.dtype, copy=False)), values.shape[0])
            return
        if _is_scalar(values) and (sample_weight is None or _is_scalar(sample_weight)):
            # One scalar (the trainer's loss, weighted by the batch size): skip the general path.
            weight = 1.0 if sample_weight is None else float(sample_weight)
            self._add(float(values) * weight, weight)
            return
        values, sample_weight = reduce_to_samplewise_values(
            values, sample_weight, xp.mean, self.dtype)
        self.total.assign_add(xp.sum(values))
        if sample_weight is not None:
            count = xp.sum(sample_weight)
        else:
            count = values.shape[0] if values.ndim >= 1 else 1
        self.count.assign_add(count)

    def _add(self, total, count):
        """Add to the running sums in place, each number cast to its buffer's dtype first
        (as ``Variable.assign_add``; the per-batch fast paths skip its conversions)."""
        # scalar arithmetic in the buffers' dtype: `+=` on a 0-d array costs ~3x as much
        buffer = self.total.data
        buffer[()] = buffer[()] + buffer.dtype.type(total)
        buffer = self.count.data
        buffer[()] = buffer[()] + buffer.dtype.type(count)

    def result(self):
        return as_result(divide_no_nan(self.total.value, self.count.value),
                         divided_dtype(self.dtype))


def _is_scalar(x):
    """Whether ``x`` (a number or an array-like) has no axes; numbers and arrays answer
    without ``np.ndim``'s generic dispatch."""
    kind = type(x)
    if kind is int or kind is float:
        return True
    return x.ndim == 0 if kind is np.ndarray else backend.xp.ndim(x) == 0


def serialize_function(fn):
    """The Keras config of a plain function: its registered name, or its ``__name__``."""
    return function_config(fn)


def deserialize_function(config, custom_objects=None):
    """The function a :func:`serialize_function` dict (or a bare name) refers to."""
    if callable(config):
        return config
    if isinstance(config, dict):
        registered = config.get("registered_name")
        name = registered if registered not in (None, "function") else config.get("config")
    else:
        name = config
    return lookup_function(name, custom_objects)


@register_metric()
class MeanMetricWrapper(Mean):
    """The running mean of a per-sample function ``fn(y_true, y_pred, **kwargs)``.

    Formula: ``result = Σ fn(y_true, y_pred)·weight / Σ weight`` over all samples
    seen, where extra axes of ``fn``'s output are first averaged per sample.

    Args:
        fn: the function, e.g. a metric or loss function.
        name: name of the metric instance (default: ``mean_metric_wrapper``, made unique).
        dtype: dtype of the result.
        **kwargs: keyword arguments passed on to ``fn``.
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        if not callable(fn):
            raise TypeError(
                f"MeanMetricWrapper expects a callable `fn(y_true, y_pred)`. Received: fn={fn!r}")
        self._fn = fn
        self._fn_kwargs = kwargs
        # Wrapping a loss function means an error-like metric: smaller is better.
        module = getattr(fn if inspect.isfunction(fn) else type(fn), "__module__", "") or ""
        if module.startswith("minikeras.losses"):
            self._direction = "down"

    def _convert_inputs(self, y_true, y_pred):
        """Hook for subclasses to convert inputs before ``fn`` sees them."""
        return y_true, y_pred

    def update_state(self, y_true, y_pred, sample_weight=None):
        # entries masked out in the prediction (its Keras mask) do not count, as in Keras
        sample_weight = apply_mask(sample_weight, get_loss_mask(y_pred), self.dtype, "sum")
        y_true, y_pred = self._convert_inputs(y_true, y_pred)
        with no_grad():
            values = self._fn(y_true, y_pred, **self._fn_kwargs)
        return super().update_state(to_array(values), sample_weight=sample_weight)

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype, "fn": serialize_function(self._fn)}
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config:
            config["fn"] = deserialize_function(config["fn"])
        return cls(**config)


class LossMetricWrapper(MeanMetricWrapper):
    """A MeanMetricWrapper around a loss function of ``minikeras.losses`` (error-like).

    Integer or boolean inputs are cast to floatx before the loss sees them, so
    ``MeanSquaredError()([[0, 1]], [[1, 1]])`` works as in Keras. Subclasses set
    ``_int_labels = True`` when ``y_true`` holds class indices.
    """

    _int_labels = False

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(fn, name=name, dtype=dtype, **kwargs)
        self._direction = "down"

    def _convert_inputs(self, y_true, y_pred):
        y_pred = y_pred if _is_float_tensor(y_pred) else to_float_array(y_pred)
        if not self._int_labels:
            y_true = y_true if _is_float_tensor(y_true) else to_float_array(y_true)
        return y_true, y_pred

    def get_config(self):
        # Subclasses take their own arguments, not `fn`.
        return {"name": self.name, "dtype": self.dtype, **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _is_float_tensor(x):
    return isinstance(x, Tensor) and backend.is_float_dtype(x.dtype)
