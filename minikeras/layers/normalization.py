"""BatchNormalization, LayerNormalization, GroupNormalization, RMSNormalization and
UnitNormalization."""
import warnings

import numpy as np

from .. import ops
from ..backend import epsilon
from ..autodiff import primitives as P
from .layer import LAYERS, InputSpec, Layer
from .weight_options import add_weight_with_options, set_weight_options, weight_options_config


class _ScaleShift(Layer):
    """Holds the gamma/beta arguments both normalization layers share."""

    def _init_scale_shift(self, epsilon, center, scale, beta_initializer, gamma_initializer,
                          beta_regularizer, gamma_regularizer, beta_constraint,
                          gamma_constraint):
        self.epsilon = float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        set_weight_options(self, beta_initializer=beta_initializer,
                           gamma_initializer=gamma_initializer,
                           beta_regularizer=beta_regularizer,
                           gamma_regularizer=gamma_regularizer,
                           beta_constraint=beta_constraint, gamma_constraint=gamma_constraint)

    def _build_scale_shift(self, shape, scale=None, center=None):
        """gamma then beta (Keras's creation order), or None for each that is switched off
        (``scale`` / ``center`` override the layer's own flags)."""
        self.gamma = self.beta = None
        if self.scale if scale is None else scale:
            self.gamma = add_weight_with_options(self, "gamma", shape)
        if self.center if center is None else center:
            self.beta = add_weight_with_options(self, "beta", shape)

    def _scale_shift_config(self, *more_weights, **options):
        """epsilon, center, scale, the ``options`` (a LayerNormalization's rms_scaling) and
        the options of beta, gamma and ``more_weights``, in Keras's order."""
        return {"epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                **options, **weight_options_config(self, "beta", "gamma", *more_weights)}


@LAYERS.register("BatchNormalization")
class BatchNormalization(_ScaleShift):
    """Normalize each feature along ``axis`` with batch statistics (training) or moving ones.

    Formula: ``y = gamma * (x - mean) / sqrt(var + epsilon) + beta``. With ``training=True``
    (and a trainable layer), mean and the biased var are taken over every axis but ``axis``,
    and then ``moving_mean = moving_mean * momentum + mean * (1 - momentum)`` (likewise
    ``moving_variance``, with no n/(n-1) correction). Otherwise, and always when
    ``trainable=False``, the moving statistics are used.

    Batch renormalization (``renorm=True``) keeps ``renorm_mean`` / ``renorm_stddev``
    (updated with ``renorm_momentum``) and ``moving_stddev``; in training the batch-normalized
    values become ``x_hat * r + d`` with ``r = stddev / renorm_stddev`` and
    ``d = (mean - renorm_mean) / renorm_stddev`` (constants for the gradient, clipped by
    ``renorm_clipping``), and ``moving_variance = relu(moving_stddev**2 - epsilon)``.

    Args:
        axis: the feature axis (an int; -1 for channels_last, 1 for channels_first).
        momentum: moving-average momentum (0.99). epsilon: added to the variance (1e-3).
        center, scale: whether to learn ``beta`` / ``gamma``.
        synchronized: under ``keras.distribution.DataParallel`` on several MPI ranks, take
            the batch statistics over every rank's shard (one Allreduce of the sums per
            call, and one of their gradients); otherwise each rank's own batch.
        renorm: batch renormalization in training; inference is the same either way.
        renorm_clipping: a dict of optional ``"rmin"``, ``"rmax"`` (bounds of r) and
            ``"dmax"`` (bound of |d|). renorm_momentum: the renorm statistics' momentum.
    """

    replica_group = None  # set by fit under a distribution when ``synchronized``
    mixes_batch_in_training = True  # batch statistics: TimeDistributed steps it one by one

    def __init__(self, axis=-1, momentum=0.99, epsilon=0.001, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        if renorm:
            renorm_clipping = _checked_renorm_clipping(renorm_clipping)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise ValueError(f"BatchNormalization expects `axis` to be an int. "
                             f"Received: axis={axis!r}")
        self.axis, self.momentum = axis, float(momentum)
        self._init_scale_shift(epsilon, center, scale, beta_initializer, gamma_initializer,
                               beta_regularizer, gamma_regularizer, beta_constraint,
                               gamma_constraint)
        set_weight_options(self, moving_mean_initializer=moving_mean_initializer,
                           moving_variance_initializer=moving_variance_initializer)
        self.renorm, self.renorm_clipping = bool(renorm), renorm_clipping
        self.renorm_momentum, self.synchronized = float(renorm_momentum), bool(synchronized)
        # the weights build makes; None until then, as in Keras
        self.gamma = self.beta = self.moving_mean = self.moving_variance = None

    def build(self, input_shape):
        rank = len(input_shape)
        if not -rank <= self.axis < rank:
            raise ValueError(f"Layer '{self.name}': axis {self.axis} is out of range for input "
                             f"shape {tuple(input_shape)}.")
        channels = input_shape[self.axis]
        if channels is None:
            raise ValueError(f"Layer '{self.name}': the size of axis {self.axis} must be known. "
                             f"Received input shape {tuple(input_shape)}.")
        shape = (channels,)
        self._build_scale_shift(shape)
        self.moving_mean = self.add_weight(shape=shape, initializer=self.moving_mean_initializer,
                                           trainable=False, name="moving_mean")
        self.moving_variance = self.add_weight(
            shape=shape, initializer=self.moving_variance_initializer, trainable=False,
            name="moving_variance")
        if self.renorm:
            self._build_renorm(shape)
        self.input_spec = InputSpec(ndim=rank, axes={self.axis: channels})
        self.built = True

    supports_masking = True

    def call(self, inputs, training=None, mask=None):
        if mask is not None and len(mask.shape) != inputs.ndim - 1:
            raise ValueError(
                f"Layer '{self.name}': the mask must have one dimension less than the inputs. "
                f"Received: mask.shape={tuple(mask.shape)}, inputs.shape={tuple(inputs.shape)}")
        if training and self.trainable and self.renorm:
            return self._renormalized(inputs, mask)
        if training and self.trainable:
            return self._batch_normalized(inputs, mask)
        return ops.batch_normalization(inputs, self.moving_mean, self.moving_variance,
                                       self.axis, offset=self.beta, scale=self.gamma,
                                       epsilon=self.epsilon)

    def _build_renorm(self, shape):
        """moving_stddev, renorm_mean and renorm_stddev (Keras's order after the moving
        statistics); each stddev starts at the square root of the variance initializer."""
        def stddev_initializer(shape, dtype=None):
            return ops.sqrt(self.moving_variance_initializer(shape, dtype=dtype))

        self.moving_stddev = self.add_weight(shape=shape, initializer=stddev_initializer,
                                             trainable=False, name="moving_stddev")
        self.renorm_mean = self.add_weight(shape=shape, initializer=self.moving_mean_initializer,
                                           trainable=False, name="renorm_mean")
        self.renorm_stddev = self.add_weight(shape=shape, initializer=stddev_initializer,
                                             trainable=False, name="renorm_stddev")

    def _renormalized(self, inputs, mask):
        """Training with batch renormalization: the batch-normalized values corrected by
        (r, d), then the renorm and moving statistics updated."""
        mean, variance = self._moments(inputs, mask)
        stddev = ops.sqrt(variance + self.epsilon)
        floor = np.sqrt(np.float32(self.epsilon))
        renorm_stddev = ops.maximum(self.renorm_stddev, floor)  # no division by ~0 early on
        r = ops.stop_gradient(stddev / renorm_stddev)
        d = ops.stop_gradient((mean - self.renorm_mean) / renorm_stddev)
        clip = self.renorm_clipping
        if clip.get("rmin") is not None:
            r = ops.maximum(r, clip["rmin"])
        if clip.get("rmax") is not None:
            r = ops.minimum(r, clip["rmax"])
        if clip.get("dmax") is not None:
            d = ops.clip(d, -clip["dmax"], clip["dmax"])
        # (x_hat * r + d) * gamma + beta = x_hat * (r * gamma) + (d * gamma + beta)
        scale = r if self.gamma is None else r * self.gamma
        offset = d if self.gamma is None else d * self.gamma
        if self.beta is not None:
            offset = offset + self.beta
        outputs = ops.batch_normalization(inputs, mean, variance, self.axis, offset=offset,
                                          scale=scale, epsilon=self.epsilon)
        self._update_renorm_statistics(mean.data, stddev.data)
        return outputs

    def _update_renorm_statistics(self, mean, stddev):
        m, rm = self.momentum, self.renorm_momentum
        self.renorm_mean.assign(self.renorm_mean.value * rm + mean * (1 - rm))
        self.renorm_stddev.assign(self.renorm_stddev.value * rm + stddev * (1 - rm))
        self.moving_mean.assign(self.moving_mean.value * m + mean * (1 - m))
        moving_stddev = self.moving_stddev.value * m + stddev * (1 - m)
        self.moving_stddev.assign(moving_stddev)
        self.moving_variance.assign(np.maximum(moving_stddev * moving_stddev - self.epsilon, 0))

    def _batch_normalized(self, inputs, mask=None):
        """The output normalized with the batch statistics, which update the moving ones:
        by the fused primitive (channels_last, where there are rows: the moments of none
        are NaN, ops.moments's as Keras's, not the primitive's zeros), else here."""
        if mask is None and self.replica_group is None \
                and self.axis % inputs.ndim == inputs.ndim - 1 and inputs.size:
            channels = inputs.shape[-1]
            gamma = self.gamma if self.scale else ops.ones((channels,), inputs.dtype)
            beta = self.beta if self.center else ops.zeros((channels,), inputs.dtype)
            return P.batch_norm_training(inputs, gamma, beta, self.epsilon, self.moving_mean,
                                         self.moving_variance, self.momentum)[0]
        outputs, mean, variance = self._batch_statistics(inputs, mask)
        m = self.momentum
        self.moving_mean.assign(self.moving_mean.value * m + mean.data * (1 - m))
        self.moving_variance.assign(self.moving_variance.value * m + variance.data * (1 - m))
        return outputs

    def _batch_statistics(self, inputs, mask=None):
        """(normalized output, batch mean, batch biased variance), each mean/var of shape
        (C,), where the fused primitive does not apply."""
        if mask is not None:
            return self._masked_statistics(inputs, mask)
        if self.replica_group is not None:
            return self._synchronized_statistics(inputs)
        mean, variance = self._moments(inputs)
        outputs = ops.batch_normalization(inputs, mean, variance, self.axis, offset=self.beta,
                                          scale=self.gamma, epsilon=self.epsilon)
        return outputs, mean, variance

    def _masked_statistics(self, inputs, mask):
        """Batch statistics over the unmasked positions only (Keras's formula)::

            mean = sum(m * x) / (sum(m) + eps),  var = sum(m * (x - mean)**2) / (sum(m) + eps)

        with ``m`` the mask (one axis fewer than ``inputs``) broadcast over the last axis and
        ``eps`` = ``keras.config.epsilon()``; masked positions are normalized all the same."""
        mean, variance = self._moments(inputs, mask)
        outputs = ops.batch_normalization(inputs, mean, variance, self.axis, offset=self.beta,
                                          scale=self.gamma, epsilon=self.epsilon)
        return outputs, mean, variance

    def _moments(self, inputs, mask=None):
        """(mean, biased variance), each of shape (C,), over every axis but the feature
        axis: over the unmasked positions when a mask is given."""
        axes = [a for a in range(inputs.ndim) if a != self.axis % inputs.ndim]
        if mask is None:
            return ops.moments(inputs, axes)
        keep = ops.broadcast_to(ops.expand_dims(ops.cast(mask, "bool"), -1), inputs.shape)
        weights = ops.sum(ops.cast(keep, inputs.dtype), axes, keepdims=True) + epsilon()
        mean = ops.sum(ops.where(keep, inputs, 0.0), axes, keepdims=True) / weights
        spread = ops.square(ops.where(keep, inputs - mean, 0.0))
        variance = ops.sum(spread, axes, keepdims=True) / weights
        return ops.reshape(mean, (-1,)), ops.reshape(variance, (-1,))

    def _synchronized_statistics(self, inputs):
        """Batch statistics over every rank's shard (``synchronized=True`` under
        keras.distribution): mean = sum(x) / n and var = sum(x^2) / n - mean^2, with the sums
        and n added up across ranks."""
        axes = [a for a in range(inputs.ndim) if a != self.axis % inputs.ndim]
        group = self.replica_group
        count = float(group.sum_values(np.array(
            np.prod([inputs.shape[a] for a in axes]), dtype=inputs.dtype)))
        mean = P.cross_replica_sum(ops.sum(inputs, axes), group) / count
        mean_square = P.cross_replica_sum(ops.sum(ops.square(inputs), axes), group) / count
        variance = mean_square - ops.square(mean)
        outputs = ops.batch_normalization(inputs, mean, variance, self.axis, offset=self.beta,
                                          scale=self.gamma, epsilon=self.epsilon)
        return outputs, mean, variance

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum,
                **self._scale_shift_config("moving_mean", "moving_variance"),
                "synchronized": self.synchronized, "renorm": self.renorm,
                "renorm_clipping": self.renorm_clipping, "renorm_momentum": self.renorm_momentum}

    @classmethod
    def from_config(cls, config):
        axis = config.get("axis")
        if isinstance(axis, list) and len(axis) == 1:  # Keras 2 wrote its one axis as a list
            config = {**config, "axis": axis[0]}
        return super().from_config(config)


_RENORM_CLIPPING_KEYS = ("rmax", "rmin", "dmax")


def _checked_renorm_clipping(clipping):
    """BatchNormalization's ``renorm_clipping`` as a dict ({} for None), its keys and bounds
    checked."""
    clipping = dict(clipping or {})
    unknown = sorted(set(clipping) - set(_RENORM_CLIPPING_KEYS))
    if unknown:
        raise ValueError(f"Received invalid keys for `renorm_clipping` argument: {clipping}. "
                         f"Supported values: {list(_RENORM_CLIPPING_KEYS)}.")
    rmax, rmin, dmax = (clipping.get(k) for k in _RENORM_CLIPPING_KEYS)
    if rmax is not None and rmin is not None and rmax < rmin:
        raise ValueError("rmax should be greater than rmin in the `renorm_clipping` argument. "
                         f"Received: rmax={rmax}, rmin={rmin}.")
    if dmax is not None and dmax < 0:
        raise ValueError("dmax should be non-negative in the `renorm_clipping` argument. "
                         f"Received: dmax={dmax}.")
    return clipping


# input dtypes the fused layer normalization (``P.layer_norm``) takes
_FUSED_DTYPES = (np.dtype("float32"), np.dtype("float64"))


@LAYERS.register("LayerNormalization")
class LayerNormalization(_ScaleShift):
    """Normalize each sample over ``axis`` (its own mean and biased variance), then scale/shift.

    Formula: ``y = (x - mean) / sqrt(var + epsilon) * gamma + beta``, mean and var over
    ``axis`` per sample; gamma and beta have the shape of the normalized axes.

    Args:
        axis: an int or a list of ints (-1: the last axis). epsilon: 1e-3 (not 1e-5).
        center, scale: whether to learn ``beta`` / ``gamma``.
        rms_scaling: deprecated in Keras 3 (warns) and kept for its files: then
            ``y = x / sqrt(var + epsilon) * gamma`` (no centring, no beta, gamma always made;
            the variance, not the mean square, as Keras computes it). Use RMSNormalization.
    """

    supports_masking = True  # passes its input's mask on, as in Keras

    def __init__(self, axis=-1, epsilon=0.001, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 rms_scaling=False, **kwargs):
        if rms_scaling:
            warnings.warn(
                "You passed `rms_scaling=True`, which is deprecated. This argument scales the "
                "input by the variance, not the root mean square. For RMS normalization use "
                "`keras.layers.RMSNormalization` instead.", stacklevel=2)
        super().__init__(**kwargs)
        self.rms_scaling = bool(rms_scaling)
        if isinstance(axis, (list, tuple)):
            self.axis = [int(a) for a in axis]
        elif isinstance(axis, int) and not isinstance(axis, bool):
            self.axis = axis
        else:
            raise TypeError(f"Expected an int or a list/tuple of ints for the argument 'axis', "
                            f"but received: {axis!r}")
        self._init_scale_shift(epsilon, center, scale, beta_initializer, gamma_initializer,
                               beta_regularizer, gamma_regularizer, beta_constraint,
                               gamma_constraint)

    def build(self, input_shape):
        rank = len(input_shape)
        self.axis = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        if any(not -rank <= a < rank for a in self.axis):
            raise ValueError(f"Layer '{self.name}': axis {self.axis} is out of range for input "
                             f"shape {tuple(input_shape)}.")
        self._build_scale_shift(tuple(input_shape[a] for a in self.axis),
                                scale=self.scale or self.rms_scaling,
                                center=self.center and not self.rms_scaling)
        self.built = True

    def call(self, inputs):
        axes = sorted(a % inputs.ndim for a in self.axis)
        if axes == [inputs.ndim - 1] and not self.rms_scaling and inputs.dtype in _FUSED_DTYPES \
                and all(w is None or w.dtype == inputs.dtype for w in (self.gamma, self.beta)):
            return P.layer_norm(inputs, self.gamma, self.beta, self.epsilon)  # the same formula
        mean, variance = ops.moments(inputs, axes, keepdims=True)
        inv = ops.divide(1.0, ops.sqrt(ops.add(variance, self.epsilon)))
        if self.gamma is not None:
            inv = ops.multiply(inv, self._broadcastable(self.gamma, inputs.shape, axes))
        if self.rms_scaling:
            return ops.multiply(inputs, inv)
        shift = ops.negative(ops.multiply(mean, inv))
        if self.beta is not None:
            shift = ops.add(shift, self._broadcastable(self.beta, inputs.shape, axes))
        return ops.add(ops.multiply(inputs, inv), shift)

    @staticmethod
    def _broadcastable(weight, shape, axes):
        """gamma/beta reshaped so that it broadcasts against inputs of ``shape``: the
        normalized axes keep their sizes, every other axis is 1 (as Keras reshapes)."""
        return ops.reshape(weight, [n if a in axes else 1 for a, n in enumerate(shape)])

    def get_config(self):
        return {**super().get_config(), "axis": self.axis,
                **self._scale_shift_config(rms_scaling=self.rms_scaling)}


@LAYERS.register("GroupNormalization")
class GroupNormalization(_ScaleShift):
    """Normalize each sample over groups of channels (and every other non-batch axis).

    Formula: channels along ``axis`` are split into ``groups`` equal groups; for each sample
    and group, ``y = (x - mean) / sqrt(var + epsilon) * gamma + beta`` with mean and biased
    var over the group's channels and all other non-batch axes; gamma and beta are per
    channel. ``groups=1`` is layer normalization over everything, ``groups=-1`` (one channel
    per group) is instance normalization.

    Args:
        groups: number of groups (32); must divide the channel count.
        axis: the channel axis (-1). epsilon: 1e-3. center, scale: learn beta / gamma.
    """

    supports_masking = True  # passes its input's mask on, as in Keras

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(f"GroupNormalization expects `axis` to be an int. "
                            f"Received: axis={axis!r}")
        if (isinstance(groups, bool) or not isinstance(groups, (int, np.integer))
                or (groups <= 0 and groups != -1)):
            raise ValueError("Received an invalid value for argument `groups`, expected a "
                             "positive integer (or `-1` for instance normalization). "
                             f"Received: groups={groups!r}")
        self.groups, self.axis = int(groups), axis
        self._init_scale_shift(epsilon, center, scale, beta_initializer, gamma_initializer,
                               beta_regularizer, gamma_regularizer, beta_constraint,
                               gamma_constraint)

    def build(self, input_shape):
        rank = len(input_shape)
        if not -rank < self.axis < rank or self.axis % rank == 0:
            raise ValueError(f"Layer '{self.name}': axis {self.axis} is not a channel axis of "
                             f"input shape {tuple(input_shape)}.")
        channels = input_shape[self.axis]
        if channels is None:
            raise ValueError(f"Axis {self.axis} of input tensor should have a defined dimension "
                             f"but the layer received an input with shape {tuple(input_shape)}.")
        if self.groups == -1:
            self.groups = channels
        if channels < self.groups:
            raise ValueError(f"Number of groups ({self.groups}) cannot be more than the number "
                             f"of channels ({channels}).")
        if channels % self.groups != 0:
            raise ValueError(f"Number of groups ({self.groups}) must be a multiple of the number "
                             f"of channels ({channels}).")
        self._build_scale_shift((channels,))
        self.input_spec = InputSpec(ndim=rank, axes={self.axis: channels})

    def call(self, inputs):
        axis = self.axis % inputs.ndim
        channels = inputs.shape[axis]
        # (batch, ..., C, ...) -> (batch, ..., groups, C / groups, ...)
        group_shape = list(inputs.shape[:axis]) + [self.groups, channels // self.groups] + \
            list(inputs.shape[axis + 1:])
        grouped = ops.reshape(inputs, group_shape)
        reduce = [a for a in range(1, grouped.ndim) if a != axis]
        mean, variance = ops.moments(grouped, reduce, keepdims=True)
        inv = ops.divide(1.0, ops.sqrt(ops.add(variance, self.epsilon)))
        per_channel = [1] * grouped.ndim
        per_channel[axis], per_channel[axis + 1] = self.groups, channels // self.groups
        if self.gamma is not None:
            inv = ops.multiply(inv, ops.reshape(self.gamma, per_channel))
        shift = ops.negative(ops.multiply(mean, inv))
        if self.beta is not None:
            shift = ops.add(shift, ops.reshape(self.beta, per_channel))
        return ops.reshape(ops.add(ops.multiply(grouped, inv), shift), inputs.shape)

    def get_config(self):
        return {**super().get_config(), "groups": self.groups, "axis": self.axis,
                **self._scale_shift_config()}


@LAYERS.register("RMSNormalization")
class RMSNormalization(Layer):
    """Scale each sample by the inverse root mean square over ``axis``, times a learned scale.

    Formula: ``y = x / sqrt(mean(x², axis) + epsilon) * scale``; ``scale`` (ones at first)
    has the shape of the normalized axes.

    Args:
        axis: an int or a list of ints (-1). epsilon: 1e-6.
    """

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis, self.epsilon = axis, float(epsilon)

    def build(self, input_shape):
        rank = len(input_shape)
        axes = sorted(self.axis) if isinstance(self.axis, (list, tuple)) else [self.axis]
        if any(not -rank <= a < rank for a in axes):
            raise ValueError(f"Axis {self.axis} is out of bounds for input shape "
                             f"{tuple(input_shape)}. Received: axis={self.axis}")
        self.axis = axes  # Keras keeps the sorted list once built
        self.scale = self.add_weight(name="scale", shape=tuple(input_shape[a] for a in axes),
                                     initializer="ones")

    def call(self, inputs):
        axes = sorted(a % inputs.ndim for a in self.axis)
        shape = [inputs.shape[a] if a in axes else 1 for a in range(inputs.ndim)]
        return ops.rms_normalization(inputs, scale=ops.reshape(self.scale, shape),
                                     axis=tuple(axes), epsilon=self.epsilon)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}


@LAYERS.register("UnitNormalization")
class UnitNormalization(Layer):
    """Scale each sample to unit L2 norm over ``axis``.

    Formula: ``output = x / sqrt(max(sum(x², axis), 1e-12))``

    Args:
        axis: an int or a list of ints (default -1, the features axis).
    """

    _keras_builds_at_init = True  # see Layer.get_build_config

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)) and all(
                isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axis):
            self.axis = [int(a) for a in axis]
        elif isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
            self.axis = int(axis)
        else:
            raise TypeError("Invalid value for `axis` argument: expected an int or a "
                            f"list/tuple of ints. Received: axis={axis!r}")
        self.supports_masking = True

    def build(self, input_shape):
        self._check_axis(input_shape)

    def _check_axis(self, input_shape):
        rank = len(input_shape)
        for a in self.axis if isinstance(self.axis, list) else [self.axis]:
            if not -rank <= a < rank:
                raise ValueError(
                    f"UnitNormalization '{self.name}': axis {a} is out of range for inputs of "
                    f"rank {rank} (shape {tuple(input_shape)}).")

    def call(self, inputs):
        self._check_axis(inputs.shape)  # built at __init__, as in Keras: checked here
        x = ops.cast(inputs, self.dtype)
        axis = tuple(self.axis) if isinstance(self.axis, list) else self.axis
        square_sum = ops.sum(ops.square(x), axis=axis, keepdims=True)
        return ops.multiply(x, ops.rsqrt(ops.maximum(square_sum, 1e-12)))

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
