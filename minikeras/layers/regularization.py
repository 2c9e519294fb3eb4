"""Dropout."""
import numpy as np

from .. import random
from ..autodiff import primitives as P
from .layer import LAYERS, Layer


@LAYERS.register("Dropout")
class Dropout(Layer):
    """Inverted dropout: in training, zero each element with probability ``rate``.

    Formula: ``output = inputs * mask / (1 - rate)``, mask ~ Bernoulli(1 - rate),
    broadcast along axes where ``noise_shape`` is 1. Identity at inference.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0 <= rate <= 1:
            raise ValueError(
                f"Invalid value received for argument `rate`. Expected a float value between "
                f"0 and 1. Received: rate={rate!r}")
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self._generator = None

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        if self._generator is None:
            self._generator = random.make_generator(self.seed)
        shape = inputs.shape if self.noise_shape is None else tuple(
            n if s is None else s for s, n in zip(self.noise_shape, inputs.shape))
        if self.rate == 1:
            return P.multiply(inputs, np.zeros(shape, inputs.dtype))
        keep = _random_uint32(self._generator, shape) >= round(self.rate * 2**32)
        scale = np.asarray(1 / (1 - self.rate), inputs.dtype)
        return P.multiply(inputs, keep * scale)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape,
                "seed": self.seed}


def _random_uint32(generator, shape):
    """Uniform 32-bit integers from the generator's raw bits (3x cheaper than floats)."""
    n = int(np.prod(shape))
    raw = generator.bit_generator.random_raw((n + 1) // 2)
    return raw.view(np.uint32)[:n].reshape(shape)
