"""keras.quantizers: quantizers, quantization configs and the int8 / int4 functions.

See docs/quantization.md. ``model.quantize("int8")`` (or ``"int4"``) uses them to turn a
trained model's Dense, EinsumDense and Embedding weights into integers.
"""
from .float8 import compute_float8_amax_history, compute_float8_scale, quantize_and_dequantize
from .quantization_config import (Int4QuantizationConfig, Int8QuantizationConfig,
                                  QuantizationConfig)
from .quantizers import (QUANTIZERS, AbsMaxQuantizer, Quantizer, abs_max_quantize,
                         abs_max_quantize_grouped_with_zero_point, fake_quant_with_min_max_vars,
                         pack_int4, unpack_int4)

__all__ = ["AbsMaxQuantizer", "Int4QuantizationConfig", "Int8QuantizationConfig",
           "QuantizationConfig", "Quantizer", "abs_max_quantize",
           "abs_max_quantize_grouped_with_zero_point", "compute_float8_amax_history",
           "compute_float8_scale", "deserialize", "fake_quant_with_min_max_vars", "get",
           "pack_int4", "quantize_and_dequantize", "serialize", "unpack_int4"]


def serialize(initializer):
    """The Keras config dict of a quantizer or quantization config (None stays None). Keras
    names the argument ``initializer``."""
    return QUANTIZERS.serialize(initializer, "keras.quantizers")


def deserialize(config, custom_objects=None):
    """A quantizer or quantization config from its ``serialize`` dict."""
    return QUANTIZERS.deserialize(config, custom_objects)


def get(identifier, **kwargs):
    """A quantizer from None, its class name (instantiated, with ``kwargs`` as its
    arguments), its config dict, or a quantizer / callable (returned as is)."""
    if isinstance(identifier, str) and kwargs:
        return QUANTIZERS.lookup(identifier)(**kwargs)
    return QUANTIZERS.get_instance(identifier)
