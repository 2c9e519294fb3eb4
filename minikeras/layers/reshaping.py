"""Flatten and Reshape."""
import numpy as np

from ..autodiff import primitives as P
from .layer import LAYERS, Layer


@LAYERS.register("Flatten")
class Flatten(Layer):
    """(batch, d1, d2, ...) -> (batch, d1*d2*...); a rank-1 input gives (batch, 1)."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format or "channels_last"

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = P.transpose(inputs, (0,) + tuple(range(2, inputs.ndim)) + (1,))
        return P.reshape(inputs, (inputs.shape[0], -1))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else int(np.prod(rest))
        return (input_shape[0], size)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


@LAYERS.register("Reshape")
class Reshape(Layer):
    """Reshape each sample to ``target_shape`` (batch axis excluded; one -1 allowed)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)
        if sum(d == -1 for d in self.target_shape) > 1:
            raise ValueError(
                "There must be at most one unknown dimension (-1) in `target_shape`. "
                f"Received: target_shape={self.target_shape}")

    def build(self, input_shape):
        self.compute_output_shape(input_shape)  # validates the element count early

    def call(self, inputs):
        return P.reshape(inputs, (inputs.shape[0],) + self._resolved(inputs.shape[1:]))

    def _resolved(self, sample_shape):
        known = int(np.prod([d for d in self.target_shape if d != -1]))
        size = int(np.prod(sample_shape))
        if -1 in self.target_shape:
            if known == 0 or size % known:
                raise self._mismatch(sample_shape)
            return tuple(size // known if d == -1 else d for d in self.target_shape)
        if known != size:
            raise self._mismatch(sample_shape)
        return self.target_shape

    def _mismatch(self, sample_shape):
        return ValueError(
            f"Layer '{self.name}': the total size of the input shape {tuple(sample_shape)} "
            f"({int(np.prod(sample_shape))}) does not match target_shape {self.target_shape}.")

    def compute_output_shape(self, input_shape):
        if any(d is None for d in input_shape[1:]):
            return (input_shape[0],) + self.target_shape
        return (input_shape[0],) + self._resolved(input_shape[1:])

    def get_config(self):
        return {**super().get_config(), "target_shape": list(self.target_shape)}
