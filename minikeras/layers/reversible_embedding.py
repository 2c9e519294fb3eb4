"""ReversibleEmbedding: an Embedding that can also project vectors back to vocabulary logits."""
from .. import backend, ops
from .embedding import Embedding
from .layer import LAYERS


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
        if not self.tie_weights:
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
        kernel = ops.transpose(self.embeddings) if self.tie_weights else self.reverse_embeddings
        if self.reverse_dtype is not None:
            inputs, kernel = ops.cast(inputs, self.reverse_dtype), ops.cast(
                kernel, self.reverse_dtype)
        logits = ops.matmul(inputs, kernel)                   # (..., input_dim)
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

    def get_config(self):
        return {**super().get_config(), "tie_weights": self.tie_weights,
                "reverse_dtype": self.reverse_dtype, "logit_soft_cap": self.logit_soft_cap}
