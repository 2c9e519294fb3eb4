"""More ``keras.ops`` neural-network functions: crossentropies, normalizations, attention.

The crossentropies are element- or sample-wise (no reduction), as ``keras.ops``
defines them; ``keras.losses`` adds label smoothing, means and reductions on top.
"""
import math

import numpy as np

from .. import backend
from ..autodiff import primitives as P
from .core import cast, convert_to_tensor, data
from .nn import one_hot

__all__ = ["binary_crossentropy", "categorical_crossentropy", "dot_product_attention",
           "layer_normalization", "multi_hot", "normalize", "psnr", "rms_normalization",
           "sparse_categorical_crossentropy"]


def _f(x):
    x = convert_to_tensor(x)
    return x if backend.is_float_dtype(x.dtype) else cast(x, backend.floatx())


def _check_same_shape(name, target, output):
    if tuple(target.shape) != tuple(output.shape):
        raise ValueError(
            f"{name}: arguments `target` and `output` must have the same shape. "
            f"Received: target.shape={target.shape}, output.shape={output.shape}")


def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary crossentropy.

    Formula: ``-(t·log(p) + (1 - t)·log(1 - p))`` with ``p`` clipped to
    ``[eps, 1 - eps]``; from logits ``x``: ``max(x, 0) - x·t + log(1 + exp(-|x|))``.
    """
    output = _f(output)
    target = cast(convert_to_tensor(target), output.dtype)
    _check_same_shape("binary_crossentropy", target, output)
    if from_logits:
        return P.sigmoid_cross_entropy(target, output)
    eps = backend.epsilon()
    p = P.clip(output, eps, 1.0 - eps)
    return P.negative(P.add(P.multiply(target, P.log(p)),
                            P.multiply(P.subtract(1.0, target), P.log(P.subtract(1.0, p)))))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy between one-hot (or soft) targets and predictions along ``axis``.

    Formula: probabilities are renormalised to sum 1 and clipped to
    ``[eps, 1 - eps]``, then ``-sum(t·log(p), axis)``; from logits
    ``-sum(t·log_softmax(x), axis)``.
    """
    output = _f(output)
    target = cast(convert_to_tensor(target), output.dtype)
    _check_same_shape("categorical_crossentropy", target, output)
    if from_logits:
        return P.negative(P.sum(P.multiply(target, P.log_softmax(output, axis)), axis))
    eps = backend.epsilon()
    p = P.divide(output, P.sum(output, axis, keepdims=True))
    p = P.clip(p, eps, 1.0 - eps)
    return P.negative(P.sum(P.multiply(target, P.log(p)), axis))


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Categorical crossentropy with integer class targets (a trailing 1 is squeezed)."""
    output = _f(output)
    labels = np.asarray(data(target))
    if labels.ndim == output.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if labels.shape != output.shape[:axis % output.ndim] + output.shape[axis % output.ndim + 1:]:
        raise ValueError(
            "sparse_categorical_crossentropy: `target` should have the shape of `output` "
            f"without its class axis. Received: target.shape={np.shape(data(target))}, "
            f"output.shape={output.shape}")
    hot = one_hot(labels, output.shape[axis], axis=axis, dtype=output.dtype)
    return categorical_crossentropy(hot, output, from_logits=from_logits, axis=axis)


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


def normalize(x, axis=-1, order=2, epsilon=None):
    """``x`` divided by its ``order``-norm along ``axis`` (at least ``epsilon``).

    Formula: order 2: ``x · min(1/sqrt(sum(x²)), 1/eps)``; else ``x / max(norm, eps)``.
    """
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"normalize: `order` must be an int >= 1. Received: order={order}")
    x = _f(x)
    if x.ndim == 0:
        x = P.reshape(x, (1,))
    eps = backend.epsilon() if epsilon is None else epsilon
    if order == 2:
        square_sum = P.sum(P.square(x), axis, keepdims=True)
        # 1/sqrt(max(s, eps²)) equals min(1/sqrt(s), 1/eps) with a finite gradient at 0
        return P.divide(x, P.sqrt(P.maximum(square_sum, eps * eps)))
    norm = P.power(P.sum(P.power(P.abs(x), float(order)), axis, keepdims=True), 1.0 / order)
    return P.divide(x, P.maximum(norm, eps))


def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """Formula: ``x / sqrt(mean(x², axis) + eps) · scale``."""
    x = _f(x)
    eps = backend.epsilon() if epsilon is None else epsilon
    out = P.divide(x, P.sqrt(P.add(P.mean(P.square(x), axis, keepdims=True), eps)))
    return out if scale is None else P.multiply(out, scale)


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """Formula: ``(x - mean) / sqrt(var + eps) · gamma + beta`` over ``axis`` (biased var)."""
    x = _f(x)
    eps = backend.epsilon() if epsilon is None else epsilon
    axis = tuple(axis) if isinstance(axis, list) else axis
    mean = P.mean(x, axis, keepdims=True)
    centred = P.subtract(x, mean)
    var = P.mean(P.square(centred), axis, keepdims=True)
    out = P.divide(centred, P.sqrt(P.add(var, eps)))
    if gamma is not None:
        out = P.multiply(out, gamma)
    if beta is not None:
        out = P.add(out, beta)
    return out


def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio: ``20·log10(max_val) - 10·log10(mean((x1 - x2)²))``."""
    x1, x2 = _f(x1), _f(x2)
    if x1.shape != x2.shape:
        raise ValueError(f"psnr: x1 and x2 must have the same shape, got {x1.shape} and "
                         f"{x2.shape}.")
    mse = P.mean(P.square(P.subtract(x1, x2)))
    return P.subtract(20.0 * math.log10(max_val),
                      P.multiply(P.divide(P.log(mse), math.log(10.0)), 10.0))


def dot_product_attention(query, key, value, bias=None, mask=None, scale=None,
                          is_causal=False, flash_attention=None, attn_logits_soft_cap=None):
    """Scaled dot-product attention on ``(batch, seq, heads, head_dim)`` tensors.

    Formula: ``softmax(q·kᵀ · scale + bias, masked) · v`` with ``scale = 1/sqrt(head_dim)``;
    fewer key/value heads than query heads are repeated (grouped-query attention).
    """
    del flash_attention
    q, k, v = _f(query), _f(key), _f(value)
    n_heads, kv_heads = q.shape[-2], k.shape[-2]
    if n_heads != kv_heads:
        reps = np.repeat(np.arange(kv_heads), n_heads // kv_heads)
        k, v = P.take(k, reps, axis=-2), P.take(v, reps, axis=-2)
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    qh = P.transpose(q, (0, 2, 1, 3))                      # (B, N, T, H)
    kh = P.transpose(k, (0, 2, 3, 1))                      # (B, N, H, S)
    logits = P.multiply(P.matmul(qh, kh), scale)            # (B, N, T, S)
    if attn_logits_soft_cap is not None:
        logits = P.multiply(P.tanh(P.divide(logits, attn_logits_soft_cap)),
                            attn_logits_soft_cap)
    if bias is not None:
        logits = P.add(logits, bias)
    keep = None
    if mask is not None:
        keep = np.asarray(data(mask)).astype(bool)
    if is_causal:
        t, s = logits.shape[-2], logits.shape[-1]
        causal = np.tril(np.ones((t, s), bool), s - t)
        keep = causal if keep is None else keep & causal
    if keep is not None:
        big = np.asarray(np.finfo(logits.dtype).min / 2, logits.dtype)
        logits = P.where(keep, logits, big)
    weights = P.softmax(logits, -1)
    out = P.matmul(weights, P.transpose(v, (0, 2, 1, 3)))    # (B, N, T, H)
    return P.transpose(out, (0, 2, 1, 3))
