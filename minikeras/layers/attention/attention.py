"""Attention (Luong-style dot product) and AdditiveAttention (Bahdanau-style)."""
import numpy as np

from ... import ops, random
from ...autodiff import primitives as P
from ..layer import LAYERS, Layer
from ..keras_tensor import KerasTensor


@LAYERS.register("Attention")
class Attention(Layer):
    """Dot-product attention over ``[query, value]`` or ``[query, value, key]``.

    Formula (query (B, Tq, dim), key = value unless given (B, Tv, dim); more leading
    axes than B batch the same way, as in Keras)::

        scores = scale * query @ keyᵀ                          score_mode="dot"
        scores = w * sum(tanh(scale * (q_i + k_j)), -1)        score_mode="concat"
        weights = softmax(scores - 1e9 * (1 - value_mask))     # over Tv
        output = where(query_mask, weights @ value, 0)

    ``scale`` (a scalar weight, ones) exists with ``use_scale``; ``w``
    (``concat_score_weight``) with score_mode "concat". ``mask=[query_mask, value_mask]``,
    ``use_causal_mask`` (query i sees values j <= i) and ``return_attention_scores``
    (the weights) at call time; ``dropout`` applies to the weights in training.
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError("Invalid value for argument score_mode. Expected one of "
                             f"{{'dot', 'concat'}}. Received: score_mode={score_mode}")
        self.use_scale, self.score_mode = bool(use_scale), score_mode
        self.dropout, self.seed = float(dropout), seed
        self.supports_masking = True
        if self.dropout > 0:  # as Keras: a seed generator only where there is dropout
            self.seed_generator = random.SeedGenerator(seed)

    def build(self, input_shape):
        _check_inputs(self, input_shape)
        self.scale = self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(shape=(), initializer="ones", name="scale")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(shape=(), initializer="ones",
                                                       name="concat_score_weight")

    def scores(self, query, key):
        """(B, Tq, Tv) attention scores before masking and softmax."""
        if self.score_mode == "dot":
            s = P.matmul(query, P.transpose(key, _last_two_swapped(key.ndim)))
            return s if self.scale is None else P.multiply(s, self.scale)
        pairs = _pairs(query, key)  # (B, Tq, Tv, dim)
        if self.scale is not None:
            pairs = P.multiply(self.scale, pairs)
        return P.multiply(self.concat_score_weight, P.sum(P.tanh(pairs), axis=-1))

    def call(self, inputs, mask=None, training=False, return_attention_scores=False,
             use_causal_mask=False):
        _check_inputs(self, [tuple(x.shape) for x in inputs])
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        query_mask, value_mask = (list(mask) + [None, None])[:2] if mask is not None else (
            None, None)
        scores = self.scores(query, key)
        keep = None if value_mask is None else np.asarray(
            getattr(value_mask, "data", value_mask), bool)[..., None, :]
        if use_causal_mask:
            causal = np.tril(np.ones(tuple(scores.shape[-2:]), bool))
            keep = causal if keep is None else keep & causal
        if keep is not None:
            scores = P.subtract(scores, (~keep) * np.asarray(1e9, scores.dtype))
        weights = P.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            kept = self.seed_generator.numpy_generator().random(weights.shape) >= self.dropout
            weights = P.multiply(weights, (kept / (1 - self.dropout)).astype(weights.dtype))
        output = P.matmul(weights, value)
        if query_mask is not None:
            q = np.asarray(getattr(query_mask, "data", query_mask), bool)[..., None]
            output = P.where(q, output, np.zeros((), output.dtype))  # 0.0, not -0.0
        return (output, weights) if return_attention_scores else output

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0][:-1]) + (input_shape[1][-1],)

    def compute_output_spec(self, inputs, mask=None, training=False,
                            return_attention_scores=False, use_causal_mask=False):
        """The output KerasTensor (its mask comes from ``compute_mask``), and with
        ``return_attention_scores`` the (B, Tq, Tv) scores' too, as Keras gives them: known
        without running the layer, whatever sizes are unknown."""
        query, value = inputs[0], inputs[1]
        output = KerasTensor(self.compute_output_shape([query.shape, value.shape]),
                             self.compute_dtype)
        if not return_attention_scores:
            return output
        scores_shape = tuple(query.shape[:-1]) + (value.shape[-2],)
        return (output, KerasTensor(scores_shape, self.compute_dtype))

    def compute_mask(self, inputs, mask=None):
        """The query's mask, through ``convert_to_tensor`` as Keras passes it (an op node
        of a functional graph)."""
        return None if mask is None or mask[0] is None else ops.convert_to_tensor(mask[0])

    def get_config(self):
        return {**super().get_config(), "use_scale": self.use_scale,
                "score_mode": self.score_mode, "dropout": self.dropout, "seed": self.seed}


@LAYERS.register("AdditiveAttention")
class AdditiveAttention(Attention):
    """Additive attention: ``scores = sum(scale * tanh(q_i + k_j), -1)`` (``scale`` a
    (dim,) weight, glorot_uniform, with ``use_scale=True``, the default); then as Attention.
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        _check_inputs(self, input_shape)
        self.scale = None
        if self.use_scale:
            self.scale = self.add_weight(shape=(input_shape[1][-1],),
                                         initializer="glorot_uniform", name="scale")

    def scores(self, query, key):
        pairs = P.tanh(_pairs(query, key))
        if self.scale is not None:
            pairs = P.multiply(self.scale, pairs)
        return P.sum(pairs, axis=-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config


def _last_two_swapped(ndim):
    return tuple(range(ndim - 2)) + (ndim - 1, ndim - 2)


def _pairs(query, key):
    """query_i + key_j for every pair: (..., Tq, 1, dim) + (..., 1, Tv, dim)."""
    return P.add(P.reshape(query, query.shape[:-1] + (1, query.shape[-1])),
                 P.reshape(key, key.shape[:-2] + (1,) + key.shape[-2:]))


def _check_inputs(layer, shapes):
    """``shapes``, the inputs' shapes, must be those of a list of 2 or 3 tensors (Keras's
    checks and words)."""
    name = type(layer).__name__
    if not isinstance(shapes, (list, tuple)) or not shapes or \
            not isinstance(shapes[0], (list, tuple)):
        raise ValueError(f"{name} layer must be called on a list of inputs, namely [query, "
                         f"value] or [query, value, key]. Received: inputs={shapes}.")
    if len(shapes) not in (2, 3):
        raise ValueError(f"{name} layer accepts inputs list of length 2 or 3, namely [query, "
                         f"value] or [query, value, key]. Received length: {len(shapes)}.")
