"""EinsumDense: a dense layer whose kernel contraction is an einsum equation."""
import math
import re

import numpy as np

from .. import activations, initializers, ops
from ..autodiff import primitives as P
from ..ops.tensor_contraction import contract
from ..quantizers import quantizers as Q
from ..quantizers.quantization_config import block_size_for_layer
from .layer import LAYERS
from .lora import AdaptedWeight, LowRankAdaptation
from .quantizable import (QuantizableLayer, inputs_quantizer, integer_contraction, quantizable,
                          quantize_2d, relayout, straight_through_contraction)
from .weight_options import (add_weight_with_options, set_weight_options, weight_options_config,
                             with_activity_regularizer)

_PLAIN = re.compile(r"^([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$")
_LEFT = re.compile(r"^\.\.\.([a-zA-Z]+),([a-zA-Z]+)->\.\.\.([a-zA-Z]+)$")
_RIGHT = re.compile(r"^([a-zA-Z]{2,})\.\.\.,([a-zA-Z]+)->([a-zA-Z]{2,})\.\.\.$")


@quantizable
@LAYERS.register("EinsumDense")
class EinsumDense(LowRankAdaptation, QuantizableLayer):
    """A dense layer of any rank: ``output = activation(einsum(equation, inputs, kernel) + bias)``.

    Example: ``EinsumDense("abc,cde->abde", output_shape=(None, 4, 8), bias_axes="de")``
    maps (batch, seq, c) to (batch, seq, 4, 8) with a kernel (c, 4, 8) and a bias (4, 8).
    The kernel's shape is read from the equation: each kernel letter takes its size from
    the input or from ``output_shape`` (which excludes the batch axis; ``None`` entries are
    taken from the input). ``bias_axes`` names the output letters the bias spans; the bias
    broadcasts over the output axes after the first of them. ``...`` may stand for leading
    (``"...b,bc->...c"``) or trailing (``"ab...,bc->ac..."``) axes.

    ``quantize("int8")`` keeps an int8 kernel and a ``kernel_scale`` laid out like the
    output (size 1 on the axes the kernel lacks), and quantizes the inputs per position
    over the contracted axes; ``quantize("int4")`` packs the kernel flattened to (contracted
    size, the rest). Equations without ``...`` only (docs/quantization.md).
    """

    # see Layer: the symbolic output is compute_output_shape's, None axes included (Keras)
    _exact_output_shape = True
    kernel = AdaptedWeight()  # enable_lora(rank): a low-rank update of it (lora.py)

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None,
                 gptq_unpacked_column_size=None, quantization_config=None, **kwargs):
        super().__init__(quantization_config=quantization_config, **kwargs)
        self._init_lora(lora_rank, lora_alpha)
        del gptq_unpacked_column_size
        _parse(equation)  # a clear error now for an equation of the wrong form
        self.equation = equation
        self.partial_output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(
            output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        set_weight_options(self, kernel_initializer=kernel_initializer,
                           bias_initializer=bias_initializer,
                           kernel_regularizer=kernel_regularizer,
                           bias_regularizer=bias_regularizer,
                           kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)

    def build(self, input_shape):
        kernel_shape, bias_shape, self.full_output_shape = analyze_einsum(
            self.equation, self.bias_axes, tuple(input_shape), self.partial_output_shape)
        self._kernel_shape = kernel_shape
        if self.quantization_mode is None:
            self.kernel = self.add_weight(
                shape=kernel_shape, initializer=self._kernel_initializer_with_fans(),
                regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
                name="kernel")
        else:
            self._quantized_build(self.quantization_mode, self.quantization_config)
        self.bias = add_weight_with_options(self, "bias", bias_shape) if bias_shape else None
        self.built = True
        self._enable_configured_lora(keep_alpha=True)

    def _kernel_initializer_with_fans(self):
        """Keras 3.15's rule: a VarianceScaling kernel initializer without axes counts its
        fans over the kernel axes that the equation shares with the input and the output
        (a copy with the same seed; the layer's own initializer and config stay as given)."""
        init = self.kernel_initializer
        if not isinstance(init, initializers.VarianceScaling) or (
                init.input_axes is not None and init.output_axes is not None):
            return init
        _, weight_spec, output_spec = einsum_specs(self.equation)
        output_axes = [i for i, c in enumerate(weight_spec) if c in output_spec]
        input_axes = [i for i, c in enumerate(weight_spec) if c not in output_spec]
        return type(init).from_config({**init.get_config(), "seed": init.seed,
                                       "input_axes": input_axes, "output_axes": output_axes})

    def call(self, inputs, training=None):
        contracted = None if self.quantization_mode is not None else _dense_form(
            self.equation, self.bias_axes if self.bias is not None else "")
        if contracted is not None:  # a Dense over the trailing axes: one GEMM adding the bias
            x = self._as_dense(inputs, contracted)
        else:
            x = self.quantized_call(inputs) if self.quantization_mode is not None else \
                contract(self.equation, inputs, self.kernel)
            if self.bias is not None:
                x = P.add(x, self.bias)
        return self.activation(x) if self.activation is not None else x

    def _as_dense(self, inputs, contracted):
        """The contraction as ``P.dense``: the input's last ``contracted`` axes, flattened,
        times the kernel seen as (their product, the rest), plus the bias, flattened."""
        inputs = ops.convert_to_tensor(inputs)
        kernel_shape = self._kernel_shape
        depth = math.prod(kernel_shape[:contracted])
        free = kernel_shape[contracted:]
        x = P.reshape(inputs, tuple(inputs.shape[:inputs.ndim - contracted]) + (depth,))
        bias = None if self.bias is None else P.reshape(self.bias, (math.prod(free),))
        y = P.dense(x, P.reshape(self.kernel, (depth, math.prod(free))), bias)
        return P.reshape(y, tuple(x.shape[:-1]) + free)

    def compute_output_shape(self, input_shape):
        return analyze_einsum(self.equation, self.bias_axes, tuple(input_shape),
                              self.partial_output_shape)[2]

    def get_config(self):
        return {**super().get_config(), "output_shape": tuple(self.partial_output_shape),
                "equation": self.equation, "activation": activations.serialize(self.activation),
                "bias_axes": self.bias_axes,
                **with_activity_regularizer(weight_options_config(self, "kernel", "bias"), self),
                "quantization_config": self.quantization_config_entry(), **self.lora_config()}

    # ---- quantized form (see layers/quantizable.py) ----------------------------------
    def _quantization_specs(self):
        """(input, kernel, output) letters; quantization needs an equation without ``...``."""
        input_spec, weight_spec, output_spec, elided_side = _parse(self.equation)
        if elided_side is not None:
            raise NotImplementedError(
                f"EinsumDense '{self.name}': minikeras quantizes equations without '...' only. "
                f"Received: equation='{self.equation}'")
        return input_spec, weight_spec, output_spec

    def _flat_kernel_shape(self):
        """int4 flattens the kernel to (product of the contracted axes, the rest), by a
        plain reshape, as Keras does."""
        _, weight_spec, output_spec = self._quantization_specs()
        rows = math.prod(d for d, c in zip(self._kernel_shape, weight_spec)
                         if c not in output_spec)
        return rows, math.prod(self._kernel_shape) // rows

    def _quantized_build(self, mode, config):
        input_spec, weight_spec, output_spec = self._quantization_specs()
        if mode == "int8":
            scale_shape = tuple(self._kernel_shape[weight_spec.index(c)] if c in weight_spec
                                else 1 for c in output_spec)
            self._add_quantized_weights("kernel", self._kernel_shape, scale_shape, mode, None,
                                        0)
        else:
            block_size = block_size_for_layer(self, config)
            rows, columns = self._flat_kernel_shape()
            scale_shape = (columns,) if block_size is None else (-(-rows // block_size),
                                                                 columns)
            self._add_quantized_weights("kernel", (rows, columns), scale_shape, mode,
                                        block_size, rows)
        self.inputs_quantizer = inputs_quantizer(mode, config)

    def _quantized_values(self, mode, config):
        _, weight_spec, output_spec = self._quantization_specs()
        if mode == "int8":
            reduced = tuple(i for i, c in enumerate(weight_spec) if c not in output_spec)
            values, scale, _ = quantize_2d(self.kernel, mode, config, reduced, None)
            return {"kernel": values, "kernel_scale": relayout(
                ops.convert_to_numpy(scale), weight_spec, output_spec)}
        block_size = block_size_for_layer(self, config)
        flat = self.kernel.numpy().reshape(self._flat_kernel_shape())
        if block_size is None:  # Keras: abs-max per column here, whatever the config
            values, scale = Q.abs_max_quantize(flat, axis=0, value_range=(-8, 7))
            scale, zero = ops.squeeze(scale, axis=0), None
        else:
            values, scale, zero = Q.abs_max_quantize_grouped_with_zero_point(
                flat, block_size=block_size, to_numpy=True)
        return {"kernel": Q.pack_int4(values, axis=-1)[0], "kernel_scale": scale,
                **({} if zero is None else {"kernel_zero": zero})}

    def _dequantized_kernel(self):
        """The float kernel the quantized variables stand for, in the kernel's shape."""
        kernel, scale = self.kernel.numpy(), self.kernel_scale.numpy()
        _, weight_spec, output_spec = self._quantization_specs()
        if self.quantization_mode == "int8":
            return kernel.astype(self.dtype) / relayout(scale, output_spec, weight_spec)
        unpacked = ops.convert_to_numpy(Q.unpack_int4(kernel, self._flat_kernel_shape()[1],
                                                      axis=-1))
        if self.kernel_zero is None:
            flat = unpacked.astype(self.dtype) / scale
        else:
            flat = Q.dequantize_grouped(unpacked, scale, self.kernel_zero.numpy(),
                                        self.g_idx.numpy(), 0).astype(self.dtype)
        return flat.reshape(self._kernel_shape)

    def _quantized_call(self, inputs):
        input_spec, weight_spec, output_spec = self._quantization_specs()
        float_kernel = self._dequantized_kernel()
        if self.inputs_quantizer is None:  # float inputs: autodiff sees a constant kernel
            return contract(self.equation, inputs, float_kernel)
        reduced = tuple(i for i, c in enumerate(input_spec) if c not in output_spec)
        kernel, kernel_scale = self.kernel.numpy(), self.kernel_scale.numpy()

        def quantized_output(x):
            q, scale = (ops.convert_to_numpy(t) for t in self.inputs_quantizer(x, axis=reduced))
            scale = relayout(scale, input_spec, output_spec)
            if self.quantization_mode == "int4":  # Keras: quantized inputs, float kernel
                return np.einsum(self.equation, q.astype(x.dtype), float_kernel) / scale
            return integer_contraction(self.equation, q, kernel, x.dtype) / (scale * kernel_scale)

        gradient = f"{output_spec},{weight_spec}->{input_spec}"
        return straight_through_contraction(
            inputs, quantized_output, lambda g: np.einsum(gradient, g, float_kernel))


def _dense_form(equation, bias_axes):
    """How many trailing input axes the equation contracts when it is a Dense over them
    (``"abc,cde->abde"``: the input's last axes are the kernel's first, in order, and the
    output is the input's other axes then the kernel's other axes) with the bias over all
    of the kernel's other axes or none; else None."""
    input_spec, weight_spec, output_spec, elided_side = _parse(equation)
    if elided_side == "right":
        return None
    count = len([c for c in input_spec if c in weight_spec])
    kept, free = input_spec[:len(input_spec) - count], weight_spec[count:]
    dense = (count > 0 and input_spec[len(input_spec) - count:] == weight_spec[:count]
             and output_spec == kept + free and bias_axes in ("", free))
    return count if dense else None


def _parse(equation):
    """(input spec, weight spec, output spec, elided side: None, "left" or "right")."""
    for pattern, elided_side in ((_PLAIN, None), (_LEFT, "left"), (_RIGHT, "right")):
        match = pattern.match(equation)
        if match:
            return (*match.groups(), elided_side)
    raise ValueError(
        f"Invalid einsum equation '{equation}'. Equations must be in the form "
        "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")


def einsum_specs(equation):
    """The (input, weight, output) index letters of an EinsumDense equation."""
    return _parse(equation)[:3]


def analyze_einsum(equation, bias_axes, input_shape, output_shape):
    """(kernel shape, bias shape or None, full output shape) for an EinsumDense equation.

    An output axis shared with the input and given as None in ``output_shape`` stays None in
    the full output shape (as Keras 3.15 reports it); the kernel and bias take its size from
    the input.
    """
    input_spec, weight_spec, output_spec, elided_side = _parse(equation)
    elided = len(input_shape) - len(input_spec)
    if elided < 0 or (elided and elided_side is None):
        raise ValueError(f"Input shape {input_shape} does not fit the equation '{equation}': "
                         f"it needs rank {len(input_spec)}.")
    output_shape = [input_shape[0]] + list(output_shape)
    left = elided_side == "left"
    if elided and left:
        for i in range(1, elided):
            output_shape.insert(1, input_shape[i])
    elif elided:
        output_shape.extend(input_shape[len(input_shape) - elided:])
    if left:
        in_index = {c: i + elided - len(input_shape) for i, c in enumerate(input_spec)}
        out_index = {c: i + elided - len(output_shape) for i, c in enumerate(output_spec)}
    else:
        in_index = {c: i for i, c in enumerate(input_spec)}
        out_index = {c: i for i, c in enumerate(output_spec)}
    resolved = list(output_shape)  # the shared axes' sizes filled in from the input
    for c in input_spec:
        size = input_shape[in_index[c]]
        if c in out_index:
            given = output_shape[out_index[c]]
            if given is not None and size is not None and given != size:
                raise ValueError(
                    f"Input shape and output shape do not match at shared dimension '{c}'. "
                    f"Input shape is {size}, and output shape is {given}.")
            resolved[out_index[c]] = size
    for c in output_spec:
        if c not in input_spec and c not in weight_spec:
            raise ValueError(f"Dimension '{c}' was specified in the output '{output_spec}' but "
                             f"has no corresponding dim in the input spec '{input_spec}' or "
                             f"weight spec '{weight_spec}'")
    kernel_shape = []
    for c in weight_spec:
        if c in in_index:
            kernel_shape.append(input_shape[in_index[c]])
        elif c in out_index:
            kernel_shape.append(resolved[out_index[c]])
        else:
            raise ValueError(f"Weight dimension '{c}' did not have a match in either the input "
                             f"spec '{input_spec}' or the output spec '{output_spec}'.")
    bias_shape = None
    if bias_axes:
        for c in bias_axes:
            if c not in output_spec:
                raise ValueError(f"Bias dimension '{c}' was requested, but is not part of the "
                                 f"output spec '{output_spec}'")
        first = min(output_spec.find(c) for c in bias_axes)
        bias_shape = [resolved[out_index[c]] if c in bias_axes else 1
                      for c in output_spec[first:]]
        if not left:
            bias_shape += [1] * elided
    return tuple(kernel_shape), None if bias_shape is None else tuple(bias_shape), tuple(
        output_shape)
