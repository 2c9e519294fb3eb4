"""Embedding: integer indices -> rows of a trainable table."""
import warnings

import numpy as np

from .. import ops, regularizers
from ..autodiff import primitives as P
from .layer import LAYERS, Layer
from .weight_options import (add_weight_with_options, refuse_quantization, set_weight_options,
                             weight_options_config)


@LAYERS.register("Embedding")
class Embedding(Layer):
    """Turn integer indices into dense vectors by looking up rows of ``embeddings``.

    Formula: ``output[..., :] = embeddings[inputs[...], :]``; (batch, ...) ->
    (batch, ..., output_dim). The gradient scatter-adds into the looked-up rows.

    Args:
        input_dim: vocabulary size (largest index + 1). output_dim: vector size.
        embeddings_initializer: default ``"uniform"`` = RandomUniform(-0.05, 0.05).
        mask_zero: index 0 is padding; ``compute_mask`` returns ``inputs != 0``.
        weights: optional initial table (an array, or a list holding one).
        input_length: Keras 2 argument, accepted with a deprecation warning and ignored.
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, lora_rank=None, lora_alpha=None, quantization_config=None,
                 **kwargs):
        if "input_length" in kwargs:
            kwargs.pop("input_length")
            warnings.warn("Argument `input_length` is deprecated. Just remove it.",
                          stacklevel=2)
        super().__init__(**kwargs)
        for name, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(f"Embedding expects `{name}` to be a positive integer. "
                                 f"Received: {name}={value!r}")
        if lora_rank is not None:
            raise NotImplementedError("LoRA (`lora_rank`) is not supported by minikeras yet.")
        del lora_alpha
        refuse_quantization(self, quantization_config)
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        set_weight_options(self, embeddings_initializer=embeddings_initializer,
                           embeddings_regularizer=embeddings_regularizer,
                           embeddings_constraint=embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        if weights is not None:
            self.build(None)
            if not (isinstance(weights, list) and len(weights) == 1):
                weights = [weights]
            self.set_weights(weights)

    def build(self, input_shape=None):
        self.embeddings = add_weight_with_options(self, "embeddings",
                                                  (self.input_dim, self.output_dim))
        self.built = True

    def call(self, inputs):
        indices = ops.convert_to_numpy(inputs)
        if not np.issubdtype(indices.dtype, np.integer):
            indices = indices.astype("int32")
        if indices.size and (indices.min() < 0 or indices.max() >= self.input_dim):
            bad = indices.min() if indices.min() < 0 else indices.max()
            raise ValueError(
                f"Layer '{self.name}' (Embedding): input index {int(bad)} is out of range "
                f"[0, {self.input_dim}). Increase `input_dim` to the vocabulary size (largest "
                "index + 1) or fix the inputs.")
        return P.take(self.embeddings, indices, axis=0)

    def compute_mask(self, inputs, mask=None):
        """``inputs != 0`` when ``mask_zero``, else None."""
        if not self.mask_zero:
            return None
        return ops.convert_to_numpy(inputs) != 0

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim,
                "output_dim": self.output_dim, **weight_options_config(self, "embeddings"),
                "mask_zero": self.mask_zero,
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "quantization_config": None}
