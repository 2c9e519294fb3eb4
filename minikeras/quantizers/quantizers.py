"""Quantizers and the quantize / pack functions of ``keras.quantizers``.

Quantizing rounds numbers onto an integer grid and keeps a float *scale* to map them back.
Keras's convention, followed here: the scale multiplies the float value, so

    q = clip(round(x * scale), lo, hi)        x ≈ q / scale

with ``scale = hi / (max|x| + epsilon)`` along the reduced axes (abs-max, symmetric). The
grouped asymmetric form keeps a zero point instead: ``q = clip(round(x / s) + z, lo, hi)``
and ``x ≈ (q - z) * s``.

These functions run on arrays and return Tensors outside any graph: rounding has no
gradient. The layers that use them give their inputs a straight-through gradient (see
``minikeras/layers/quantizable.py``).
"""
import numpy as np

from .. import backend, ops
from ..registry import Registry

QUANTIZERS = Registry("quantizer")


def _array(x):
    return np.asarray(ops.convert_to_numpy(x))


def _positive_axes(axis, ndim):
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    return tuple(int(a) % ndim for a in axes)


@QUANTIZERS.register("Quantizer", "quantizer")
class Quantizer:
    """Base class of quantizers: ``quantizer(x)`` returns the quantized ``x`` (the base
    class returns ``x`` unchanged); ``output_dtype`` is the dtype of what it returns."""

    def __init__(self, output_dtype="int8"):
        self.output_dtype = output_dtype

    def __call__(self, x):
        return x

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_config(self):
        raise NotImplementedError(f"{self} does not implement get_config()")


def abs_max_quantize(inputs, axis, value_range=(-127, 127), dtype="int8",
                     epsilon=backend.epsilon(), to_numpy=False):
    """Symmetric abs-max quantization along ``axis`` (an int or a tuple of ints).

    Formula: ``scale = value_range[1] / (max(|inputs|, axis, keepdims) + epsilon)``,
    ``outputs = clip(round(inputs * scale), *value_range)`` cast to ``dtype``.

    Returns ``(outputs, scale)``; ``scale`` keeps the reduced axes (size 1) and the input's
    float dtype. As in Keras, the integer ``outputs`` carry no gradient and ``scale`` does
    (it is made of differentiable ops: through the max of ``|inputs|``). ``to_numpy`` is
    accepted for Keras's signature: minikeras always computes on the host, which is what it
    asks for.
    """
    del to_numpy  # Keras: compute on the host instead of the device; minikeras is host-only
    x = ops.convert_to_tensor(inputs)
    if x.data.dtype.kind != "f":
        x = ops.cast(x, backend.floatx())
    axes = _positive_axes(axis, x.ndim)
    scale = ops.divide(value_range[1], ops.add(ops.max(ops.abs(x), axis=axes, keepdims=True),
                                               epsilon))
    scale = ops.cast(scale, x.dtype)
    outputs = np.clip(np.round(_array(x) * _array(scale)), value_range[0], value_range[1])
    return ops.convert_to_tensor(outputs.astype(dtype)), scale


def abs_max_quantize_grouped_with_zero_point(inputs, block_size, value_range=(-8, 7),
                                             dtype="int8", epsilon=backend.epsilon(),
                                             to_numpy=False):
    """Asymmetric quantization of a 2-D ``(input_dim, output_dim)`` array in groups of
    ``block_size`` rows, each group with its own scale and zero point per column.

    Formula (per group g and column j; the last group is padded with zero rows):
    ``s = (max - min + epsilon) / (hi - lo)``, ``z = clip(round(-min / s) + lo, lo, hi)``,
    ``q = clip(round(x / s) + z, lo, hi)``; then ``x ≈ (q - z) * s``.

    Returns ``(quantized (input_dim, output_dim), scale (n_groups, output_dim),
    zero_point (n_groups, output_dim) int8)``, n_groups = ceil(input_dim / block_size).
    With ``to_numpy=False`` (Keras's device path) a group whose values are all equal is
    widened to [min - 1, max + 1] first, as Keras's device path does.
    """
    x = _array(inputs)
    if x.ndim != 2:
        raise ValueError(f"abs_max_quantize_grouped_with_zero_point expects a 2-D "
                         f"(input_dim, output_dim) tensor. Received: shape={x.shape}")
    if isinstance(block_size, bool) or not isinstance(block_size, (int, np.integer)) \
            or block_size <= 0:
        raise ValueError(f"block_size must be a positive integer. Received: "
                         f"block_size={block_size!r}")
    float_dtype = x.dtype if x.dtype.kind == "f" else np.dtype(backend.floatx())
    input_dim, output_dim = x.shape
    n_groups = -(-input_dim // block_size)
    lo, hi = value_range
    padded = np.zeros((n_groups * block_size, output_dim), float_dtype)
    padded[:input_dim] = x
    groups = padded.reshape(n_groups, block_size, output_dim)
    low = groups.min(axis=1, keepdims=True)
    high = groups.max(axis=1, keepdims=True)
    if not to_numpy:
        flat = low == high
        low, high = np.where(flat, low - 1, low), np.where(flat, high + 1, high)
    scale = ((high - low + float_dtype.type(epsilon)) / float_dtype.type(hi - lo)).astype(
        float_dtype)
    zero = np.clip(np.round(-low / scale) + lo, lo, hi)
    quantized = np.clip(np.round(groups / scale) + zero, lo, hi).astype(dtype)
    quantized = quantized.reshape(-1, output_dim)[:input_dim]
    return (ops.convert_to_tensor(quantized), ops.convert_to_tensor(scale[:, 0]),
            ops.convert_to_tensor(zero[:, 0].astype("int8")))


def dequantize_grouped(quantized, scale, zero, g_idx, group_axis):
    """``(quantized - zero) * scale`` with each position along the grouped axis of
    ``quantized`` reading the scale and zero of its group ``g_idx[i]`` from ``group_axis``
    of ``scale`` / ``zero``. Returns a float array."""
    groups = _array(g_idx).astype("int64")
    scale = _array(scale)
    zero = np.take(_array(zero), groups, axis=group_axis).astype(scale.dtype)
    return (_array(quantized).astype(scale.dtype) - zero) * np.take(scale, groups,
                                                                      axis=group_axis)


@QUANTIZERS.register("AbsMaxQuantizer", "abs_max_quantizer")
class AbsMaxQuantizer(Quantizer):
    """Abs-max quantizer: ``quantizer(x, axis=None)`` returns ``abs_max_quantize(x, axis,
    value_range, output_dtype, epsilon)``; ``axis`` defaults to the constructor's, else -1.

    Args:
        axis: deprecated in Keras (pass it to the call); an int or a tuple.
        value_range: ``(lo, hi)`` of the integer grid. With ``output_dtype="int8"`` it must
            lie within [-128, 127].
        epsilon: added to the abs max. output_dtype: dtype of the quantized values.
    """

    def __init__(self, axis=None, value_range=(-127, 127), epsilon=backend.epsilon(),
                 output_dtype="int8"):
        super().__init__(output_dtype=output_dtype)
        self.axis = None if axis is None else _positive_or_negative_axes(axis)
        self.value_range = tuple(value_range)
        self.epsilon = epsilon
        if output_dtype == "int8" and (value_range[0] < -128 or value_range[1] > 127):
            raise ValueError(
                "Quantizer with output_dtype='int8' requires value_range to be within the "
                f"interval [-128, 127]. Received: value_range={value_range}")

    def __call__(self, x, axis=None, to_numpy=False):
        axis = axis if axis is not None else self.axis if self.axis is not None else -1
        return abs_max_quantize(x, axis, self.value_range, self.output_dtype, self.epsilon,
                                to_numpy)

    def get_config(self):
        config = {"value_range": self.value_range, "epsilon": self.epsilon,
                  "output_dtype": self.output_dtype}
        if self.axis is not None:
            config["axis"] = self.axis
        return config


def _positive_or_negative_axes(axis):
    return (int(axis),) if isinstance(axis, (int, np.integer)) else tuple(int(a) for a in axis)


def pack_int4(arr, axis=0, dtype="int8"):
    """Pack int4 values (int8 or uint8 in [-8, 7]) two to a byte along ``axis``.

    Each pair of consecutive entries along ``axis`` becomes one byte: the first in the low
    nibble, the second in the high nibble; an odd length is padded with a zero.

    Returns ``(packed, packed_shape, orig_len)``, ``orig_len`` the unpadded length.
    """
    if dtype not in ("int8", "uint8"):
        raise ValueError(f"Expected dtype to be 'int8' or 'uint8', but got '{dtype}'.")
    values = _array(arr)
    if values.dtype != np.dtype(dtype):
        raise TypeError(f"Expected {dtype} tensor for packing, got {values.dtype}.")
    axis = axis % values.ndim
    rows = np.moveaxis(values, axis, 0)
    orig_len = rows.shape[0]
    if orig_len % 2:
        rows = np.concatenate([rows, np.zeros((1,) + rows.shape[1:], rows.dtype)])
    nibbles = rows.view(np.uint8) & 0x0F
    packed = (nibbles[0::2] | (nibbles[1::2] << 4)).view(dtype)
    packed = np.moveaxis(packed, 0, axis)
    return ops.convert_to_tensor(packed), tuple(packed.shape), orig_len


def unpack_int4(packed, orig_len, axis=0, dtype="int8"):
    """Undo :func:`pack_int4`: the int4 values along ``axis`` (the first ``orig_len``),
    signed in [-8, 7] for ``dtype="int8"``, unsigned in [0, 15] for ``"uint8"``."""
    if dtype not in ("int8", "uint8"):
        raise ValueError(f"Expected dtype to be 'int8' or 'uint8', but got '{dtype}'.")
    values = _array(packed)
    if values.dtype not in (np.int8, np.uint8):
        raise TypeError(f"Expected int8 or uint8 tensor for unpacking, got {values.dtype}")
    axis = axis % values.ndim
    rows = np.moveaxis(values, axis, 0).view(np.uint8)
    low, high = rows & 0x0F, rows >> 4
    if dtype == "int8":  # nibble 8..15 -> -8..-1
        low, high = (low.astype(np.int8) ^ 8) - 8, (high.astype(np.int8) ^ 8) - 8
    unpacked = np.stack([low, high], axis=1).reshape((-1,) + rows.shape[1:])[:orig_len]
    return ops.convert_to_tensor(np.moveaxis(unpacked.astype(dtype), 0, axis))


def fake_quant_with_min_max_vars(inputs, min_vals, max_vals, num_bits=8, narrow_range=False,
                                 axis=None):
    """Quantize ``inputs`` onto ``2**num_bits`` levels (``[1, 2**num_bits - 1]`` with
    ``narrow_range``) spanning ``[min_vals, max_vals]``, and return the dequantized floats.

    The range is first nudged so that 0 is a level (TensorFlow's rule): ``scale = (max -
    min) / (q_max - q_min)``, zero point ``round(clip(q_min - min / scale, q_min, q_max))``,
    ``[min, max]`` moved to ``[(q_min - zp) * scale, (q_max - zp) * scale]``. Per channel
    along ``axis`` when ``min_vals`` / ``max_vals`` are vectors (broadcast against inputs).

    Gradients (Keras's straight-through rule, not the derivative of the staircase): the
    input's passes where it lies inside the nudged range; ``min_vals`` gets the sum of the
    upstream below it, ``max_vals`` the sum above it (per channel with ``axis``).
    """
    num_bits = int(num_bits)
    x_ndim = np.ndim(ops.convert_to_numpy(inputs))
    axis = None if axis is None else int(axis) % x_ndim

    @ops.custom_gradient
    def fake_quant(x, low, high):
        x_array = ops.convert_to_numpy(x)
        low_array, high_array = ops.convert_to_numpy(low), ops.convert_to_numpy(high)
        nudged_low, nudged_high, scale = _nudged_range(low_array, high_array, num_bits,
                                                       narrow_range)
        levels = np.floor((np.clip(x_array, nudged_low, nudged_high) - nudged_low) / scale
                          + 0.5)
        y = (levels * scale + nudged_low).astype(x_array.dtype)
        other_axes = tuple(i for i in range(x_ndim) if i != axis)

        def gradient(upstream):
            g = ops.convert_to_numpy(upstream)
            inside = (x_array >= nudged_low) & (x_array <= nudged_high)
            below = np.where(x_array <= nudged_low, g, 0).sum(axis=other_axes)
            above = np.where(x_array >= nudged_high, g, 0).sum(axis=other_axes)
            return (ops.convert_to_tensor(np.where(inside, g, 0).astype(g.dtype)),
                    ops.convert_to_tensor(below.reshape(np.shape(low_array))),
                    ops.convert_to_tensor(above.reshape(np.shape(high_array))))
        return ops.convert_to_tensor(y), gradient

    return fake_quant(inputs, min_vals, max_vals)


def _nudged_range(low, high, num_bits, narrow_range):
    """(nudged min, nudged max, scale) in float32: the range moved so that 0 is a level."""
    low, high = np.asarray(low, np.float32), np.asarray(high, np.float32)
    q_min, q_max = (1 if narrow_range else 0), (1 << num_bits) - 1
    scale = (high - low) / np.float32(q_max - q_min)
    zero_point = np.round(np.clip(q_min - low / scale, q_min, q_max))
    return (q_min - zero_point) * scale, (q_max - zero_point) * scale, scale
