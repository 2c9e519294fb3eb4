"""Normalization functions of ``keras.ops``: moments, batch, layer and RMS normalization,
and ``normalize`` (Lp). Composed from primitives, so gradients are derived.
"""
import numpy as np

from .. import backend
from ..autodiff import primitives as P
from ..autodiff.reductions import normalize_axis
from ..autodiff.tensor import array_dtype
from .core import as_float, cast, convert_to_tensor

__all__ = [
    "batch_normalization", "layer_normalization", "moments", "normalize", "rms_normalization",
]


def moments(x, axes, keepdims=False, synchronized=False):
    """Mean and biased variance of ``x`` over ``axes``.

    Formula: ``mean = sum(x) / n``, ``variance = sum((x - mean)**2) / n``

    float16 data has its statistics computed in float32, then clipped to float16's finite
    range and rounded back, as Keras does (a variance of values near 300 already overflows
    float16; an infinite mean becomes ±65504).
    """
    del synchronized  # one process: nothing to synchronize
    x = as_float(x)
    dtype = array_dtype(x)
    if dtype == np.float16:
        x = cast(x, "float32")
    mean = P.mean(x, axes, keepdims=True)
    variance = P.mean(P.square(P.subtract(x, mean)), axes, keepdims=True)
    if not keepdims:
        kept = tuple(n for i, n in enumerate(mean.shape) if i not in normalize_axis(axes, x.ndim))
        mean, variance = P.reshape(mean, kept), P.reshape(variance, kept)
    if dtype == np.float16:
        largest = float(np.finfo(np.float16).max)
        mean, variance = (cast(P.clip(t, -largest, largest), dtype) for t in (mean, variance))
    return mean, variance


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """Normalize ``x`` with the given statistics, then scale and shift, along ``axis``.

    Formula: ``(x - mean) / sqrt(variance + epsilon) * scale + offset``; mean, variance,
    offset and scale are 1-D of size ``x.shape[axis]`` (or already broadcastable).
    """
    x = as_float(x)
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]

    def along_axis(t):
        t = convert_to_tensor(t)
        return P.reshape(t, shape) if t.ndim == 1 else t

    inv = P.divide(1.0, P.sqrt(P.add(along_axis(variance), epsilon)))
    if scale is not None:
        inv = P.multiply(inv, along_axis(scale))
    shift = P.negative(P.multiply(along_axis(mean), inv))
    if offset is not None:
        shift = P.add(shift, along_axis(offset))
    return P.add(P.multiply(x, inv), shift)


def normalize(x, axis=-1, order=2, epsilon=None):
    """``x`` divided by its ``order``-norm along ``axis`` (at least ``epsilon``).

    Formula: order 2: ``x · min(1/sqrt(sum(x²)), 1/eps)``; else ``x / max(norm, eps)``.
    """
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"normalize: `order` must be an int >= 1. Received: order={order}")
    x = as_float(x)
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
    x = as_float(x)
    eps = backend.epsilon() if epsilon is None else epsilon
    out = P.divide(x, P.sqrt(P.add(P.mean(P.square(x), axis, keepdims=True), eps)))
    return out if scale is None else P.multiply(out, scale)


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """Formula: ``(x - mean) / sqrt(var + eps) · gamma + beta`` over ``axis`` (biased var)."""
    x = as_float(x)
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
