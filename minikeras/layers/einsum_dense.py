"""EinsumDense: a dense layer whose kernel contraction is an einsum equation."""
import re

from .. import activations, initializers, regularizers
from ..autodiff import primitives as P
from ..ops.tensor_contraction import contract
from .layer import LAYERS, Layer
from .weight_options import (add_weight_with_options, refuse_quantization, set_weight_options,
                             weight_options_config)

_PLAIN = re.compile(r"^([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$")
_LEFT = re.compile(r"^\.\.\.([a-zA-Z]+),([a-zA-Z]+)->\.\.\.([a-zA-Z]+)$")
_RIGHT = re.compile(r"^([a-zA-Z]{2,})\.\.\.,([a-zA-Z]+)->([a-zA-Z]{2,})\.\.\.$")


@LAYERS.register("EinsumDense")
class EinsumDense(Layer):
    """A dense layer of any rank: ``output = activation(einsum(equation, inputs, kernel) + bias)``.

    Example: ``EinsumDense("abc,cde->abde", output_shape=(None, 4, 8), bias_axes="de")``
    maps (batch, seq, c) to (batch, seq, 4, 8) with a kernel (c, 4, 8) and a bias (4, 8).
    The kernel's shape is read from the equation: each kernel letter takes its size from
    the input or from ``output_shape`` (which excludes the batch axis; ``None`` entries are
    taken from the input). ``bias_axes`` names the output letters the bias spans; the bias
    broadcasts over the output axes after the first of them. ``...`` may stand for leading
    (``"...b,bc->...c"``) or trailing (``"ab...,bc->ac..."``) axes.
    """

    # see Layer: the symbolic output is compute_output_shape's, None axes included (Keras)
    _exact_output_shape = True

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None,
                 gptq_unpacked_column_size=None, quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        if lora_rank is not None:
            raise NotImplementedError("LoRA (`lora_rank`) is not supported by minikeras yet.")
        del lora_alpha, gptq_unpacked_column_size
        refuse_quantization(self, quantization_config)
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
        self.kernel = self.add_weight(
            shape=kernel_shape, initializer=self._kernel_initializer_with_fans(),
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint, name="kernel")
        self.bias = add_weight_with_options(self, "bias", bias_shape) if bias_shape else None

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
        x = contract(self.equation, inputs, self.kernel)
        if self.bias is not None:
            x = P.add(x, self.bias)
        return self.activation(x) if self.activation is not None else x

    def compute_output_shape(self, input_shape):
        return analyze_einsum(self.equation, self.bias_axes, tuple(input_shape),
                              self.partial_output_shape)[2]

    def get_config(self):
        return {**super().get_config(), "output_shape": list(self.partial_output_shape),
                "equation": self.equation, "activation": activations.serialize(self.activation),
                "bias_axes": self.bias_axes, **weight_options_config(self, "kernel", "bias"),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "quantization_config": None}


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
