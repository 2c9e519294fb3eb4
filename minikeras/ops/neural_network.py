"""Neural-network functions of ``keras.ops``: activations, softmax family, encodings,
crossentropies and attention. (The namespace ``keras.ops.nn``, ops/nn.py, gathers these
with the convolutions, pools, normalizations and the other functions Keras puts there.)

Names and defaults follow ``keras.ops`` (so ``gelu`` defaults to the tanh
approximation and ``leaky_relu`` to slope 0.2; ``keras.activations`` differs in
places, see ``minikeras/activations.py``). relu, sigmoid, tanh, softplus, softmax
and log_softmax are fused primitives; everything else is composed from
primitives, so its gradient is derived, never written by hand.

Integer and boolean inputs are cast to ``floatx()`` first (except for the fused
primitives, which keep what they are given); float inputs keep their dtype.
Outputs are Tensors. None of these functions sets ``Tensor.logits``: tagging an
output with its logits is the job of ``keras.activations.softmax`` / ``sigmoid``.

The crossentropies are element- or sample-wise (no reduction), as ``keras.ops``
defines them; ``keras.losses`` adds label smoothing, means and reductions on top.
"""
import math
import warnings

import numpy as np

from .. import backend
from ..autodiff import primitives as P
from ..autodiff.tensor import Tensor
from .core import as_float, axes_of_the_input, cast, convert_to_tensor, data, on_float

__all__ = [
    "binary_crossentropy", "categorical_crossentropy", "celu", "dot_product_attention", "elu",
    "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh",
    "leaky_relu", "log_sigmoid", "log_softmax", "multi_hot", "one_hot", "psnr", "relu", "relu6",
    "selu", "sigmoid", "silu", "soft_shrink", "softmax", "softplus", "softsign",
    "sparse_categorical_crossentropy", "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus",
    "swish", "tanh", "tanh_shrink", "threshold",
]


xp = backend.xp
SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805
relu = P.relu
sigmoid = on_float(P.sigmoid)
tanh = on_float(P.tanh)
softplus = on_float(P.softplus)


@axes_of_the_input
def softmax(x, axis=-1):
    """Softmax along ``axis`` (an int or a tuple of ints).

    Formula: ``exp(x - max(x)) / sum(exp(x - max(x)))``
    """
    x = as_float(x)
    if x.size == 0:  # nothing to normalize: an empty tensor is its own softmax
        return x
    if isinstance(axis, int) and x.ndim and x.shape[axis] == 1:
        warnings.warn(
            f"You are using a softmax over axis {axis} of a tensor of shape {x.shape}. This "
            "axis has size 1. The softmax operation will always return the value 1, which is "
            "likely not what you intended. Did you mean to use a sigmoid instead?",  # Keras's
            stacklevel=2)
    return P.softmax(x, axis)


@axes_of_the_input
def log_softmax(x, axis=-1):
    """Log of softmax along ``axis``, computed stably.

    Formula: ``x - max(x) - log(sum(exp(x - max(x))))``
    """
    x = as_float(x)
    return x if x.size == 0 else P.log_softmax(x, axis)


def relu6(x):
    """ReLU capped at 6.

    Formula: ``min(max(x, 0), 6)``; integers stay integers, as in Keras. The gradient is 0
    at both kinks, as Keras's jax and torch backends give it.
    """
    return P.clip_strict(x, 0, 6)


def leaky_relu(x, negative_slope=0.2):
    """Leaky ReLU: a small slope instead of zero for negative inputs.

    Formula: ``x if x >= 0 else negative_slope * x`` (the gradient at 0 is 1, as on jax;
    torch gives the slope)

    Args:
        negative_slope: slope for x < 0 (0.2, as in ``keras.ops``).
    """
    return P.leaky_relu(as_float(x), negative_slope)


def elu(x, alpha=1.0):
    """Exponential linear unit.

    Formula: ``x if x > 0 else alpha * (exp(x) - 1)`` (the gradient at 0 is alpha, as
    Keras's backends give it). The exponential only ever sees ``x`` where ``x <= 0`` (0
    elsewhere), so large positive inputs cannot overflow the unused branch.

    Args:
        alpha: value approached for large negative x is ``-alpha``.
    """
    x = as_float(x)
    positive = x > 0
    negative = P.multiply(P.subtract(P.exp(P.where(positive, 0.0, x)), 1.0), alpha)
    return P.where(positive, x, negative)


def selu(x):
    """Scaled ELU (self-normalizing).

    Formula: ``scale * elu(x, alpha)`` with alpha = 1.6732632423543772 and
    scale = 1.0507009873554805.
    """
    return P.multiply(elu(x, SELU_ALPHA), SELU_SCALE)


def celu(x, alpha=1.0):
    """Continuously differentiable ELU.

    Formula: ``x if x > 0 else alpha * (exp(x / alpha) - 1)`` (the gradient at 0 is 1, as
    Keras's backends give it); the exponential sees 0 where ``x > 0``, as in ``elu``.
    """
    x = as_float(x)
    positive = x > 0
    negative = P.multiply(
        P.subtract(P.exp(P.divide(P.where(positive, 0.0, x), alpha)), 1.0), alpha)
    return P.where(positive, x, negative)


def threshold(x, threshold, default_value):
    """Keep x where it exceeds ``threshold``, else ``default_value``.

    Formula: ``x if x > threshold else default_value``
    """
    x = as_float(x)
    return P.where(x > threshold, x, default_value)


def gelu(x, approximate=True):
    """Gaussian error linear unit.

    Formula: exact ``0.5 * x * (1 + erf(x / sqrt(2)))``; approximate
    ``0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))``.

    Args:
        approximate: use the tanh form (True, the ``keras.ops`` default).
    """
    x = as_float(x)
    if approximate:
        inner = P.multiply(P.add(x, P.multiply(P.power(x, 3.0), 0.044715)),
                           math.sqrt(2.0 / math.pi))
        return P.multiply(P.multiply(x, 0.5), P.add(P.tanh(inner), 1.0))
    return P.multiply(P.multiply(x, 0.5), P.add(P.erf(P.divide(x, math.sqrt(2.0))), 1.0))


def silu(x):
    """Sigmoid linear unit, also called swish.

    Formula: ``x * sigmoid(x)``
    """
    x = as_float(x)
    return P.multiply(x, P.sigmoid(x))


swish = silu


def hard_sigmoid(x):
    """Piecewise-linear sigmoid.

    Formula: ``clip(x / 6 + 0.5, 0, 1)`` (= ``relu6(x + 3) / 6``)
    """
    return P.divide(relu6(P.add(as_float(x), 3.0)), 6.0)


def hard_silu(x):
    """Hard SiLU, also called hard swish.

    Formula: ``x * hard_sigmoid(x)``
    """
    x = as_float(x)
    return P.multiply(x, hard_sigmoid(x))


hard_swish = hard_silu


def log_sigmoid(x):
    """Log of the sigmoid, computed without overflow.

    Formula: ``-softplus(-x)``
    """
    return P.negative(P.softplus(P.negative(as_float(x))))


def softsign(x):
    """Formula: ``x / (1 + |x|)``"""
    x = as_float(x)
    return P.divide(x, P.add(P.abs(x), 1.0))


def squareplus(x, b=4):
    """A smooth ReLU made of a square root.

    Formula: ``(x + sqrt(x**2 + b)) / 2``

    Args:
        b: smoothness (non-negative); b = 0 gives relu.
    """
    if b < 0:
        raise ValueError(f"squareplus needs b >= 0 (b = 0 is relu). Received: b={b}")
    x = as_float(x)
    return P.multiply(P.add(x, P.sqrt(P.add(P.square(x), float(b)))), 0.5)


def glu(x, axis=-1):
    """Gated linear unit: split ``x`` in two halves a, b along ``axis``.

    Formula: ``a * sigmoid(b)``; the output has half the size along ``axis``.
    """
    x = as_float(x)
    size = x.shape[axis]
    if size % 2:
        raise ValueError(
            f"glu splits axis {axis} into two equal halves, so its size must be even. "
            f"Received: shape={x.shape}, size along axis {axis} is {size}.")
    head = [slice(None)] * x.ndim
    tail = [slice(None)] * x.ndim
    head[axis], tail[axis] = slice(0, size // 2), slice(size // 2, size)
    return P.multiply(P.getitem(x, tuple(head)), P.sigmoid(P.getitem(x, tuple(tail))))


def hard_tanh(x):
    """Formula: ``clip(x, -1, 1)``; integers stay integers, as in Keras."""
    return P.clip(x, -1, 1)


def tanh_shrink(x):
    """Formula: ``x - tanh(x)``"""
    x = as_float(x)
    return P.subtract(x, P.tanh(x))


def hard_shrink(x, threshold=0.5):
    """Zero out small values.

    Formula: ``x if |x| > threshold else 0``
    """
    x = as_float(x)
    return P.where(P.abs(x) > threshold, x, 0.0)


def soft_shrink(x, threshold=0.5):
    """Move values toward zero by ``threshold``, zeroing the ones within it.

    Formula: ``x - threshold if x > threshold; x + threshold if x < -threshold; else 0``
    """
    x = as_float(x)
    shrunk = P.where(x > threshold, P.subtract(x, threshold), P.add(x, threshold))
    return P.where(P.abs(x) > threshold, shrunk, 0.0)


def sparse_plus(x):
    """A softplus whose curved part is confined to (-1, 1).

    Formula: ``0 if x <= -1; (x + 1)**2 / 4 if -1 < x < 1; x if x >= 1``
    """
    x = as_float(x)
    middle = P.multiply(P.square(P.add(x, 1.0)), 0.25)
    return P.where(x <= -1, 0.0, P.where(x >= 1, x, middle))


def sparse_sigmoid(x):
    """A sigmoid that reaches exactly 0 and 1.

    Formula: ``0 if x <= -1; (x + 1) / 2 if -1 < x < 1; 1 if x >= 1``
    """
    x = as_float(x)
    return P.where(x <= -1, 0.0, P.where(x >= 1, 1.0, P.multiply(P.add(x, 1.0), 0.5)))


def sparsemax(x, axis=-1):
    """Euclidean projection of ``x`` onto the probability simplex along ``axis``.

    Formula: ``max(x - tau, 0)``, where tau makes the outputs sum to 1. With z
    sorted descending, the support size is k = max{j : 1 + j*z_j > z_1 + ... + z_j}
    and tau = (z_1 + ... + z_k - 1) / k. The support is found on the raw values;
    tau is then recomputed from ``x`` so its gradient (diag(s) - s s^T / k) is derived.
    An input exactly at tau (the support's edge) gets half its gradient through the
    ``max``, as on Keras's jax backend (torch passes all of it).
    """
    x = as_float(x)
    z = data(x)
    ranked = -xp.sort(-z, axis=axis)                          # descending along axis
    cumulative = xp.cumsum(ranked, axis=axis)
    shape = [1] * z.ndim
    shape[axis] = z.shape[axis]
    j = xp.arange(1, z.shape[axis] + 1, dtype=z.dtype).reshape(shape)
    k = xp.sum(1 + j * ranked > cumulative, axis=axis, keepdims=True)
    tau_raw = (xp.take_along_axis(cumulative, k - 1, axis=axis) - 1) / k
    support = z > tau_raw                                     # (..., n, ...) booleans
    count = xp.sum(support, axis=axis, keepdims=True).astype(z.dtype)
    tau = P.divide(P.subtract(P.sum(P.where(support, x, 0.0), axis, keepdims=True), 1.0),
                   count)
    return P.where(z >= tau_raw, P.maximum(P.subtract(x, tau), 0.0), 0.0)


def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """One-hot encode integer labels (no gradient); out-of-range labels give all-zero rows."""
    if sparse:
        raise ValueError("minikeras has no sparse tensors; call one_hot with sparse=False.")
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, xp.integer)):
        raise TypeError("one_hot expects `num_classes` as an int. Received: "
                        f"num_classes={num_classes!r} of type {type(num_classes).__name__}")
    labels = data(x).astype(xp.int64)
    eye = xp.arange(num_classes) == labels[..., None]
    out = eye.astype(backend.standardize_dtype(dtype))
    if axis != -1:
        out = xp.moveaxis(out, -1, axis)
    return Tensor(out)


def _check_same_shape(name, target, output):
    if tuple(target.shape) != tuple(output.shape):
        raise ValueError(
            f"{name}: arguments `target` and `output` must have the same shape. "
            f"Received: target.shape={target.shape}, output.shape={output.shape}")


def clip_probabilities(p):
    """clip(p, eps, 1 - eps): the Keras guard before taking log(p)."""
    eps = backend.epsilon()
    return P.clip(p, eps, 1.0 - eps)


def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary crossentropy.

    Formula: ``-(t·log(p) + (1 - t)·log(1 - p))`` with ``p`` clipped to
    ``[eps, 1 - eps]``; from logits ``x``: ``max(x, 0) - x·t + log(1 + exp(-|x|))``.
    """
    output = as_float(output)
    target = cast(convert_to_tensor(target), output.dtype)
    _check_same_shape("binary_crossentropy", target, output)
    if from_logits:
        return P.sigmoid_cross_entropy(target, output)
    p = clip_probabilities(output)
    return P.negative(P.add(P.multiply(target, P.log(p)),
                            P.multiply(P.subtract(1.0, target), P.log(P.subtract(1.0, p)))))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy between one-hot (or soft) targets and predictions along ``axis``.

    Formula: probabilities are renormalised to sum 1 and clipped to
    ``[eps, 1 - eps]``, then ``-sum(t·log(p), axis)``; from logits
    ``-sum(t·log_softmax(x), axis)`` (the fused, stable primitive).
    """
    output = as_float(output)
    target = cast(convert_to_tensor(target), output.dtype)
    _check_same_shape("categorical_crossentropy", target, output)
    if from_logits:
        return P.softmax_cross_entropy(target, output, axis)
    p = clip_probabilities(P.divide(output, P.sum(output, axis, keepdims=True)))
    return P.negative(P.sum(P.multiply(target, P.log(p)), axis))


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Categorical crossentropy with integer class targets (a trailing 1 is squeezed):
    minus each label's log-probability along ``axis``.

    Formula: ``-log(clip(p / sum(p), eps, 1 - eps))[label]``; from logits
    ``-log_softmax(x)[label]``. Only the label's entry is read, as Keras on torch does, so
    a -inf logit of another class costs nothing (through a one-hot product it would cost
    0 · -inf = nan, as on jax); a label outside ``[0, C)`` costs 0.
    """
    output = as_float(output)
    labels = np.asarray(data(target))
    if labels.ndim == output.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if labels.shape != output.shape[:axis % output.ndim] + output.shape[axis % output.ndim + 1:]:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape up until the last "
            f"dimension: target.shape={np.shape(data(target))}, output.shape={output.shape}")
    if from_logits:  # the fused primitive, reading each row's labelled entry alone
        return P.softmax_cross_entropy(labels, output, axis, sparse=True)
    hot = one_hot(labels, output.shape[axis], axis=axis, dtype=output.dtype)
    return categorical_crossentropy(hot, output, axis=axis)  # clipped: finite logs


def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Multi-hot encoding: one row per sample with a 1 at each of its integer labels."""
    if num_classes is None:
        num_classes = kwargs.pop("num_tokens", None)
    if num_classes is None:
        raise ValueError("multi_hot: pass `num_classes`.")
    labels = np.asarray(data(inputs)).astype(np.int64)
    hot = data(one_hot(labels, num_classes, axis=axis, dtype=dtype, sparse=sparse))
    reduce_axis = 1 if labels.ndim > 1 else 0
    return convert_to_tensor(np.max(hot, axis=reduce_axis))


def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio: ``20·log10(max_val) - 10·log10(mean((x1 - x2)²))``."""
    x1, x2 = as_float(x1), as_float(x2)
    if x1.shape != x2.shape:
        raise ValueError(f"psnr: x1 and x2 must have the same shape, got {x1.shape} and "
                         f"{x2.shape}.")
    mse = P.mean(P.square(P.subtract(x1, x2)))
    return P.subtract(20.0 * math.log10(max_val),
                      P.multiply(P.divide(P.log(mse), math.log(10.0)), 10.0))


def _attention_keep(mask, is_causal, t, s):
    """Where a query may attend to a key (broadcasting to (B, N, T, S)), or None."""
    keep = None if mask is None else np.asarray(data(mask)).astype(bool)
    if is_causal:
        causal = np.tril(np.ones((t, s), bool))  # top-left, as Keras (torch SDPA) aligns it
        keep = causal if keep is None else keep & causal
    return keep


def _check_attention_shapes(q, k, v):
    """query (B, T, N, H), key (B, S, K, H) and value (B, S, K, Hv) with K dividing N, or a
    ValueError naming the shapes."""
    shapes = f"Received: query.shape={q.shape}, key.shape={k.shape}, value.shape={v.shape}."
    if q.ndim != 4 or k.ndim != 4 or v.ndim != 4:
        raise ValueError(f"`dot_product_attention` only supports 4D inputs. {shapes}")
    if k.shape[:-1] != v.shape[:-1] or k.shape[-1] != q.shape[-1] or q.shape[-2] % k.shape[-2]:
        raise ValueError(
            "`dot_product_attention` expects query (batch, query_length, heads, head_dim), "
            "key (batch, key_length, key_heads, head_dim) and value (batch, key_length, "
            f"key_heads, value_dim), with key_heads dividing heads. {shapes}")


def dot_product_attention(query, key, value, bias=None, mask=None, scale=None,
                          is_causal=False, flash_attention=None, attn_logits_soft_cap=None):
    """Scaled dot-product attention on ``(batch, seq, heads, head_dim)`` tensors.

    Formula: ``softmax(q·kᵀ · scale + bias, masked) · v`` with ``scale = 1/sqrt(head_dim)``;
    fewer key/value heads than query heads are repeated (grouped-query attention).
    ``flash_attention`` may only be None or False: minikeras has no flash-attention kernel
    (Keras's numpy backend has none either and raises the same way). Nor may
    ``attn_logits_soft_cap`` be set: Keras computes it with JAX on a TPU only and raises
    on every other backend, as minikeras does.
    """
    if flash_attention:
        raise ValueError("Flash attention is not supported in minikeras (it computes with "
                         "numpy on the CPU): pass flash_attention=None or False; the numbers "
                         "are the same.")
    if attn_logits_soft_cap is not None:
        raise ValueError("attn_logits_soft_cap is only supported for JAX on TPU. "
                         "Set attn_logits_soft_cap=None when not using JAX on TPU.")
    q, k, v = as_float(query), as_float(key), as_float(value)
    _check_attention_shapes(q, k, v)
    n_heads, kv_heads = q.shape[-2], k.shape[-2]
    if n_heads != kv_heads:
        reps = np.repeat(np.arange(kv_heads), n_heads // kv_heads)
        k, v = P.take(k, reps, axis=-2), P.take(v, reps, axis=-2)
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    if bias is None:
        # fused (scores never all in memory at once); the scale goes on q first
        keep = _attention_keep(mask, is_causal, q.shape[1], k.shape[1])
        return P.attention(P.multiply(q, np.asarray(scale, q.dtype)), k, v, keep=keep,
                           all_masked_uniform=True)
    qh = P.transpose(q, (0, 2, 1, 3))                      # (B, N, T, H)
    kh = P.transpose(k, (0, 2, 3, 1))                      # (B, N, H, S)
    logits = P.multiply(P.matmul(qh, kh), scale)            # (B, N, T, S)
    if bias is not None:
        logits = P.add(logits, bias)
    keep = _attention_keep(mask, is_causal, logits.shape[-2], logits.shape[-1])
    if keep is not None:
        big = np.asarray(np.finfo(logits.dtype).min / 2, logits.dtype)
        logits = P.where(keep, logits, big)
    weights = P.softmax(logits, -1)
    out = P.matmul(weights, P.transpose(v, (0, 2, 1, 3)))    # (B, N, T, H)
    return P.transpose(out, (0, 2, 1, 3))
