"""Regularization layers: Dropout, ActivityRegularization, and the noise layers
GaussianNoise, GaussianDropout, AlphaDropout and SpatialDropout1D/2D/3D.

The noise layers act only in training (``training=True``) and are the identity at inference.
Each holds a ``seed_generator`` (``keras.random.SeedGenerator``, its state among the
layer's variables as in Keras) and draws from its numpy stream: seeded with ``seed``, or a
child of the global generator when ``seed`` is None, so ``keras.utils.set_random_seed``
makes runs repeatable.
"""
import math

import numpy as np

from .. import random, regularizers
from ..autodiff import primitives as P
from .convolutional import check_rank, standardize_data_format
from .layer import LAYERS, InputSpec, Layer


@LAYERS.register("Dropout")
class Dropout(Layer):
    """Inverted dropout: in training, zero each element with probability ``rate``.

    Formula: ``output = inputs * mask / (1 - rate)``, mask ~ Bernoulli(1 - rate),
    broadcast along axes where ``noise_shape`` is 1. Identity at inference.
    """

    _keras_builds_at_init = True  # see Layer.get_build_config
    supports_masking = True  # passes its input's mask on, as in Keras

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0 <= rate <= 1:
            raise ValueError(
                f"Invalid value received for argument `rate`. Expected a float value between "
                f"0 and 1. Received: rate={rate!r}")
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        if self.rate > 0:  # as Keras: a seed generator only where there is noise
            self.seed_generator = random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        return random.drawn_dropout(inputs, self.rate, self.noise_shape, self._rng,
                                    self.seed_generator.counts_dropout_draws(self.noise_shape))

    def _rng(self):
        """The numpy Generator of one dropout draw (the MultiHeadAttention's fused path
        draws its mask from it too)."""
        return self.seed_generator.dropout_generator(self.noise_shape)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed,
                "noise_shape": self.noise_shape}


@LAYERS.register("ActivityRegularization")
class ActivityRegularization(Layer):
    """Pass inputs through and add an activity penalty on them to the training loss.

    Formula: ``output = inputs``; penalty = (l1·Σ|x| + l2·Σx²) / batch_size, added like
    any ``activity_regularizer`` (it appears in ``layer.losses`` and the logged loss).

    Args:
        l1: non-negative L1 factor.
        l2: non-negative L2 factor.
    """

    _keras_builds_at_init = True  # see Layer.get_build_config

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        kwargs.pop("activity_regularizer", None)  # ours comes from l1 and l2
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1, self.l2 = self.activity_regularizer.l1, self.activity_regularizer.l2
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        return {**config, "l1": float(self.l1), "l2": float(self.l2)}


# SELU's constants (Klambauer et al., 2017): AlphaDropout sets dropped units to SELU's
# negative saturation value -scale * alpha.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _check_fraction(value, arg):
    """``value`` as a float in [0, 1], or a ValueError naming ``arg``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)) \
            or not 0 <= value <= 1:
        raise ValueError(
            f"Invalid value received for argument `{arg}`. Expected a float value between 0 "
            f"and 1. Received: {arg}={value!r}")
    return float(value)


class _NoiseLayer(Layer):
    """Holds the seed generator the noise layers draw from."""

    _keras_builds_at_init = True  # see Layer.get_build_config
    supports_masking = True  # passes its input's mask on, as in Keras

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed

    def _draws_if(self, amount):
        """Make the seed generator the layer draws from when ``amount`` (its rate or
        stddev) is above 0: as Keras, which makes none for a layer that adds no noise."""
        if amount > 0:
            self.seed_generator = random.SeedGenerator(self.seed)
            self._rng = self.seed_generator.numpy_generator


@LAYERS.register("GaussianNoise")
class GaussianNoise(_NoiseLayer):
    """Add zero-centred Gaussian noise in training.

    Formula: ``output = inputs + n``, n ~ N(0, stddev²) elementwise; identity at inference.

    Args:
        stddev: standard deviation of the noise, in [0, 1] (Keras's bound).
        seed: optional integer seed.
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.stddev = _check_fraction(stddev, "stddev")
        self._draws_if(self.stddev)

    def call(self, inputs, training=False):
        if not training or self.stddev == 0:
            return inputs
        return P.drawn_gaussian_noise(inputs, self._rng, 0.0, self.stddev, False, assigns=1)

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


@LAYERS.register("GaussianDropout")
class GaussianDropout(_NoiseLayer):
    """Multiply by one-centred Gaussian noise in training.

    Formula: ``output = inputs * n``, n ~ N(1, rate / (1 - rate)) elementwise (the variance
    of inverted dropout with the same rate); identity at inference.

    Args:
        rate: drop probability, in [0, 1).
        seed: optional integer seed.
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _check_fraction(rate, "rate")
        self._draws_if(self.rate)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:
            raise ValueError(
                f"GaussianDropout '{self.name}': rate=1 gives noise of infinite standard "
                "deviation sqrt(rate / (1 - rate)). Use a rate below 1.")
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        return P.drawn_gaussian_noise(inputs, self._rng, 1.0, stddev, True, assigns=1)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


@LAYERS.register("AlphaDropout")
class AlphaDropout(_NoiseLayer):
    """Dropout that keeps the mean and variance of SELU activations (self-normalizing nets).

    Formula, with alpha' = -scale·alpha of SELU and keep ~ Bernoulli(1 - rate):
    ``output = a * (inputs * keep + alpha' * (1 - keep)) + b``, where
    ``a = ((1 - rate)(1 + rate·alpha'²))^-1/2`` and ``b = -a·alpha'·rate``. Identity at
    inference.

    Args:
        rate: drop probability, in [0, 1).
        noise_shape: shape of the keep mask, ``None`` entries taking the input's size (e.g.
            ``(None, 1, features)`` keeps or drops whole features over all timesteps).
        seed: optional integer seed.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _check_fraction(rate, "rate")
        self._draws_if(self.rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:
            raise ValueError(
                f"AlphaDropout '{self.name}': rate=1 drops every unit and makes the affine "
                "correction ((1 - rate)(...))^-1/2 infinite. Use a rate below 1.")
        shape = _noise_shape(self.noise_shape, inputs.shape)
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        return P.drawn_alpha_dropout(inputs, self._rng, shape, self.rate, a, alpha_p, b,
                                     assigns=1)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed,
                "noise_shape": self.noise_shape}


def _noise_shape(noise_shape, input_shape):
    if noise_shape is None:
        return tuple(input_shape)
    if len(noise_shape) != len(input_shape):
        raise ValueError(
            f"`noise_shape` {noise_shape} must have one entry per input axis; the input has "
            f"shape {tuple(input_shape)}.")
    return tuple(n if s is None else s for s, n in zip(noise_shape, input_shape))


class _SpatialDropout(Dropout):
    """Dropout of whole channels: the mask is shared over the spatial axes."""

    _keras_builds_at_init = True  # see Layer.get_build_config
    rank = None

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)
        spatial = (1,) * self.rank
        if self.data_format == "channels_last":
            self.noise_shape = (None,) + spatial + (None,)     # (batch, 1, ..., 1, channels)
        else:
            self.noise_shape = (None, None) + spatial          # (batch, channels, 1, ..., 1)

    def build(self, input_shape):
        check_rank(self, input_shape, self.rank)

    def get_config(self):
        # Keras's config for these layers: no trainable and no noise_shape keys.
        return {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": self.dtype,
                "data_format": self.data_format}


@LAYERS.register("SpatialDropout1D")
class SpatialDropout1D(_SpatialDropout):
    """Drop whole channels of (batch, steps, channels) inputs: mask shape (batch, 1, channels).

    Kept channels are scaled by 1 / (1 - rate); identity at inference.
    """

    rank = 1

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, data_format="channels_last", seed=seed, **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["data_format"]
        return config


@LAYERS.register("SpatialDropout2D")
class SpatialDropout2D(_SpatialDropout):
    """Drop whole feature maps of (batch, rows, cols, channels) inputs (or channels_first)."""

    rank = 2


@LAYERS.register("SpatialDropout3D")
class SpatialDropout3D(_SpatialDropout):
    """Drop whole feature volumes of (batch, d1, d2, d3, channels) inputs (or channels_first)."""

    rank = 3
