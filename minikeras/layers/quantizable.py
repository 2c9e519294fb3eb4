"""What Dense, EinsumDense, Embedding and ReversibleEmbedding share to be quantized
(docs/quantization.md).

``layer.quantize(mode)`` turns a built layer's float weight (``kernel`` / ``embeddings``)
into integers plus float scales, sets its dtype policy to ``"<mode>_from_<policy>"``, and
from then on the layer computes with the integer weight. A layer made from a config whose
dtype is such a policy builds the integer variables directly, so quantized files load.

Training after quantization follows Keras: the integer weights and their scales are not
trainable; the bias still trains, and a dense layer's input gets the gradient of the
dequantized layer (a straight-through estimator across the input quantization).
"""
import math

import numpy as np

from .. import dtype_policies, ops
from ..quantizers import quantizers as Q
from ..quantizers.quantization_config import (QuantizationConfig, block_size_for_layer,
                                              deserialize_quantizer, serialize_quantizer,
                                              validate_and_resolve_config)
from ..variables import structure_changed
from .layer import Layer


class QuantizableLayer(Layer):
    """A layer with a float weight that ``quantize(mode)`` can turn into integers.

    Subclasses name their weight (``_quantized_weight``: "kernel" or "embeddings"; more in
    ``_float_weights()``), list the variables each mode saves in Keras's file order
    (``_VARIABLES_IN_FILE``), and define ``_quantized_build(mode, config)`` (make the
    integer variables), ``_quantized_values(mode, config)`` (quantize the float weights)
    and ``_quantized_call(inputs)``.
    """

    _quantized_weight = "kernel"
    _VARIABLES_IN_FILE = {None: ("kernel", "bias"),
                          "int8": ("kernel", "bias", "kernel_scale"),
                          "int4": ("kernel", "bias", "kernel_scale", "kernel_zero", "g_idx")}

    def __init__(self, quantization_config=None, dtype=None, **kwargs):
        policy = _quantized_policy_or_none(dtype_policies.dtype_policy() if dtype is None
                                           else dtype)  # the global policy may be quantized
        super().__init__(dtype=dtype, **kwargs)
        if quantization_config is not None and not isinstance(quantization_config,
                                                              QuantizationConfig):
            raise ValueError(
                f"{type(self).__name__}: `quantization_config` must be None or a "
                "keras.quantizers.QuantizationConfig (e.g. Int8QuantizationConfig()). "
                f"Received: quantization_config={quantization_config!r}")
        self.quantization_config = quantization_config
        self._quantized_policy = policy

    # ---- policy and mode -----------------------------------------------------------
    @property
    def dtype_policy(self):
        return self._quantized_policy or super().dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value):
        Layer.dtype_policy.fset(self, value)
        self._quantized_policy = _quantized_policy_or_none(value)

    @property
    def quantization_mode(self):
        """"int8" or "int4" for a quantized layer, else None."""
        return None if self._quantized_policy is None else self._quantized_policy.quantization_mode

    # ---- quantize ----------------------------------------------------------------------
    def quantize(self, mode=None, type_check=True, config=None):
        """Quantize this built layer's weight in place: ``mode`` "int8" or "int4", or a
        ``config`` (``keras.quantizers.Int8QuantizationConfig`` ...). A subclass is refused
        unless ``type_check=False`` (its call may not fit the quantized math)."""
        config = validate_and_resolve_config(mode, config)
        mode = config.mode
        if not self.built:
            raise ValueError(
                "Cannot quantize a layer that isn't yet built. Layer "
                f"'{self.name}' (of type '{type(self).__name__}') is not built yet.")
        if getattr(self, "lora_enabled", False):
            raise NotImplementedError(
                f"Layer '{self.name}' has LoRA enabled: minikeras does not combine LoRA with "
                "quantization. Save the model (the file holds the merged weights), load it "
                "without `lora_rank` in the layers' configs, then quantize.")
        if self._quantized_policy is not None:
            raise ValueError(f"Layer '{self.name}' is already quantized with "
                             f"dtype_policy='{self.dtype_policy.name}'. Received: mode={mode}")
        if type_check and type(self) not in _QUANTIZABLE_TYPES:
            raise NotImplementedError(
                f"Layer {type(self).__name__} does not have a `quantize` method implemented.")
        policy_mode = mode
        if mode == "int4":
            policy_mode = f"int4/{block_size_for_layer(self, config) or -1}"
        policy = dtype_policies.get(f"{policy_mode}_from_{self.dtype}")  # checks the dtype
        values = self._quantized_values(mode, config)
        replaced = self._float_weights()
        self._own_weights = [w for w in self._own_weights if all(w is not f for f in replaced)]
        self.quantization_config = config
        before = {id(w) for w in self._own_weights}
        self._quantized_build(mode, config)
        scope = replaced[0].path.rsplit("/", 1)[0]  # the quantized weights take their place
        for variable in self._own_weights:
            if id(variable) not in before:
                variable.path = f"{scope}/{variable.name}"
        for name, value in values.items():
            getattr(self, name).assign(np.asarray(ops.convert_to_numpy(value)))
        self._quantized_policy = policy
        structure_changed()

    def _float_weights(self):
        """The float weights quantize() replaces."""
        return [getattr(self, self._quantized_weight)]

    def quantized_call(self, inputs):
        """The layer's output computed with its quantized weights."""
        return self._quantized_call(inputs)

    # ---- config and files ----------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        if self._quantized_policy is not None:
            config["dtype"] = dtype_policies.serialize(self._quantized_policy)
        return config

    def quantization_config_entry(self):
        """The ``quantization_config`` entry of the layer's config."""
        return serialize_quantizer(self.quantization_config)

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("quantization_config"), dict):
            config["quantization_config"] = deserialize_quantizer(config["quantization_config"])
        return cls(**config)

    def _saved_own_variables(self):
        """Keras's file entries for the mode (e.g. kernel, bias, kernel_scale once quantized,
        which differs from the order of ``weights``): only these named weights, so a
        Variable a subclass adds as an attribute is not saved, as in Keras."""
        names = self._VARIABLES_IN_FILE[self.quantization_mode]
        return [getattr(self, n) for n in names if getattr(self, n, None) is not None]

    # ---- building the quantized variables ------------------------------------------------
    def _add_quantized_weights(self, prefix, weight_shape, scale_shape, mode, block_size,
                               group_length):
        """Add ``<prefix>`` (int8; packed along the last axis for int4), ``<prefix>_scale``
        and, for grouped int4, ``<prefix>_zero`` and ``g_idx`` (the group of each of the
        ``group_length`` positions), all not trainable. Returns nothing; sets attributes."""
        if mode == "int4":
            weight_shape = tuple(weight_shape[:-1]) + ((weight_shape[-1] + 1) // 2,)
        setattr(self, prefix, self.add_weight(shape=weight_shape, initializer="zeros",
                                              dtype="int8", trainable=False, name=prefix))
        setattr(self, f"{prefix}_scale", self.add_weight(
            shape=scale_shape, initializer="ones", trainable=False, name=f"{prefix}_scale"))
        zero = g_idx = None
        if mode == "int4" and block_size is not None:
            zero = self.add_weight(shape=scale_shape, initializer="zeros", dtype="int8",
                                   trainable=False, name=f"{prefix}_zero")
            g_idx = self.add_weight(shape=(group_length,), initializer="zeros",
                                    dtype="float32", trainable=False, name="g_idx")
            g_idx.assign(np.arange(group_length, dtype="float32") // block_size)
        setattr(self, f"{prefix}_zero", zero)
        self.g_idx = g_idx


_QUANTIZABLE_TYPES = set()  # the classes quantize() accepts without type_check=False


def quantizable(cls):
    """Class decorator: ``cls`` (not its subclasses) may be quantized with type checks on."""
    _QUANTIZABLE_TYPES.add(cls)
    return cls


def _quantized_policy_or_none(dtype):
    if isinstance(dtype, str) and dtype.startswith(dtype_policies.QUANTIZATION_MODES):
        dtype = dtype_policies.get(dtype)
    elif isinstance(dtype, dict):
        dtype = dtype_policies.deserialize(dtype)
    return dtype if isinstance(dtype, dtype_policies.QuantizedDTypePolicy) else None


# ---- the math the layers share ----------------------------------------------------------
def inputs_quantizer(mode, config):
    """The quantizer of a dense layer's inputs: the config's activation quantizer; without a
    config, abs-max per position for int8 and none (float inputs) for int4."""
    return QuantizationConfig.activation_quantizer_or_default(
        config, Q.AbsMaxQuantizer() if mode == "int8" else None)


def quantize_2d(weight, mode, config, axis, block_size):
    """``(integers, scale, zero or None)`` of a float weight: int8 or per-channel int4 with
    the config's weight quantizer (default abs-max along ``axis``), grouped int4 with a
    scale and zero point per ``block_size`` rows of the 2-D ``weight``."""
    if mode == "int4" and block_size is not None:
        return Q.abs_max_quantize_grouped_with_zero_point(weight, block_size=block_size,
                                                          to_numpy=True)
    default = (Q.AbsMaxQuantizer(axis=axis) if mode == "int8" else
               Q.AbsMaxQuantizer(axis=axis, value_range=(-8, 7), output_dtype="int8"))
    quantizer = QuantizationConfig.weight_quantizer_or_default(config, default)
    values, scale = quantizer(weight, to_numpy=True)
    return values, scale, None


def straight_through_contraction(inputs, quantized_output, input_gradient):
    """``quantized_output(x)`` (an array function of the input array) whose gradient with
    respect to ``inputs`` is ``input_gradient(upstream)``: the gradient of the same
    contraction with the dequantized weight, as Keras's quantized layers define it."""
    @ops.custom_gradient
    def contraction(x):
        return ops.convert_to_tensor(quantized_output(ops.convert_to_numpy(x))), (
            lambda upstream: ops.convert_to_tensor(input_gradient(
                ops.convert_to_numpy(upstream))))
    return contraction(inputs)


def integer_contraction(subscripts, quantized_inputs, integer_weight, dtype):
    """``einsum(subscripts, q, w)`` of two int8 arrays, exact, cast to ``dtype``: in float32
    when every partial sum stays below 2**24 (contracted size * 128 * 128), else in float64
    (exact below 2**53); numpy has no int8 matrix product."""
    operands, output = subscripts.split("->")
    left, right = (spec.replace("...", "") for spec in operands.split(","))
    sizes = quantized_inputs.shape[quantized_inputs.ndim - len(left):]
    contracted = math.prod(n for c, n in zip(left, sizes) if c in right and c not in output)
    work = "float32" if contracted * 128 * 128 < 2 ** 24 else "float64"
    return np.einsum(subscripts, quantized_inputs.astype(work), integer_weight.astype(work),
                     optimize=True).astype(dtype)


def relayout(array, source_spec, target_spec):
    """An array with one axis per letter of ``source_spec`` (size 1 at the letters missing
    from ``target_spec``) rearranged to one axis per letter of ``target_spec`` (size 1 at
    the letters missing from ``source_spec``): a scale moved between the layouts of an
    einsum's operands."""
    kept = "".join(c for c in target_spec if c in source_spec)
    moved = np.einsum(f"{source_spec}->{kept}", array)
    return moved.reshape([moved.shape[kept.index(c)] if c in kept else 1 for c in target_spec])


def dequantized_matmul(inputs, kernel, scale, zero, g_idx, quantizer, dtype):
    """``inputs @ W`` for the float ``W`` an integer ``kernel`` (in, out) stands for, as
    Keras's Dense computes it.

    Per channel (``zero`` None, ``W = kernel / scale``): with an inputs ``quantizer``, the
    integer product of the quantized inputs and the kernel divided by both scales, else
    ``(inputs @ kernel) / scale``; the gradient of ``inputs`` is that of ``inputs @ W``.
    Grouped (``W = (kernel - zero) * scale`` by the group ``g_idx`` of each row): plain
    ``inputs @ W`` (float inputs, whatever the quantizer).
    """
    if zero is not None:
        return ops.matmul(inputs, Q.dequantize_grouped(kernel, scale, zero, g_idx, 0).astype(
            dtype))
    float_kernel = kernel.astype(dtype) / scale

    def quantized_output(x):
        if quantizer is None:
            return (x @ kernel.astype(x.dtype)) / scale
        q, inputs_scale = (ops.convert_to_numpy(t) for t in quantizer(x, axis=-1))
        return integer_contraction("...i,io->...o", q, kernel, x.dtype) / (scale * inputs_scale)

    return straight_through_contraction(inputs, quantized_output,
                                        lambda g: g @ float_kernel.T)
