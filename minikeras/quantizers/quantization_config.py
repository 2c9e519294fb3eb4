"""Quantization configs: which quantizer a layer uses for its weights and for its inputs.

``layer.quantize("int8")`` is ``layer.quantize(config=Int8QuantizationConfig())``; a config
names its ``mode`` and is saved in the layer's config as ``quantization_config``.
"""
from ..dtype_policies import QUANTIZATION_MODES, SUPPORTED_QUANTIZATION_MODES
from .quantizers import QUANTIZERS, AbsMaxQuantizer


def serialize_quantizer(obj):
    return QUANTIZERS.serialize(obj, "keras.quantizers")


def deserialize_quantizer(config):
    return None if config is None else QUANTIZERS.deserialize(config)


@QUANTIZERS.register("QuantizationConfig", "quantization_config")
class QuantizationConfig:
    """Base class of the configs: a ``weight_quantizer`` and an ``activation_quantizer``
    (either may be None: the layer's default weight quantizer / no input quantization).
    Subclasses name their ``mode``."""

    def __init__(self, weight_quantizer=None, activation_quantizer=None):
        self.weight_quantizer = weight_quantizer
        self.activation_quantizer = activation_quantizer

    @property
    def mode(self):
        raise NotImplementedError("Subclasses must implement this property. Do not "
                                  "instantiate QuantizationConfig directly.")

    def get_config(self):
        return {"weight_quantizer": serialize_quantizer(self.weight_quantizer),
                "activation_quantizer": serialize_quantizer(self.activation_quantizer)}

    @classmethod
    def from_config(cls, config):
        return cls(weight_quantizer=deserialize_quantizer(config.get("weight_quantizer")),
                   activation_quantizer=deserialize_quantizer(
                       config.get("activation_quantizer")))

    @staticmethod
    def weight_quantizer_or_default(config, default):
        if config is not None and config.weight_quantizer is not None:
            return config.weight_quantizer
        return default

    @staticmethod
    def activation_quantizer_or_default(config, default):
        return config.activation_quantizer if config is not None else default


@QUANTIZERS.register("Int8QuantizationConfig", "int8_quantization_config")
class Int8QuantizationConfig(QuantizationConfig):
    """int8 weights (abs-max per output channel) and, by default, int8 inputs quantized
    per sample on the fly (``AbsMaxQuantizer()``, axis -1); ``activation_quantizer=None``
    keeps float inputs."""

    def __init__(self, weight_quantizer=None, activation_quantizer="default"):
        if isinstance(activation_quantizer, str) and activation_quantizer == "default":
            activation_quantizer = AbsMaxQuantizer()
        super().__init__(weight_quantizer, activation_quantizer)
        if weight_quantizer is not None and weight_quantizer.output_dtype != "int8":
            raise ValueError("Int8QuantizationConfig requires a weight_quantizer with "
                             "output_dtype='int8'. Received: "
                             f"output_dtype={weight_quantizer.output_dtype}")

    @property
    def mode(self):
        return "int8"


@QUANTIZERS.register("Int4QuantizationConfig", "int4_quantization_config")
class Int4QuantizationConfig(QuantizationConfig):
    """int4 weights packed two to a byte.

    Args:
        block_size: rows (input positions) per group with its own scale and zero point
            (default 128); None or -1: one symmetric scale per output channel.
        weight_quantizer, activation_quantizer: only with per-channel quantization; the
            weight quantizer must have value_range (-8, 7) and output_dtype int8. Inputs
            stay float by default.
    """

    def __init__(self, weight_quantizer=None, activation_quantizer="default", block_size=128):
        if isinstance(activation_quantizer, str) and activation_quantizer == "default":
            activation_quantizer = None
        super().__init__(weight_quantizer, activation_quantizer)
        if block_size is not None and block_size != -1 and (
                isinstance(block_size, bool) or not isinstance(block_size, int)
                or block_size <= 0):
            raise ValueError("block_size must be None, -1, or a positive integer. "
                             f"Received: block_size={block_size}")
        self.block_size = block_size
        if block_size is not None and block_size > 0 and (
                weight_quantizer is not None or self.activation_quantizer is not None):
            raise ValueError(
                "Int4 sub-channel quantization (block_size > 0) does not support custom "
                "quantizers. Either set block_size to None or -1 for per-channel "
                "quantization, or remove the custom quantizer arguments. Received: "
                f"block_size={block_size}")
        if weight_quantizer is not None:
            if tuple(weight_quantizer.value_range) != (-8, 7):
                raise ValueError("Int4QuantizationConfig requires a weight_quantizer with "
                                 "value_range=(-8, 7). Received: "
                                 f"value_range={weight_quantizer.value_range}")
            if weight_quantizer.output_dtype != "int8":
                raise ValueError("Int4QuantizationConfig requires a weight_quantizer with "
                                 "output_dtype='int8'. Received: "
                                 f"output_dtype={weight_quantizer.output_dtype}")

    @property
    def mode(self):
        return "int4"

    def get_config(self):
        return {**super().get_config(), "block_size": self.block_size}

    @classmethod
    def from_config(cls, config):
        return cls(weight_quantizer=deserialize_quantizer(config.get("weight_quantizer")),
                   activation_quantizer=deserialize_quantizer(
                       config.get("activation_quantizer")),
                   block_size=config.get("block_size"))


_DEFAULT_CONFIGS = {"int8": Int8QuantizationConfig, "int4": Int4QuantizationConfig}


def validate_and_resolve_config(mode, config):
    """The config ``quantize(mode, config)`` means: the mode's default config when
    ``config`` is None, ``config`` itself when its mode agrees with ``mode`` (or mode is
    None). Keras's errors for an unknown mode, a missing mode and config, a config that is
    not a QuantizationConfig, and a mode that contradicts the config's."""
    if isinstance(config, str):
        mode, config = config, None
    check_mode(mode)
    if config is None:
        if mode is None:
            raise ValueError("You must provide either `mode` or `config` to `quantize`.")
        return _DEFAULT_CONFIGS[mode]()
    if not isinstance(config, QuantizationConfig):
        raise ValueError("Argument `config` must be an instance of `QuantizationConfig`. "
                         f"Received: config={config} (of type {type(config)})")
    if mode is not None and config.mode != mode:
        raise ValueError(f"Contradictory arguments: mode='{mode}' but "
                         f"config.mode='{config.mode}'")
    return config


def check_mode(mode):
    """None or a mode minikeras quantizes; Keras's ValueError for a name Keras does not know,
    NotImplementedError for a Keras mode minikeras does not have yet."""
    if mode is None or mode in SUPPORTED_QUANTIZATION_MODES:
        return
    if mode in QUANTIZATION_MODES:
        raise NotImplementedError(
            f"Quantization mode '{mode}' is not supported by minikeras yet. Supported modes: "
            f"{SUPPORTED_QUANTIZATION_MODES}.")
    raise ValueError(f"Invalid quantization mode. Expected one of {QUANTIZATION_MODES}. "
                     f"Received: mode={mode}")


def block_size_for_layer(layer, config):
    """The int4 group size a layer uses: the config's, else its Int4DTypePolicy's; None
    means per-channel."""
    if isinstance(config, Int4QuantizationConfig):
        block_size = config.block_size
    else:
        block_size = getattr(layer.dtype_policy, "block_size", None)
    return None if block_size is None or block_size == -1 else block_size
