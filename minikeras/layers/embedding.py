"""Embedding: integer indices -> rows of a trainable table."""
import warnings

import numpy as np

from .. import backend, ops
from ..autodiff import primitives as P
from ..autodiff.shape import check_index_range
from ..quantizers import quantizers as Q
from ..quantizers.quantization_config import block_size_for_layer
from .layer import LAYERS
from .lora import AdaptedWeight, LowRankAdaptation
from .quantizable import QuantizableLayer, quantizable, quantize_2d
from .weight_options import (add_weight_with_options, set_weight_options, weight_options_config,
                             with_activity_regularizer)


@quantizable
@LAYERS.register("Embedding")
class Embedding(LowRankAdaptation, QuantizableLayer):
    """Turn integer indices into dense vectors by looking up rows of ``embeddings``.

    Formula: ``output[..., :] = embeddings[inputs[...], :]``; (batch, ...) ->
    (batch, ..., output_dim). The gradient scatter-adds into the looked-up rows.

    Args:
        input_dim: vocabulary size (largest index + 1). output_dim: vector size.
        embeddings_initializer: default ``"uniform"`` = RandomUniform(-0.05, 0.05).
        mask_zero: index 0 is padding; ``compute_mask`` returns ``inputs != 0``.
        weights: optional initial table (an array, or a list holding one).
        input_length: Keras 2 argument, accepted with a deprecation warning and ignored.

    ``quantize("int8")`` keeps int8 rows with one ``embeddings_scale`` per row;
    ``quantize("int4")`` packs each row two values to a byte, with a scale per row (and,
    grouped, a scale and zero point per ``block_size`` columns). See docs/quantization.md.
    """

    _quantized_weight = "embeddings"
    embeddings = AdaptedWeight()  # enable_lora(rank): a low-rank update of it (lora.py)
    _lora_weight, _lora_factors, _lora_constraint_noun = (
        "embeddings", "lora_embeddings", "embedding")
    _VARIABLES_IN_FILE = {None: ("embeddings",),
                          "int8": ("embeddings", "embeddings_scale"),
                          "int4": ("embeddings", "embeddings_scale", "embeddings_zero", "g_idx")}

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, lora_rank=None, lora_alpha=None, quantization_config=None,
                 **kwargs):
        if "input_length" in kwargs:
            kwargs.pop("input_length")
            warnings.warn("Argument `input_length` is deprecated. Just remove it.",
                          stacklevel=2)
        super().__init__(quantization_config=quantization_config, **kwargs)
        for name, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(f"`{name}` must be a positive integer. Received: "
                                 f"{name}={value!r} (of type {type(value).__name__}).")
        self._init_lora(lora_rank, lora_alpha)
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
        if self.quantization_mode is None:
            self.embeddings = add_weight_with_options(self, "embeddings",
                                                      (self.input_dim, self.output_dim))
        else:
            self._quantized_build(self.quantization_mode, self.quantization_config)
        self.built = True
        self._enable_configured_lora(keep_alpha=False)

    def call(self, inputs):
        indices = ops.convert_to_numpy(inputs)
        if not np.issubdtype(indices.dtype, np.integer):
            indices = indices.astype("int32")
        owner = f"Layer '{self.name}' (Embedding)"
        if self.quantization_mode is not None:
            check_index_range(owner, indices, self.input_dim)
            return self.quantized_call(indices)
        return P.take(self.embeddings, indices, axis=0, checked=owner)  # checks the range

    def compute_mask(self, inputs, mask=None):
        """``inputs != 0`` when ``mask_zero``, else None: ``ops.not_equal`` on KerasTensors,
        as Keras computes it (an op node of a functional graph); on values the comparison of
        the array itself (a numpy mask, 1.3 us a call instead of ops.not_equal's 2.0 us)."""
        if not self.mask_zero:
            return None
        if backend.is_keras_tensor(inputs):
            return ops.not_equal(inputs, 0)
        return ops.convert_to_numpy(inputs) != 0

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                **with_activity_regularizer(weight_options_config(self, "embeddings"), self),
                "mask_zero": self.mask_zero,
                "quantization_config": self.quantization_config_entry(), **self.lora_config()}

    # ---- quantized form (see layers/quantizable.py) ----------------------------------
    def _quantized_build(self, mode, config):
        block_size = block_size_for_layer(self, config) if mode == "int4" else None
        scale_shape = (self.input_dim,) if block_size is None else (
            self.input_dim, -(-self.output_dim // block_size))
        self._add_quantized_weights("embeddings", (self.input_dim, self.output_dim),
                                    scale_shape, mode, block_size, self.output_dim)

    def _quantized_values(self, mode, config):
        block_size = block_size_for_layer(self, config) if mode == "int4" else None
        table = self.embeddings.numpy()
        if block_size is None:
            values, scale, zero = quantize_2d(table, mode, config, -1, None)
            scale = ops.squeeze(scale, axis=-1)  # one scale per row
        else:  # groups of columns: quantize the transposed table in groups of rows
            values, scale, zero = (ops.convert_to_numpy(t).T for t in quantize_2d(
                table.T, mode, config, 0, block_size))
        if mode == "int4":
            values = Q.pack_int4(ops.convert_to_numpy(values), axis=-1)[0]
        return {"embeddings": values, "embeddings_scale": scale,
                **({} if zero is None else {"embeddings_zero": zero})}

    def _quantized_call(self, indices):
        """The looked-up rows, dequantized (a constant: quantized rows do not train)."""
        rows = self.embeddings.numpy()[indices]
        scale = self.embeddings_scale.numpy()[indices]
        if self.quantization_mode == "int4":
            rows = ops.convert_to_numpy(Q.unpack_int4(rows, self.output_dim, axis=-1))
        if self.embeddings_zero is None:
            return ops.convert_to_tensor(rows.astype(self.dtype) / scale[..., None])
        return ops.convert_to_tensor(Q.dequantize_grouped(
            rows, scale, self.embeddings_zero.numpy()[indices], self.g_idx.numpy(), -1).astype(
                self.dtype))
