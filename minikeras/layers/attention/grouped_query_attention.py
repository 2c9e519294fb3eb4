"""GroupQueryAttention (Ainslie et al., 2023): query heads share fewer key / value heads."""
import numpy as np

from ...autodiff import primitives as P
from ...naming import auto_name, to_snake_case
from ...ops import repeat
from ...ops.tensor_contraction import contract
from ..activations import Softmax
from ..einsum_dense import EinsumDense
from ..layer import LAYERS
from ..regularization import Dropout
from .multi_head_attention import ProjectedAttention, attention_keep_mask


def _positive_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value > 0


@LAYERS.register("GroupQueryAttention")
class GroupQueryAttention(ProjectedAttention):
    """Attention with ``num_query_heads`` query heads in ``num_key_value_heads`` groups, each
    group sharing one key and one value head (1 group: multi-query attention; as many
    groups as heads: multi-head attention). Keras's class is ``GroupedQueryAttention``,
    exported and saved as ``GroupQueryAttention``; as in Keras, its layers are named
    ``grouped_query_attention``.

    Formula, with r = num_query_heads / num_key_value_heads and query head h using key /
    value head ``h // r``::

        q = query Wq + bq   (B, T, Nq, d)     k = key Wk + bk,  v = value Wv + bv   (B, S, Nkv, d)
        A[h] = softmax(q[h] k[h // r]ᵀ / sqrt(d), masked)     # (B, Nq, T, S) scores
        output = sum_h (A[h] v[h // r]) Wo[h] + bo           # (B, T, feature_dim)

    ``use_gate`` multiplies the attended values by ``sigmoid(query Wg + bg)`` (B, T, Nq, d)
    before the output projection; ``sliding_window=w`` keeps |i - j| < w.

    Weights (EinsumDense sublayers, saved as Keras saves them): ``query`` kernel
    (feature_dim, Nq, d) and bias (Nq, d); ``key`` and ``value`` (feature_dim, Nkv, d) and
    (Nkv, d); with ``use_gate``, ``gate`` like ``query``; ``attention_output`` kernel
    (Nq, d, feature_dim) and bias (feature_dim,).

    Call: ``layer(query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
    attention_mask=None, return_attention_scores=False, training=None,
    use_causal_mask=False)`` on rank-3 inputs (batch, positions, features).
    """

    _keras_class_name = "GroupedQueryAttention"  # where files keep its weights

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0,
                 use_bias=True, sliding_window=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None,
                 name=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer,
                         name=name or auto_name(to_snake_case(self._keras_class_name)), **kwargs)
        for name, value in (("head_dim", head_dim), ("num_query_heads", num_query_heads),
                            ("num_key_value_heads", num_key_value_heads)):
            if not _positive_int(value):
                raise ValueError(f"Received an invalid value for argument `{name}`, expected a "
                                 f"positive integer. Received: {name}={value!r}")
        if num_query_heads % num_key_value_heads != 0:
            raise ValueError("`num_query_heads` must be divisible by `num_key_value_heads`. "
                             f"Received: num_query_heads={num_query_heads}, "
                             f"num_key_value_heads={num_key_value_heads}")
        if sliding_window is not None and not _positive_int(sliding_window):
            raise ValueError("`sliding_window` must be `None` or a positive integer. "
                             f"Received: sliding_window={sliding_window!r}")
        if not 0 <= dropout < 1:
            raise ValueError(f"`dropout` must be in [0, 1). Received: dropout={dropout!r}")
        if flash_attention:
            raise NotImplementedError(
                f"GroupQueryAttention(flash_attention={flash_attention!r}): minikeras has no "
                "flash-attention kernel. Pass flash_attention=None or False; the results are "
                "the same.")
        self.head_dim, self.num_query_heads = int(head_dim), int(num_query_heads)
        self.num_key_value_heads = int(num_key_value_heads)
        self.num_repeats = self.num_query_heads // self.num_key_value_heads
        self.dropout, self.use_bias, self.use_gate = float(dropout), bool(use_bias), bool(
            use_gate)
        self.sliding_window, self.seed = sliding_window, seed
        self._init_projection_options(kernel_initializer, bias_initializer, kernel_regularizer,
                                      bias_regularizer, kernel_constraint, bias_constraint)
        self.supports_masking = True

    def _dense(self, equation, output_shape, bias_axes, name, input_shape, activation=None):
        layer = EinsumDense(
            equation, output_shape=output_shape, bias_axes=bias_axes if self.use_bias else None,
            activation=activation, name=name, **self._sublayer_options())
        layer.build_from_shape(tuple(input_shape))
        return layer

    def build(self, query_shape, value_shape=None, key_shape=None):
        if value_shape is None and isinstance(query_shape[0], (list, tuple)):
            query_shape, value_shape, key_shape = (list(query_shape) + [None])[:3]
        if value_shape is not None:  # the sizes' check, at the first (symbolic) call as Keras
            self.compute_output_shape(query_shape, value_shape, key_shape)
        key_shape = value_shape if key_shape is None else key_shape
        for name, shape in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if len(shape) != 3:
                raise ValueError(f"Layer '{self.name}': `{name}` must have rank 3 (batch, "
                                 f"positions, features). Received: {name} shape {tuple(shape)}")
        self.feature_dim = query_shape[-1]
        heads, groups, d = self.num_query_heads, self.num_key_value_heads, self.head_dim
        self._query_dense = self._dense("bqm,muh->bquh", (None, heads, d), "uh", "query",
                                        query_shape)
        self._key_dense = self._dense("bkm,mvh->bkvh", (None, groups, d), "vh", "key",
                                      key_shape)
        self._gate_dense = None  # saved as Keras saves it, between key and value
        if self.use_gate:
            self._gate_dense = self._dense("bqm,muh->bquh", (None, heads, d), "uh", "gate",
                                           query_shape, activation="sigmoid")
        self._value_dense = self._dense("bkm,mvh->bkvh", (None, groups, d), "vh", "value",
                                        value_shape)
        self._softmax = Softmax(axis=-1, dtype=self.dtype)
        self._dropout_layer = Dropout(self.dropout, seed=self.seed, dtype=self.dtype)
        self._output_dense = self._dense("bquh,uhm->bqm", (None, self.feature_dim), "m",
                                         "attention_output", (None, None, heads, d))

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        key = value if key is None else key
        keep = attention_keep_mask(self, query, value, attention_mask, use_causal_mask,
                                   query_mask, value_mask, key_mask)
        q = self._query_dense(query)                                   # (B, T, Nq, d)
        k = repeat(self._key_dense(key), self.num_repeats, axis=2)     # (B, S, Nq, d)
        v = repeat(self._value_dense(value), self.num_repeats, axis=2)  # (B, S, Nq, d)
        q = P.multiply(q, np.asarray(1.0 / np.sqrt(self.head_dim), q.dtype))
        if keep is not None:
            keep = np.expand_dims(keep, -3)                            # (B, 1, T, S)
        if self._can_fuse(return_attention_scores):
            attended = self._fused_attention(q, k, v, keep, training, return_attention_scores)
            if self._gate_dense is not None:
                attended = P.multiply(attended, self._gate_dense(query))
            return self._output_dense(attended)
        scores = contract("bquh,bkuh->buqk", q, k)                     # (B, Nq, T, S)
        scores, attended = self._attend(scores, keep, v, "buqk,bkuh->bquh", query, training,
                                        self._keras_fuses(q, return_attention_scores))
        out = self._output_dense(attended)
        return (out, scores) if return_attention_scores else out

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        if value_shape is None and isinstance(query_shape[0], (list, tuple)):
            query_shape, value_shape, key_shape = (list(query_shape) + [None])[:3]
        if value_shape is None:          # the query's shape alone decides the output's
            return tuple(query_shape)
        key_shape = value_shape if key_shape is None else key_shape
        if query_shape[-1] != value_shape[-1]:
            raise ValueError(
                "The last dimension of `query_shape` and `value_shape` must be equal, but are "
                f"{query_shape[-1]}, {value_shape[-1]}. Received: query_shape={query_shape}, "
                f"value_shape={value_shape}")
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError("All dimensions of `value` and `key`, except the last one, must be "
                             f"equal. Received: value_shape={value_shape} and "
                             f"key_shape={key_shape}")
        return tuple(query_shape)

    def get_config(self):
        return {**super().get_config(), "head_dim": self.head_dim,
                "num_query_heads": self.num_query_heads,
                "num_key_value_heads": self.num_key_value_heads, "use_bias": self.use_bias,
                "use_gate": self.use_gate, "sliding_window": self.sliding_window,
                "dropout": self.dropout, **self._projection_config(), "seed": self.seed}

