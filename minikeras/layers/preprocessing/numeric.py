"""Numeric features: Normalization (standardize with adapted or given statistics) and
Discretization (bucket values by boundaries, given or adapted as quantiles)."""
import math

import numpy as np

from ... import backend, ops
from ..layer import LAYERS
from .preprocessing_layer import (PreprocessingLayer, adapt_batches, as_array,
                                  check_output_mode, encode_categorical, encoded_shape,
                                  is_shape_probe, refuse_sparse)


@LAYERS.register("Normalization")
class Normalization(PreprocessingLayer):
    """Shift and scale features: ``(x - mean) / max(sqrt(variance), epsilon)``.

    With ``invert=True`` the layer undoes that: ``mean + x * max(sqrt(variance), epsilon)``.
    ``mean`` and ``variance`` are given, or computed by :meth:`adapt` separately for each
    index of the kept ``axis`` (the others are reduced). Adapted statistics are the
    non-trainable weights ``mean``, ``variance`` (and Keras's unused ``count``), so they are
    saved in every file format.

    Args:
        axis: the axis (int, tuple, or None for one scalar mean/variance) to keep; -1.
        mean, variance: the statistics, broadcastable to the kept axes; both or neither.
        invert: apply the inverse transformation.
    """

    supports_masking = True  # passes its input's mask on, as in Keras

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        self.axis = tuple(axis)
        self.input_mean, self.input_variance = mean, variance
        self.invert = bool(invert)
        if (mean is None) != (variance is None):
            raise ValueError("When setting values directly, both `mean` and `variance` must be "
                             f"set. Received: mean={mean} and variance={variance}")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(
                    "When setting values directly, `mean` and `variance` must have the same "
                    f"shape. Received: mean shape {np.shape(mean)} and variance shape "
                    f"{np.shape(variance)}")
            if np.ndim(mean) > len(self.axis):
                raise ValueError(
                    f"The rank of `mean` must be less than or equal to the number of axes "
                    f"({len(self.axis)}). Received: mean shape {np.shape(mean)} for axis "
                    f"{self.axis}")
        self.mean = self.variance = None  # broadcastable statistics, set by build / adapt

    def build(self, input_shape):
        ndim = len(input_shape)
        if any(not -ndim <= a < ndim for a in self.axis):
            raise ValueError("All `axis` values must be in the range [-ndim, ndim). Received "
                             f"inputs with ndim={ndim}, while axis={self.axis}")
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        for a in self._keep_axis:
            if input_shape[a] is None:
                raise ValueError(
                    f"All `axis` values to be kept must have a known shape. Received "
                    f"axis={self.axis}, inputs.shape={tuple(input_shape)}, with unknown axis "
                    f"at index {a}")
        self._reduce_axis = tuple(a for a in range(ndim) if a not in self._keep_axis)
        self._broadcast_shape = tuple(input_shape[a] if a in self._keep_axis else 1
                                      for a in range(ndim))
        self._stat_shape = tuple(input_shape[a] for a in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(shape=self._stat_shape, initializer="zeros",
                                              trainable=False, name="mean")
            self.adapt_variance = self.add_weight(shape=self._stat_shape, initializer="ones",
                                                  trainable=False, name="variance")
            self.count = self.add_weight(shape=(), dtype="int32", initializer="zeros",
                                         trainable=False, name="count")
            self.finalize_state()
        else:
            self.mean = self._broadcastable(self.input_mean)
            self.variance = self._broadcastable(self.input_variance)

    def _broadcastable(self, stat):
        """A given mean/variance (scalar, or the trailing kept axes) in the input's rank."""
        stat = np.asarray(stat, dtype=self.dtype)
        shape = [1] * len(self._broadcast_shape)
        for i in range(1, stat.ndim + 1):
            shape[self._keep_axis[-i]] = stat.shape[-i]
        # a tensor, as Keras keeps it (scripts print ``layer.mean.numpy()``)
        return ops.convert_to_tensor(np.broadcast_to(stat.reshape(shape),
                                                     self._broadcast_shape))

    def finalize_state(self):
        """Turn the adapted weights into the broadcastable statistics ``call`` uses."""
        if self.input_mean is not None or not self.built:
            return
        self.mean = ops.convert_to_tensor(np.reshape(self.adapt_mean.value,
                                                     self._broadcast_shape))
        self.variance = ops.convert_to_tensor(np.reshape(self.adapt_variance.value,
                                                         self._broadcast_shape))

    def adapt(self, data, batch_size=None, steps=None):
        """Compute the mean and (biased) variance of ``data`` over the reduced axes.

        ``data`` is an array (statistics in one pass) or an iterable of batches: the
        per-batch statistics are then merged, weighting each by its number of values.
        """
        if self.input_mean is not None:
            raise ValueError(f"Layer '{self.name}' was given `mean` and `variance`; it cannot "
                             "also be adapted. Create it without them to use adapt().")
        total_mean = total_var = None
        total_count = 0
        # Keras takes a NumPy array's statistics in the array's own precision (np.mean of
        # float64 data, then stored as float32); batches it converts to the layer's dtype
        whole = isinstance(data, np.ndarray) and batch_size is None and steps is None
        for batch in adapt_batches(data, steps, batch_size=batch_size):
            batch = batch if whole else batch.astype(self.dtype)
            if not self.built:  # an array's own shape, batch size included, as Keras
                self.build_from_shape(batch.shape if isinstance(data, np.ndarray)
                                      else (None,) + batch.shape[1:])
            self._check_adapt_shape(batch.shape)
            mean = batch.mean(axis=self._reduce_axis)
            var = batch.var(axis=self._reduce_axis)
            count = math.prod(batch.shape[a] for a in self._reduce_axis)
            if total_count == 0:
                total_mean, total_var, total_count = mean, var, count
                continue
            total_count += count
            new_weight = count / total_count
            old_weight = 1.0 - new_weight
            merged_mean = total_mean * old_weight + mean * new_weight
            total_var = ((total_var + (total_mean - merged_mean) ** 2) * old_weight
                         + (var + (mean - merged_mean) ** 2) * new_weight)
            total_mean = merged_mean
        if total_count == 0:
            raise ValueError(f"{self.name}.adapt() received no data (an empty iterable). "
                             "Pass an array or a non-empty iterable of batches.")
        self.adapt_mean.assign(total_mean)
        self.adapt_variance.assign(total_var)
        self.finalize_state()

    def _check_adapt_shape(self, shape):
        expected = self._build_input_shape
        if len(shape) != len(expected) or any(shape[a] != expected[a] for a in self._keep_axis):
            raise ValueError(
                f"The layer was built with input_shape={tuple(expected)}, but adapt() is being "
                f"called with data with an incompatible shape, data.shape={shape}")

    def call(self, inputs):
        """Before ``adapt`` the statistics are their initial mean 0 and variance 1, so the
        inputs come back unchanged, as in Keras."""
        inputs = ops.cast(inputs, self.dtype)
        self.finalize_state()  # the weights may have been loaded since the last call
        scale = np.maximum(np.sqrt(np.asarray(self.variance)),
                           backend.epsilon()).astype(self.dtype)
        mean = np.asarray(self.mean, dtype=self.dtype)
        if self.invert:
            return ops.add(mean, ops.multiply(inputs, scale))
        return ops.divide(ops.subtract(inputs, mean), scale)

    def get_config(self):
        return {**super().get_config(), "axis": tuple(self.axis), "invert": self.invert,
                "mean": np.array(self.input_mean).tolist(),
                "variance": np.array(self.input_variance).tolist()}


@LAYERS.register("Discretization")
class Discretization(PreprocessingLayer):
    """Bucket each value: bin ``i`` holds ``bin_boundaries[i-1] <= x < bin_boundaries[i]``.

    Boundaries are given, or :meth:`adapt` estimates ``num_bins`` quantile bins (Keras's
    weighted-summary algorithm with tolerance ``epsilon``, so the boundaries match).

    Args:
        bin_boundaries: sorted list of boundaries (``len + 1`` bins), or None with num_bins.
        num_bins: number of bins to adapt. epsilon: quantile error tolerance (0.01).
        output_mode: "int" (bin index, int32), "one_hot", "multi_hot" or "count".
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, dtype=None, name=None, **kwargs):
        super().__init__(dtype=dtype, name=name, **kwargs)
        refuse_sparse(self, sparse)
        self.output_mode = check_output_mode(self, output_mode,
                                             ("int", "one_hot", "multi_hot", "count"))
        if num_bins is not None and num_bins < 0:
            raise ValueError("`num_bins` must be greater than or equal to 0. "
                             f"Received: `num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(
                "Both `num_bins` and `bin_boundaries` should not be set. Received: "
                f"`num_bins={num_bins}` and `bin_boundaries={bin_boundaries}`")
        if num_bins is None and bin_boundaries is None:
            raise ValueError("You need to set either `num_bins` or `bin_boundaries`.")
        self.bin_boundaries = None if bin_boundaries is None else list(bin_boundaries)
        self.num_bins, self.epsilon, self.sparse = num_bins, epsilon, False
        self.summary = np.zeros((2, 0), dtype="float32")

    def adapt(self, data, batch_size=None, steps=None):
        """Estimate ``num_bins`` quantile boundaries from ``data`` (array or batches)."""
        if self.num_bins is None:
            raise ValueError("Cannot adapt a Discretization layer that has been initialized "
                             "with `bin_boundaries`, use `num_bins` instead.")
        self.summary = np.zeros((2, 0), dtype="float32")
        for batch in adapt_batches(data, steps, batch_size=batch_size):
            merged = np.concatenate([_summarize(batch.astype("float32"), self.epsilon),
                                     self.summary], axis=1)
            merged = merged[:, np.argsort(merged[0])]
            self.summary = _compress_summary(merged, self.epsilon)
        self.bin_boundaries = _compress_summary(self.summary, 1.0 / self.num_bins)[0, :-1] \
            .tolist()

    def call(self, inputs):
        if self.bin_boundaries is None and not is_shape_probe(inputs):
            raise ValueError(f"Layer '{self.name}' has no bin boundaries yet: call "
                             "adapt(data) first, or pass `bin_boundaries`.")
        boundaries = self.bin_boundaries or [0.0] * (max(self.num_bins or 1, 1) - 1)
        indices = np.digitize(as_array(inputs), boundaries)
        dtype = "int32" if self.output_mode == "int" else self.dtype
        return encode_categorical(indices, self.output_mode, len(boundaries) + 1, dtype)

    def compute_output_shape(self, input_shape):
        bins = len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else \
            self.num_bins
        return encoded_shape(input_shape, self.output_mode, bins)

    def get_config(self):
        # exactly Keras's keys: its __init__ takes no `trainable`, so none is written
        return {"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins,
                "epsilon": self.epsilon, "output_mode": self.output_mode,
                "sparse": self.sparse, "name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        boundaries = config.pop("bin_boundaries", None)
        if config.get("num_bins") is None:
            return cls(bin_boundaries=boundaries, **config)
        layer = cls(**config)  # adapted: keep num_bins and restore the learned boundaries
        layer.bin_boundaries = boundaries
        return layer


def _summarize(values, epsilon):
    """Every ``len/(1/epsilon)``-th sorted value, each weighted by that step (Keras's summary)."""
    values = np.sort(values.reshape(-1))
    step = max(values.size / (1.0 / epsilon), 1)
    boundaries = values[int(step - 1)::int(step)]
    return np.stack([boundaries, np.full_like(boundaries, step)])


def _compress_summary(summary, epsilon):
    """Re-sample a weighted summary at cumulative-weight fractions epsilon, 2*epsilon, ..., 1."""
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    fractions = cum_weights / cum_weights[-1]
    new_bins = np.interp(percents, fractions, summary[0])
    cum_weights = np.interp(percents, fractions, cum_weights)
    new_weights = cum_weights - np.concatenate(([0.0], cum_weights[:-1]))
    return np.stack((new_bins, new_weights)).astype("float32")
