"""The float8 helpers of ``keras.quantizers``: rounding onto a narrow float grid, and the
delayed-scaling bookkeeping (amax history -> scale) of Keras's float8 training.

minikeras has no float8 layers (docs/quantization.md); these functions compute what Keras's
do, on float32 arrays (numpy has no float8 dtype: values are rounded onto its grid).
"""
import numpy as np

from .. import ops

# name -> (mantissa bits, smallest normal exponent, largest finite value)
_NARROW_FLOATS = {"float8_e4m3fn": (3, -6, 448.0), "float8_e5m2": (2, -14, 57344.0),
                  "float16": (10, -14, 65504.0), "bfloat16": (7, -126, 3.3895313892515355e38)}


def _round_to_grid(x, name):
    """``x`` (already within the format's range) rounded to the nearest value the format
    holds, ties to even, subnormals included."""
    mantissa_bits, min_exponent, _ = _NARROW_FLOATS[name]
    exponent = np.maximum(np.frexp(x)[1] - 1, min_exponent)  # of the leading bit
    spacing = np.ldexp(np.ones_like(x), exponent - mantissa_bits)
    return np.round(x / spacing) * spacing


def quantize_and_dequantize(inputs, scale, quantized_dtype, compute_dtype):
    """``inputs`` through ``quantized_dtype`` and back: ``round_to(clip(inputs / scale,
    ±max), quantized_dtype) * scale``, in ``compute_dtype``. ``quantized_dtype``:
    "float8_e4m3fn", "float8_e5m2", "float16" or "bfloat16"."""
    if quantized_dtype not in _NARROW_FLOATS:
        raise ValueError(f"quantize_and_dequantize supports quantized_dtype in "
                         f"{sorted(_NARROW_FLOATS)}. Received: quantized_dtype={quantized_dtype!r}")
    largest = _NARROW_FLOATS[quantized_dtype][2]
    scale = np.asarray(ops.convert_to_numpy(scale)).astype(compute_dtype)
    x = np.asarray(ops.convert_to_numpy(inputs)).astype(compute_dtype) / scale
    x = _round_to_grid(np.clip(x, -largest, largest), quantized_dtype).astype(compute_dtype)
    return ops.convert_to_tensor(x * scale)


def compute_float8_scale(amax, scale, dtype_max, margin=0):
    """The next scale of delayed scaling: ``amax * 2**margin / dtype_max`` where ``amax`` is
    positive and finite, else the current ``scale``."""
    amax = np.asarray(ops.convert_to_numpy(amax))
    scale = np.asarray(ops.convert_to_numpy(scale))
    usable = (amax > 0) & np.isfinite(amax)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.asarray(dtype_max, amax.dtype) / amax / 2 ** margin
    return ops.convert_to_tensor(np.where(usable, 1 / np.where(usable, factor, 1), scale))


def compute_float8_amax_history(x, amax_history):
    """``amax_history`` rolled one step to the left, with ``max|x|`` written first."""
    history = np.roll(np.asarray(ops.convert_to_numpy(amax_history)), -1)
    history[0] = np.max(np.abs(ops.convert_to_numpy(x)))
    return ops.convert_to_tensor(history)
