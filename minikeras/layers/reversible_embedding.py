"""ReversibleEmbedding: an Embedding that can also project vectors back to vocabulary logits."""
from .. import backend, ops
from ..quantizers import quantizers as Q
from ..quantizers.quantization_config import QuantizationConfig, block_size_for_layer
from .embedding import Embedding
from .keras_tensor import KerasTensor
from .layer import LAYERS
from .quantizable import integer_contraction, quantizable, quantize_2d


@quantizable
@LAYERS.register("ReversibleEmbedding")
class ReversibleEmbedding(Embedding):
    """An Embedding whose table, transposed, also maps hidden vectors to logits over the
    vocabulary (the tied input / output embeddings of a language model).

    Formula: ``layer(ids)`` is Embedding's lookup, (batch, ...) -> (batch, ..., output_dim),
    with its ``mask_zero`` mask on the output; ``layer(h, reverse=True)`` is
    ``h @ embeddings.T`` (``h @ reverse_embeddings`` when ``tie_weights=False``),
    (batch, ..., output_dim) -> (batch, ..., input_dim), unmasked, then
    ``tanh(logits / c) * c`` when ``logit_soft_cap=c``.

    Weights: ``embeddings`` (input_dim, output_dim) and, untied, ``reverse_embeddings``
    (output_dim, input_dim), initialized with ``embeddings_initializer``.

    Args (beyond Embedding's):
        tie_weights: reuse ``embeddings`` for the reverse projection (True).
        reverse_dtype: dtype the reverse matmul is computed in (None: the layer's).
        logit_soft_cap: a positive number, or None (no capping).

    ``quantize("int8")`` / ``"int4"`` quantizes ``embeddings`` as Embedding does and, untied,
    ``reverse_embeddings`` per vocabulary column (int4 packed along the hidden axis); the
    reverse projection then quantizes its inputs per vector (docs/quantization.md).
    """

    def __init__(self, input_dim, output_dim, tie_weights=True,
                 embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, reverse_dtype=None,
                 logit_soft_cap=None, **kwargs):
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer,
                         embeddings_constraint=embeddings_constraint, mask_zero=mask_zero,
                         **kwargs)
        if logit_soft_cap is not None and (isinstance(logit_soft_cap, bool) or not isinstance(
                logit_soft_cap, (int, float)) or logit_soft_cap <= 0):
            raise ValueError("`logit_soft_cap` must be None or a positive number. Received: "
                             f"logit_soft_cap={logit_soft_cap!r}")
        self.tie_weights = bool(tie_weights)
        self.reverse_dtype = None if reverse_dtype is None else backend.standardize_dtype(
            reverse_dtype)
        self.logit_soft_cap = logit_soft_cap
        # takes masked inputs quietly (a masked sequence fed back through reverse=True); the
        # lookup sets its own mask in call, the logits get none (compute_mask)
        self.supports_masking = True

    def build(self, input_shape=None):
        super().build(input_shape)
        if not self.tie_weights and self.quantization_mode is None:
            self.reverse_embeddings = self.add_weight(
                shape=(self.output_dim, self.input_dim),
                initializer=self.embeddings_initializer, name="reverse_embeddings")

    def call(self, inputs, reverse=False):
        if not reverse:
            out = super().call(inputs)
            out.mask = super().compute_mask(inputs)   # Keras sets it on the lookup only
            return out
        if inputs.shape[-1] != self.output_dim:
            raise ValueError(
                f"Layer '{self.name}' (ReversibleEmbedding): `reverse=True` expects vectors of "
                f"size output_dim={self.output_dim} on the last axis. Received: input of shape "
                f"{tuple(inputs.shape)}.")
        if self.quantization_mode is not None:
            logits = self._quantized_reverse(inputs)
        else:
            kernel = (ops.transpose(self.embeddings) if self.tie_weights
                      else self.reverse_embeddings)
            if self.reverse_dtype is not None:
                inputs, kernel = ops.cast(inputs, self.reverse_dtype), ops.cast(
                    kernel, self.reverse_dtype)
            logits = ops.matmul(inputs, kernel)               # (..., input_dim)
        if self.logit_soft_cap is not None:
            cap = float(self.logit_soft_cap)
            logits = ops.multiply(ops.tanh(ops.divide(logits, cap)), cap)
        return logits

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape, reverse=False):
        if reverse:
            return tuple(input_shape[:-1]) + (self.input_dim,)
        return tuple(input_shape) + (self.output_dim,)

    def compute_output_spec(self, inputs, reverse=False):
        """The output of a symbolic call, as Keras's: the shape follows ``reverse`` (also
        where sizes are unknown), the dtype is the layer's compute dtype."""
        return KerasTensor(self.compute_output_shape(tuple(inputs.shape), reverse=reverse),
                           self.compute_dtype)

    def get_config(self):
        return {**super().get_config(), "tie_weights": self.tie_weights,
                "reverse_dtype": self.reverse_dtype, "logit_soft_cap": self.logit_soft_cap}

    # ---- quantized form (see layers/quantizable.py) ----------------------------------
    @property
    def _VARIABLES_IN_FILE(self):
        reverse = () if self.tie_weights else (
            "reverse_embeddings", "reverse_embeddings_scale", "reverse_embeddings_zero")
        return {mode: names + reverse for mode, names in Embedding._VARIABLES_IN_FILE.items()}

    def _float_weights(self):
        return super()._float_weights() + ([] if self.tie_weights else [self.reverse_embeddings])

    def _quantized_build(self, mode, config):
        super()._quantized_build(mode, config)
        self.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(
            config, Q.AbsMaxQuantizer(axis=-1))
        if self.tie_weights:
            return
        block_size = block_size_for_layer(self, config) if mode == "int4" else None
        rows = self.output_dim if mode == "int8" else (self.output_dim + 1) // 2  # packed
        scale_shape = (self.input_dim,) if block_size is None else (
            -(-self.output_dim // block_size), self.input_dim)
        self.reverse_embeddings = self.add_weight(
            shape=(rows, self.input_dim), initializer="zeros", dtype="int8", trainable=False,
            name="reverse_embeddings")
        self.reverse_embeddings_scale = self.add_weight(
            shape=scale_shape, initializer="ones", trainable=False,
            name="reverse_embeddings_scale")
        self.reverse_embeddings_zero = None if block_size is None else self.add_weight(
            shape=scale_shape, initializer="zeros", trainable=False,  # float, as in Keras
            name="reverse_embeddings_zero")

    def _quantized_values(self, mode, config):
        values = super()._quantized_values(mode, config)
        if self.tie_weights:
            return values
        block_size = block_size_for_layer(self, config) if mode == "int4" else None
        reverse = self.reverse_embeddings.numpy()                 # (output_dim, input_dim)
        q, scale, zero = quantize_2d(reverse, mode, config, 0, block_size)
        if zero is None:
            scale = ops.squeeze(scale, axis=0)  # one scale per vocabulary entry
        else:
            values["reverse_embeddings_zero"] = zero
        if mode == "int4":
            q = Q.pack_int4(q, axis=0)[0]
        values.update(reverse_embeddings=q, reverse_embeddings_scale=scale)
        return values

    def _quantized_reverse(self, inputs):
        """``inputs @ W`` for the (output_dim, input_dim) float matrix the quantized reverse
        weights (or, tied, the transposed quantized table) stand for, with the inputs
        quantized per vector when the layer has an inputs quantizer. As in Keras, no custom
        gradient: the quantized inputs carry none, their scale does."""
        if self.tie_weights:
            kernel, scale = self.embeddings.numpy().T, self.embeddings_scale.numpy().T
            zero = None if self.embeddings_zero is None else self.embeddings_zero.numpy().T
        else:
            kernel, scale = self.reverse_embeddings.numpy(), self.reverse_embeddings_scale.numpy()
            zero = (None if self.reverse_embeddings_zero is None
                    else self.reverse_embeddings_zero.numpy())
        if self.quantization_mode == "int4":
            kernel = ops.convert_to_numpy(Q.unpack_int4(kernel, self.output_dim, axis=0))
        if zero is not None:  # grouped: a float matrix, divided by the inputs' scale only
            kernel = Q.dequantize_grouped(kernel, scale, zero, self.g_idx.numpy(), 0).astype(
                self.dtype)
            scale = None
        if self.inputs_quantizer is None:
            logits = ops.matmul(inputs, kernel.astype(self.dtype))
            return logits if scale is None else ops.divide(logits, scale)
        quantized, inputs_scale = self.inputs_quantizer(inputs)
        product = integer_contraction("...i,io->...o", ops.convert_to_numpy(quantized), kernel,
                                      self.dtype)
        return ops.divide(product, inputs_scale if scale is None else ops.multiply(
            inputs_scale, scale))
