"""MultiHeadAttention (Vaswani et al., 2017) with Keras's EinsumDense projections."""
import string

import numpy as np

from ... import constraints, initializers, random, regularizers
from ...autodiff import primitives as P
from ...autodiff.tensor import Tensor, number_constant
from ...ops.tensor_contraction import contract
from ..activations import Softmax
from ..einsum_dense import EinsumDense
from ..layer import LAYERS, Layer
from ..regularization import Dropout

_LETTERS = string.ascii_lowercase
# the attention equations of (batch, T, heads, dim) projections (one attention axis)
_ONE_AXIS = ("aecd,abcd->acbe", "acbe,aecd->abcd")


def projection_equation(free_dims, bound_dims, output_dims):
    """Keras's projection einsum: free input axes kept, bound ones contracted, new ones
    appended (``(2, 1, 2) -> "abc,cde->abde"``, bias axes ``"de"``)."""
    free = _LETTERS[:free_dims]
    bound = _LETTERS[free_dims:free_dims + bound_dims]
    new = _LETTERS[free_dims + bound_dims:free_dims + bound_dims + output_dims]
    return f"{free}{bound},{bound}{new}->{free}{new}", new, len(free + new)


def attention_equations(rank, attention_axes):
    """(scores equation key,query->scores; combine equation scores,value->output; scores rank)
    for projected tensors of ``rank`` attending over ``attention_axes``."""
    target = _LETTERS[:rank]
    batch_dims = [i for i in range(rank) if i not in attention_axes and i != rank - 1]
    source, offset = "", rank
    for i in range(rank):
        if i in batch_dims or i == rank - 1:
            source += target[i]
        else:
            source += _LETTERS[offset]
            offset += 1
    product = "".join([target[i] for i in batch_dims] + [target[i] for i in attention_axes] +
                      [source[i] for i in attention_axes])
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)


class ProjectedAttention(Layer):
    """What MultiHeadAttention and GroupQueryAttention share: EinsumDense projections made
    with one set of weight options, the ``layer(query, value, key=None)`` call, and those
    options in the config."""

    def _init_projection_options(self, kernel_initializer, bias_initializer,
                                 kernel_regularizer, bias_regularizer, kernel_constraint,
                                 bias_constraint):
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def _sublayer_options(self):
        # each projection gets its own copy of the initializers (fresh seeds), as in Keras
        return dict(
            kernel_initializer=initializers.deserialize(
                initializers.serialize(self.kernel_initializer)),
            bias_initializer=initializers.deserialize(
                initializers.serialize(self.bias_initializer)),
            kernel_regularizer=self.kernel_regularizer, bias_regularizer=self.bias_regularizer,
            kernel_constraint=self.kernel_constraint, bias_constraint=self.bias_constraint,
            dtype=self.dtype)

    def __call__(self, *args, **kwargs):
        # query, value and key are call's own arguments, as in Keras (a functional node
        # records them as such, so files load in Keras); layer([query, value, key]) also works
        if len(args) == 1 and isinstance(args[0], (list, tuple)) and len(args[0]) in (2, 3):
            args = tuple(args[0])
        if len(args) + ("query" in kwargs) + ("value" in kwargs) < 2:
            raise TypeError(f"missing a required argument: 'value' ({type(self).__name__} "
                            "takes `query` and `value` (and optionally `key`): call it as "
                            "layer(query, value), layer(x, x) for self-attention).")
        return super().__call__(*args, **kwargs)

    def _attend(self, scores, keep, values, combine_equation, query, training, fused):
        """(attention scores, attended values): the masked softmax of ``scores`` (rows with
        every key masked uniform when ``fused``: see :meth:`_keras_fuses`), dropout, the
        weighted sum of ``values``, then the sigmoid gate of the query when there is one
        (its sublayer ``_gate_dense``)."""
        scores = self._softmax(scores, mask=keep)
        if keep is not None and fused:
            scores = uniform_where_all_masked(scores, keep)
        attended = contract(combine_equation, self._dropout_layer(scores, training=training),
                            values)
        if self._gate_dense is not None:
            attended = P.multiply(attended, self._gate_dense(query))
        return scores, attended

    def _can_fuse(self, return_attention_scores):
        """Whether the fused ``P.attention`` may compute this call (the same numbers, its
        scores never all in memory at once): no scores asked for, a dropout rate below 1,
        and the softmax and dropout sublayers as they are."""
        return (not return_attention_scores and self.dropout < 1
                and type(self._softmax) is Softmax and type(self._dropout_layer) is Dropout)

    def _fused_attention(self, q, k, v, keep, training, return_attention_scores):
        """``P.attention`` of the projected q (scaled), k and v (B, T or S, heads, dim) with
        ``keep`` (broadcasting to (B, heads, T, S)) and, in training, the dropout sublayer's
        mask drawn with the random numbers it would draw."""
        kept, scale = None, None
        if training and self.dropout > 0:
            batch, t, heads = q.shape[:3]
            kept = random.dropout_keep((batch, heads, t, k.shape[1]), self.dropout,
                                       self._dropout_layer._rng())
            scale = 1 / (1 - self.dropout)
        return P.attention(q, k, v, keep=keep, dropped=kept, dropout_scale=scale,
                           all_masked_uniform=self._keras_fuses(q, return_attention_scores))

    def _keras_fuses(self, projected_query, return_attention_scores):
        """Whether Keras computes this call with its fused kernel,
        ``ops.dot_product_attention``: no dropout, no scores returned, one attention axis."""
        return not (self.dropout > 0 or return_attention_scores
                    or len(projected_query.shape) != 4)

    def compute_mask(self, inputs, mask=None):
        return mask[0] if isinstance(mask, (list, tuple)) else mask

    def _projection_config(self):
        return {"kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint)}


def _output_shape_tuple(output_shape):
    """``output_shape`` as Keras keeps it: a tuple (an int as a 1-tuple), or as given when
    empty (the query's last size)."""
    if not output_shape:
        return output_shape
    if isinstance(output_shape, int):
        return (output_shape,)
    try:
        return tuple(output_shape)
    except TypeError:
        raise ValueError(f"Invalid `output_shape`: {output_shape}. When specified, the "
                         "`output_shape` should be of type tuple, list, or int.") from None


def _alias(name):
    """A property reading and setting the attribute ``name``."""
    return property(lambda self: getattr(self, name),
                    lambda self, value: setattr(self, name, value))


@LAYERS.register("MultiHeadAttention")
class MultiHeadAttention(ProjectedAttention):
    """Multi-head attention: ``num_heads`` scaled dot-product attentions in parallel.

    Formula, per head h (projections are EinsumDense layers in Keras's layout)::

        q = query @ Wq[:, h] + bq[h]     k = key @ Wk[:, h] + bk[h]    v = value @ Wv[:, h] + bv[h]
        A = softmax(q kᵀ / sqrt(key_dim), masked)      # (batch, heads, T, S) attention scores
        output = sum_h (A v)[h] @ Wo[h] + bo

    Weights: ``query``/``key`` kernels (dim, heads, key_dim), ``value`` (dim, heads,
    value_dim), biases (heads, key_dim / value_dim), ``attention_output`` kernel (heads,
    value_dim, output_dim) and bias (output_dim,) — saved as Keras saves them.

    ``use_gate=True`` adds a ``gate`` projection of the query, sigmoid-activated, of shape
    (heads, value_dim), multiplying the attended values before the output projection.
    ``sliding_window=w`` lets query position i attend to key position j only when
    |i - j| < w (with ``use_causal_mask``, the w - 1 previous positions and itself).
    ``flash_attention``: only None / False; minikeras has no flash kernel (Keras's numpy
    backend has none either) and says so rather than ignore True.

    Call: ``layer(query, value, key=None, attention_mask=None, return_attention_scores=False,
    training=None, use_causal_mask=False, query_mask=None, value_mask=None, key_mask=None)``;
    ``attention_mask`` (batch, T, S) is True where a query position may attend to a key
    position. The inputs' own masks count too; as in Keras 3.15 the query's own mask (none
    for a plain array) replaces a given ``query_mask``.
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, sliding_window=None,
                 flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 use_gate=False, seed=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        for name, value in (("num_heads", num_heads), ("key_dim", key_dim)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"Received an invalid value for argument `{name}`, expected a "
                                 f"positive integer. Received: {name}={value!r}")
        if value_dim is not None and (isinstance(value_dim, bool) or not isinstance(
                value_dim, int) or value_dim <= 0):
            raise ValueError("Received an invalid value for argument `value_dim`, expected a "
                             f"positive integer or `None`. Received: value_dim={value_dim!r}")
        if sliding_window is not None and (isinstance(sliding_window, bool) or not isinstance(
                sliding_window, int) or sliding_window <= 0):
            raise ValueError("`sliding_window` must be `None` or a positive integer. "
                             f"Received: sliding_window={sliding_window!r}")
        if flash_attention:
            raise NotImplementedError(
                f"MultiHeadAttention(flash_attention={flash_attention!r}): minikeras has no "
                "flash-attention kernel (Keras's numpy backend has none either). Pass "
                "flash_attention=None or False; the results are the same.")
        self.num_heads, self.key_dim = num_heads, key_dim
        self.use_gate, self.sliding_window = bool(use_gate), sliding_window
        self.value_dim = value_dim if value_dim else key_dim
        self.dropout, self.use_bias, self.seed = float(dropout), bool(use_bias), seed
        self._output_shape = _output_shape_tuple(output_shape)
        self._attention_axes = None if attention_axes is None else (
            (attention_axes,) if isinstance(attention_axes, int) else tuple(attention_axes))
        self._init_projection_options(kernel_initializer, bias_initializer, kernel_regularizer,
                                      bias_regularizer, kernel_constraint, bias_constraint)
        self.supports_masking = True

    @classmethod
    def from_config(cls, config):
        # Keras 2 stored the shapes it was built for (its build_config holds the query's
        # only) and its choice of masked-softmax arithmetic (the same probabilities)
        shapes = {k: config.get(k) for k in ("query_shape", "value_shape", "key_shape")}
        dropped = (*shapes, "softmax_robust_masking")
        layer = super().from_config({k: v for k, v in config.items() if k not in dropped})
        if shapes["query_shape"] is not None and shapes["value_shape"] is not None:
            layer.build(**shapes)
        return layer

    def build_from_config(self, config):
        if not self.built:  # a Keras 2 config's shapes built it already
            super().build_from_config(config)

    def _projection(self, input_shape, last_dims, name, activation=None):
        equation, bias_axes, rank = projection_equation(len(input_shape) - 1, 1, 2)
        layer = EinsumDense(equation, output_shape=[None] * (rank - 3) + list(last_dims),
                            bias_axes=bias_axes if self.use_bias else None, name=name,
                            activation=activation, **self._sublayer_options())
        layer.build_from_shape(input_shape)
        return layer

    def build(self, query_shape, value_shape=None, key_shape=None):
        if value_shape is None and isinstance(query_shape[0], (list, tuple)):
            query_shape, value_shape, key_shape = (list(query_shape) + [None])[:3]
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        if len(query_shape) != len(value_shape):
            raise ValueError(
                f"Layer '{self.name}': `query` and `value` must have the same rank (batch, "
                "positions..., features); received query_shape="
                f"{query_shape} and value_shape={value_shape}.")
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(f"All dimensions of `value` and `key`, except the last one, must be "
                             f"equal. Received: value_shape={value_shape} and "
                             f"key_shape={key_shape}")
        self.query_dense = self._projection(query_shape, (self.num_heads, self.key_dim),
                                            "query")
        self.key_dense = self._projection(key_shape, (self.num_heads, self.key_dim), "key")
        self._gate_dense = None  # saved as Keras saves it, between key and value
        if self.use_gate:
            self._gate_dense = self._projection(query_shape, (self.num_heads, self.value_dim),
                                                "gate", activation="sigmoid")
        self.value_dense = self._projection(value_shape, (self.num_heads, self.value_dim),
                                            "value")
        rank = len(query_shape) + 1  # the projected tensors: (batch, ..., heads, dim)
        if self._attention_axes is None:
            self._attention_axes = tuple(range(1, rank - 2))
        self._attention_axes = tuple(a % (rank - 1) for a in self._attention_axes)
        self._dot_product_equation, self._combine_equation, scores_rank = attention_equations(
            rank, self._attention_axes)
        norm_axes = tuple(range(scores_rank - len(self._attention_axes), scores_rank))
        self._softmax = Softmax(axis=norm_axes, dtype=self.dtype)
        self._dropout_layer = Dropout(self.dropout, seed=self.seed, dtype=self.dtype)
        out = self._output_shape
        out = [query_shape[-1]] if not out else list(out)
        equation, bias_axes, out_rank = projection_equation(len(query_shape) - 1, 2, len(out))
        self.output_dense = EinsumDense(equation, output_shape=[None] * (out_rank - 1 - len(out))
                                        + out, bias_axes=bias_axes if self.use_bias else None,
                                        name="attention_output", **self._sublayer_options())
        self.output_dense.build_from_shape(tuple(query_shape[:-1]) + (self.num_heads,
                                                                       self.value_dim))

    def call(self, query, value, key=None, attention_mask=None, return_attention_scores=False,
             training=None, use_causal_mask=False, query_mask=None, value_mask=None,
             key_mask=None):
        key = value if key is None else key
        # Keras 3.15's rule: the query's own mask (None when it has none) replaces a given
        # query_mask (GroupedQueryAttention keeps the given one)
        query_mask = query.mask if isinstance(query, Tensor) else None
        keep = attention_keep_mask(self, query, value, attention_mask, use_causal_mask,
                                   query_mask, value_mask, key_mask)
        for tensor in (query, value, key):  # as Keras: the masks are handled here, so they
            if isinstance(tensor, Tensor):  # are taken off the inputs (no projection warns)
                tensor.mask = None
        q = self.query_dense(query)                    # (B, T, N, key_dim)
        k = self.key_dense(key)                        # (B, S, N, key_dim)
        v = self.value_dense(value)                    # (B, S, N, value_dim)
        attended, scores = self._compute_attention(q, k, v, keep, training,
                                                   return_attention_scores)
        if self._gate_dense is not None:
            attended = P.multiply(attended, self._gate_dense(query))
        out = self.output_dense(attended)
        return (out, scores) if return_attention_scores else out

    # Keras's hooks, which subclasses override (keras-io's locality self-attention divides
    # the query by a trainable temperature in its own _compute_attention), and the
    # attributes they read: _dot_product_equation, _combine_equation, _dropout_layer,
    # _softmax, _attention_axes, _num_heads, _key_dim, _value_dim.
    _num_heads = property(lambda self: self.num_heads)
    _key_dim = property(lambda self: self.key_dim)
    _value_dim = property(lambda self: self.value_dim)
    # the projections under Keras's attribute names (keras-hub's CachedMultiHeadAttention
    # calls self._query_dense(...) ... self._output_dense(...) in a call of its own)
    _query_dense = _alias("query_dense")
    _key_dense = _alias("key_dense")
    _value_dense = _alias("value_dense")
    _output_dense = _alias("output_dense")

    @property
    def attention_axes(self):
        """The axes attended over: as given (None for all but batch, heads and features)
        until the layer is built, then the tuple it resolved, as Keras's property."""
        return self._attention_axes

    def _compute_attention(self, query, key, value, attention_mask=None, training=None,
                           return_attention_scores=False):
        """(attended values (B, T, N, value_dim), attention scores (B, N, T, S)) of the
        projected query, key and value: softmax(q kᵀ / sqrt(key_dim)) where
        ``attention_mask`` (B, T, S) is True, dropout, times v. The fused ``P.attention``
        computes it when it can (``_fuses``), and then, as Keras's fused kernel, returns no
        scores."""
        # the scale as a cached constant: a recorded step holds the same one (step_replay.py)
        query = P.multiply(query, number_constant(float(1.0 / np.sqrt(self.key_dim)),
                                                  np.dtype(query.dtype)))
        if self._fuses(return_attention_scores):
            return self._fused_attention(query, key, value,
                                         self._keep_per_head(attention_mask), training,
                                         return_attention_scores), None
        scores = self._masked_softmax(contract(self._dot_product_equation, key, query),
                                      attention_mask)
        if attention_mask is not None and self._keras_fuses(query, return_attention_scores):
            scores = uniform_where_all_masked(scores, attention_mask)
        attended = contract(self._combine_equation,
                            self._dropout_layer(scores, training=training), value)
        return attended, scores

    def _fuses(self, return_attention_scores):
        """Whether ``_fused_attention`` computes this call: ``_can_fuse``, one attention axis
        over (batch, T, heads, dim) projections, and Keras's softmax hook as it is."""
        return (self._can_fuse(return_attention_scores)
                and (self._dot_product_equation, self._combine_equation) == _ONE_AXIS
                and type(self)._masked_softmax is MultiHeadAttention._masked_softmax)

    def _keep_per_head(self, attention_mask):
        """``attention_mask`` (B, T, S) as booleans broadcasting over the heads, or None."""
        if attention_mask is None:
            return None
        keep = np.asarray(getattr(attention_mask, "data", attention_mask), bool)
        while keep.ndim < 4:
            keep = np.expand_dims(keep, -3)
        return keep

    def _masked_softmax(self, attention_scores, attention_mask=None):
        """Softmax over the key axes, 0 where ``attention_mask`` (broadcast over the heads)
        is False."""
        if attention_mask is not None:
            attention_mask = np.asarray(getattr(attention_mask, "data", attention_mask),
                                        bool)
            for _ in range(attention_scores.ndim - attention_mask.ndim):
                attention_mask = np.expand_dims(attention_mask,
                                                -len(self._attention_axes) * 2 - 1)
        return self._softmax(attention_scores, mask=attention_mask)

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        if value_shape is None and isinstance(query_shape[0], (list, tuple)):
            query_shape = query_shape[0]
        out = self._output_shape
        if not out:
            return tuple(query_shape)
        return tuple(query_shape[:-1]) + tuple(out)

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "value_dim": self.value_dim, "dropout": self.dropout, "use_bias": self.use_bias,
                "use_gate": self.use_gate, "output_shape": self._output_shape,
                "attention_axes": None if self._attention_axes is None else list(
                    self._attention_axes),
                "sliding_window": self.sliding_window, **self._projection_config(),
                "seed": self.seed}


def uniform_where_all_masked(weights, keep):
    """``weights`` (a masked softmax, 0 on a query row whose keys are all masked) with such
    rows set to 1/S, as Keras's fused kernel gives them: it adds -0.7 * float32 max where
    ``keep`` (broadcast to ``(..., T, S)``) is False, which makes every score of the row
    equal. Its other path (dropout, scores returned) and the Softmax layer give 0 there."""
    keep = np.asarray(getattr(keep, "data", keep), bool)
    empty = ~np.any(keep, axis=-1, keepdims=True)      # (..., T, 1)
    if not empty.any():
        return weights
    while empty.ndim < weights.ndim:                   # over the heads: (B, 1, T, 1)
        empty = np.expand_dims(empty, -3)
    return P.add(weights, (empty / weights.shape[-1]).astype(weights.dtype))


def attention_keep_mask(layer, query, value, attention_mask, use_causal_mask, query_mask,
                        value_mask, key_mask):
    """The boolean (batch, T, S) mask Keras builds from the explicit and implicit masks of an
    attention ``layer`` (its ``sliding_window`` band included), or None; (batch, heads, T,
    S) when the explicit mask has the heads' axis."""
    keep = None
    if query_mask is not None:
        keep = np.asarray(getattr(query_mask, "data", query_mask), bool)[..., :, None]
    for mask in (value_mask, key_mask):
        if mask is not None:
            m = np.asarray(getattr(mask, "data", mask), bool)[..., None, :]
            keep = m if keep is None else keep & m
    if use_causal_mask:
        t, s = query.shape[1], value.shape[1]
        causal = np.tril(np.ones((1, t, s), bool))
        keep = causal if keep is None else keep & causal
    if layer.sliding_window is not None:
        t, s = query.shape[1], value.shape[1]
        band = np.abs(np.arange(t)[:, None] - np.arange(s)[None, :]) < layer.sliding_window
        keep = band[None] if keep is None else keep & band[None]
    if attention_mask is not None:
        given = np.asarray(getattr(attention_mask, "data", attention_mask)).astype(bool)
        # (batch, the axes not attended over, T, S): T and S at the attended axes
        axes = getattr(layer, "_attention_axes", None) or tuple(range(1, len(query.shape) - 1))
        others = tuple(d for i, d in enumerate(query.shape[:-1]) if i and i not in axes)
        expected = ((query.shape[0],) + others + tuple(query.shape[a] for a in axes)
                    + tuple(value.shape[a] for a in axes))
        if given.ndim == len(expected) + 1:  # as Keras: a mask with the heads' axis too
            at = 1 + len(others)
            expected = expected[:at] + (layer.num_heads,) + expected[at:]
            keep = None if keep is None else np.expand_dims(keep, 1)
        if given.ndim != len(expected) or any(
                g not in (1, e) for g, e in zip(given.shape, expected)):
            raise ValueError(
                f"Layer '{layer.name}': `attention_mask` must have shape (batch, T, S) = "
                f"{expected} (or broadcast to it); received {given.shape}.")
        keep = given if keep is None else given & keep
    return keep
