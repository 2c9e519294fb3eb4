"""Input, Dense, Activation, Identity, Lambda and Masking.

A ``Lambda`` is saved by the *name* of its function, never by its code: minikeras files
hold data only. A Python ``lambda`` therefore cannot be saved; wrap a named function
registered with ``keras.saving.register_keras_serializable()`` instead (or pass the
function in ``custom_objects`` when loading).
"""
import inspect

import numpy as np

from .. import activations, backend, losses, metrics, ops
from ..autodiff import primitives as P
from ..autodiff.tensor import Tensor
from ..quantizers import quantizers as Q
from ..quantizers.quantization_config import block_size_for_layer
from ..registry import CUSTOM_OBJECTS
from ..tree import map_structure
from .config_data import from_data, to_data
from .layer import LAYERS, InputSpec, Layer
from .lora import AdaptedWeight, LowRankAdaptation
from .quantizable import (QuantizableLayer, dequantized_matmul, inputs_quantizer, quantizable,
                          quantize_2d)
from .keras_tensor import KerasTensor
from .symbolic import Node
from .weight_options import add_weight_with_options, set_weight_options, weight_options_config


def _checked_shape(shape, argument):
    """``shape`` as a tuple of non-negative ints and None; ValueError naming the bad entry."""
    if isinstance(shape, (str, bytes)) or not isinstance(shape, (tuple, list)):
        raise ValueError(f"Cannot convert {argument}={shape!r} to a shape: expected a tuple of "
                         "non-negative integers (or None), e.g. (28, 28, 1).")
    for d in shape:
        if d is None:
            continue
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)):
            raise ValueError(f"Cannot convert {argument}={tuple(shape)!r} to a shape. Found "
                             f"invalid entry {d!r} of type {type(d).__name__}: expected an "
                             "integer or None.")
        if d < 0:
            raise ValueError(f"Cannot convert {argument}={tuple(shape)!r} to a shape. Negative "
                             "dimensions are not allowed.")
    return tuple(None if d is None else int(d) for d in shape)


@LAYERS.register("InputLayer")
class InputLayer(Layer):
    """The entry point of a model: fixes the per-sample shape and dtype. Has no weights."""

    _accepts_strings = True
    _saved_as_child = False

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, ragged=None,
                 batch_shape=None, input_tensor=None, optional=False, name=None, **kwargs):
        legacy = kwargs.pop("input_shape", None)
        legacy_batch = kwargs.pop("batch_input_shape", None)
        # a dtype name is a tensor's dtype, as Keras reads it ("int8" names no quantization
        # policy here); None is floatx, not the global policy
        tensor_dtype = isinstance(dtype, str) or dtype is None
        super().__init__(name=name, dtype=backend.floatx() if tensor_dtype else dtype, **kwargs)
        if tensor_dtype:
            self.dtype = backend.standardize_dtype(dtype or backend.floatx())
        shape = shape if shape is not None else legacy
        batch_shape = batch_shape if batch_shape is not None else legacy_batch
        if shape is not None and batch_shape is not None:
            raise ValueError("You cannot pass both `shape` and `batch_shape` at the same time.")
        if batch_shape is None:
            if shape is None:
                raise ValueError("You must pass a `shape` argument to InputLayer or Input.")
            shape = (shape,) if isinstance(shape, (int, np.integer)) else shape
            batch_shape = (batch_size,) + _checked_shape(shape, "shape")
        self.batch_shape = _checked_shape(batch_shape, "batch_shape")
        self.sparse, self.ragged, self.optional = bool(sparse), bool(ragged), optional
        self.built = True
        if not isinstance(input_tensor, KerasTensor):
            input_tensor = KerasTensor(self.batch_shape, self.dtype, self.sparse, self.ragged,
                                       name=name)
        input_tensor.input_layer = self
        Node(self, None, {}, [input_tensor])  # node 0: the model input, called on nothing
        self._set_symbolic(input_tensor, input_tensor)

    def get_config(self):
        return {"batch_shape": list(self.batch_shape), "dtype": self.dtype,
                "sparse": self.sparse, "ragged": self.ragged, "name": self.name,
                "optional": self.optional}


def Input(shape=None, batch_size=None, dtype=None, sparse=None, ragged=None, batch_shape=None,
          name=None, tensor=None, optional=False):
    """A symbolic input of per-sample ``shape``, to start a Sequential model."""
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, input_tensor=tensor, name=name,
                       optional=optional, ragged=ragged)
    return layer.output


# Activations the dense primitive applies itself (same numbers, one graph node fewer).
FUSED_ACTIVATIONS = {activations.relu: "relu", activations.tanh: "tanh"}


def activated(activation, x):
    """``activation(x)``, or ``x`` where the activation was set to None after construction
    (the Grad-CAM example's ``model.layers[-1].activation = None``, as Keras allows)."""
    return x if activation is None else activation(x)


@quantizable
@LAYERS.register("Dense")
class Dense(LowRankAdaptation, QuantizableLayer):
    """A densely connected layer.

    Formula: ``output = activation(inputs @ kernel + bias)`` on the last axis;
    leading axes are kept, so (batch, 7, in) gives (batch, 7, units).

    ``quantize("int8")`` / ``quantize("int4")`` (docs/quantization.md) replace ``kernel`` by
    integers with ``kernel_scale`` (and, for grouped int4, ``kernel_zero`` and ``g_idx``).
    ``enable_lora(rank)`` / ``lora_rank=`` train a low-rank update of the kernel (``lora.py``).
    """

    supports_masking = True  # passes its input's mask on, as in Keras
    kernel = AdaptedWeight()

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 lora_rank=None, lora_alpha=None, quantization_config=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer,
                         quantization_config=quantization_config, **kwargs)
        if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
            raise ValueError(
                f"Received an invalid value for `units`, expected a positive integer. "
                f"Received: units={units}")
        self._init_lora(lora_rank, lora_alpha)
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        set_weight_options(self, kernel_initializer=kernel_initializer,
                           bias_initializer=bias_initializer,
                           kernel_regularizer=kernel_regularizer,
                           bias_regularizer=bias_regularizer,
                           kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape):
        in_dim = input_shape[-1]
        self._kernel_shape = (in_dim, self.units)
        if self.quantization_mode is None:
            self.kernel = add_weight_with_options(self, "kernel", self._kernel_shape)
        else:
            self._quantized_build(self.quantization_mode, self.quantization_config)
        self.bias = add_weight_with_options(self, "bias", (self.units,)) if self.use_bias else None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: in_dim})
        self.built = True
        self._enable_configured_lora(keep_alpha=False)

    def call(self, inputs):
        if self.quantization_mode is not None:
            return self.quantized_call(inputs)
        fused = FUSED_ACTIVATIONS.get(self.activation)
        if fused is not None:
            return P.dense(inputs, self.kernel, self.bias, activation=fused)
        return activated(self.activation, P.dense(inputs, self.kernel, self.bias))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)[:-1] + (self.units,)

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                **weight_options_config(self, "kernel", "bias"),
                "quantization_config": self.quantization_config_entry(), **self.lora_config()}

    # ---- quantized form (see layers/quantizable.py) ----------------------------------
    def _quantized_build(self, mode, config):
        block_size = block_size_for_layer(self, config) if mode == "int4" else None
        in_dim = self._kernel_shape[0]
        scale_shape = (self.units,) if block_size is None else (-(-in_dim // block_size),
                                                                self.units)
        self._add_quantized_weights("kernel", self._kernel_shape, scale_shape, mode,
                                    block_size, in_dim)
        self.inputs_quantizer = inputs_quantizer(mode, config)

    def _quantized_values(self, mode, config):
        block_size = block_size_for_layer(self, config) if mode == "int4" else None
        values, scale, zero = quantize_2d(self.kernel, mode, config, 0, block_size)
        if zero is None:
            scale = ops.squeeze(scale, axis=0)  # one scale per unit
        if mode == "int4":
            values = Q.pack_int4(values, axis=-1)[0]
        return {"kernel": values, "kernel_scale": scale,
                **({} if zero is None else {"kernel_zero": zero})}

    def _quantized_call(self, inputs):
        kernel = self.kernel.numpy()
        if self.quantization_mode == "int4":
            kernel = ops.convert_to_numpy(Q.unpack_int4(kernel, self.units, axis=-1))
        zero = None if self.kernel_zero is None else self.kernel_zero.numpy()
        g_idx = None if self.g_idx is None else self.g_idx.numpy()
        x = dequantized_matmul(inputs, kernel, self.kernel_scale.numpy(), zero, g_idx,
                               self.inputs_quantizer, self.dtype)
        if self.bias is not None:
            x = P.add(x, self.bias)
        return self.activation(x)


@LAYERS.register("Activation")
class Activation(Layer):
    """Applies an activation function (a name like ``"relu"`` or a callable)."""

    _keras_builds_at_init = True  # see Layer.get_build_config
    supports_masking = True  # passes its input's mask on, as in Keras

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


# "TFDIdentity": the name Keras files give the identity preprocessor of a FeatureSpace's
# "float" feature (keras.utils.FeatureSpace).
@LAYERS.register("Identity", "TFDIdentity")
class Identity(Layer):
    """Return the input unchanged (a placeholder layer).

    Formula: ``output = inputs``
    """

    _keras_builds_at_init = True  # see Layer.get_build_config
    _accepts_strings = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs


_LAMBDA_SAVE_MESSAGE = (
    "Lambda layer '{name}': its `{arg}` is a Python lambda, which cannot be saved. Keras "
    "stores a lambda's bytecode, and loading it would run code from a file; minikeras files "
    "hold data, never code. Define a named function instead, decorate it with "
    "@keras.saving.register_keras_serializable(), and pass it to Lambda (an undecorated "
    "named function also saves, by name, and reloads when passed in `custom_objects`).")
_LAMBDA_LOAD_MESSAGE = (
    "Requested the deserialization of a `Lambda` layer '{name}' whose `{arg}` is a Python "
    "lambda. "
    "Its code is stored as bytecode, and running code from a file risks arbitrary code "
    "execution: minikeras files hold data, never code, so this cannot be loaded even with "
    "safe_mode=False. Rebuild the model in code, or save it with a named function registered "
    "with @keras.saving.register_keras_serializable().")


@LAYERS.register("Lambda")
class Lambda(Layer):
    """Wrap a function of the input as a layer.

    Formula: ``output = function(inputs, **arguments)``. Write the function with
    ``keras.ops`` so that gradients flow through it. If it takes a ``training`` or ``mask``
    argument, the layer passes them on.

    Args:
        function: the function; its first argument is the input tensor.
        output_shape: the output shape without the batch axis (a tuple), or a function of
            the full input shape; None infers it by running the function on zeros.
        mask: None, a function ``mask(inputs, mask)`` for ``compute_mask``, or a fixed mask.
        arguments: a dict of extra keyword arguments for ``function``.
    """

    _accepts_strings = True

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(
                "Lambda expects a callable `function` (a function written with keras.ops). "
                f"Received: function={function!r} of type {type(function).__name__}")
        if arguments is not None and not isinstance(arguments, dict):
            raise TypeError(f"Lambda `arguments` must be a dict of keyword arguments for the "
                            f"function. Received: arguments={arguments!r}")
        if output_shape is not None and not callable(output_shape):
            output_shape = tuple(output_shape)
        self.function = function
        self.arguments = dict(arguments or {})
        self.mask = mask
        self.supports_masking = mask is not None
        self._output_shape = output_shape
        params = _parameter_names(function)
        self._fn_takes_training = "training" in params
        self._fn_takes_mask = "mask" in params

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_takes_mask:
            kwargs["mask"] = mask
        if self._fn_takes_training:
            kwargs["training"] = training
        out = self.function(inputs, **kwargs)
        if isinstance(out, (list, tuple, dict)):  # a structure of tensors stays one, as in Keras
            return map_structure(_as_tensor, out)
        return _as_tensor(out)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if callable(self._output_shape):
            return tuple(self._output_shape(input_shape))
        if self._output_shape is not None:
            return (input_shape[0],) + self._output_shape
        if any(d is None for d in input_shape[1:]):
            raise NotImplementedError(
                f"Lambda layer '{self.name}': the output shape cannot be inferred for an input "
                f"shape with unknown axes {input_shape}. Pass `output_shape=` to the Lambda.")
        from ..autodiff import no_grad
        probe = 1 if input_shape[0] is None else input_shape[0]
        with no_grad():  # run the function once on zeros to see what it gives
            out = self.call(ops.zeros((probe,) + input_shape[1:], self.dtype))
        shape = tuple(out.shape)
        if shape and input_shape[0] is None and shape[0] == probe:
            shape = (None,) + shape[1:]
        return shape

    def get_config(self):
        config = {**super().get_config(),
                  "function": _function_config(self.function, "function", self.name)}
        if self._output_shape is not None:
            config["output_shape"] = (
                _function_config(self._output_shape, "output_shape", self.name)
                if callable(self._output_shape) else list(self._output_shape))
        if self.mask is not None:
            config["mask"] = (_function_config(self.mask, "mask", self.name)
                              if callable(self.mask) else to_data(self.mask))
        config["arguments"] = {k: to_data(v) for k, v in self.arguments.items()}
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        name = config.get("name")
        for key in ("module", "output_shape_module", "output_shape_type"):  # Keras 2 keys
            config.pop(key, None)
        if config.pop("function_type", None) == "lambda":
            raise ValueError(_LAMBDA_LOAD_MESSAGE.format(name=name, arg="function"))
        config["function"] = _load_function(config["function"], "function", name,
                                            custom_objects)
        shape = config.get("output_shape")
        if isinstance(shape, (dict, str)):
            config["output_shape"] = _load_function(shape, "output_shape", name, custom_objects)
        elif isinstance(shape, list) and shape and isinstance(shape[0], str):  # Keras 2 lambda
            raise ValueError(_LAMBDA_LOAD_MESSAGE.format(name=name, arg="output_shape"))
        mask = config.get("mask")
        if isinstance(mask, dict) and mask.get("class_name") != "__numpy__":
            config["mask"] = _load_function(mask, "mask", name, custom_objects)
        elif mask is not None:
            config["mask"] = from_data(mask)
        config["arguments"] = {k: from_data(v) for k, v in (config.get("arguments") or {}).items()}
        return cls(**config)


def _as_tensor(value):
    return value if isinstance(value, Tensor) else ops.convert_to_tensor(value)


def _parameter_names(function):
    try:
        return set(inspect.signature(function).parameters)
    except (TypeError, ValueError):  # some builtins have no signature
        return set()


def _function_config(fn, arg, layer_name):
    """A named function as Keras's ``{"class_name": "function", ...}`` dict (no code)."""
    name = getattr(fn, "__name__", None)
    if name == "<lambda>":
        raise ValueError(_LAMBDA_SAVE_MESSAGE.format(name=layer_name, arg=arg))
    if name is None:
        raise ValueError(
            f"Lambda layer '{layer_name}': its `{arg}` ({fn!r}) has no name, so it cannot be "
            "saved. Use a named function decorated with "
            "@keras.saving.register_keras_serializable().")
    registered = next((key for key, obj in CUSTOM_OBJECTS._entries.items()
                       if obj is fn and ">" in key), None)
    # "builtins": what Keras 3.15 writes as the module of any function it serializes
    return {"module": "builtins", "class_name": "function",
            "config": registered or name, "registered_name": "function"}


def _builtin_function(name, module):
    """The Keras function a Lambda file names by ``name`` alone: an activation, loss or
    metric function, searched in that order (Keras's files give the module "builtins";
    older minikeras files the function's own module)."""
    parts = module.split(".")
    if module != "builtins" and "activations" not in parts:
        return None
    if name in activations.ACTIVATIONS:
        return activations.ACTIVATIONS.lookup(name)
    if module != "builtins":
        return None
    for family in (losses, metrics):
        found = getattr(family, name, None)
        if inspect.isfunction(found):
            return found
    return None


def _load_function(config, arg, layer_name, custom_objects):
    """The function a saved name refers to: custom objects, registered names, activations."""
    if isinstance(config, dict):
        if config.get("class_name") == "__lambda__":
            raise ValueError(_LAMBDA_LOAD_MESSAGE.format(name=layer_name, arg=arg))
        name, module = config.get("config"), config.get("module") or ""
    else:
        name, module = config, ""
    if not isinstance(name, str):
        raise ValueError(f"Lambda `{arg}`: expected a saved function name. Received: {config!r}")
    candidates = [name] + ([name.split(">", 1)[1]] if ">" in name else [])
    for table in (custom_objects or {}, CUSTOM_OBJECTS._entries):
        for candidate in candidates:
            if candidate in table:
                return table[candidate]
    builtin = _builtin_function(candidates[-1], module)
    if builtin is not None:
        return builtin
    raise TypeError(
        f"Could not locate function '{name}' (the `{arg}` of a Lambda layer). Decorate it with "
        "`@keras.saving.register_keras_serializable()` and import it before loading, or pass "
        f"it in `custom_objects={{'{candidates[-1]}': {candidates[-1]}}}`.")


@LAYERS.register("Masking")
class Masking(Layer):
    """Mark timesteps whose features all equal ``mask_value`` as masked.

    Formula: ``keep[b, t] = any(inputs[b, t, :] != mask_value)``; ``output = inputs *
    keep[..., None]`` (masked timesteps become 0); ``compute_mask`` returns ``keep``, which
    the output carries (``output._keras_mask``) to the layers after it.

    Args:
        mask_value: the value marking padding.
    """

    _keras_builds_at_init = True  # see Layer.get_build_config

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(mask_value, (bool, str)) or not isinstance(
                mask_value, (int, float, np.integer, np.floating)):
            raise TypeError(f"Masking `mask_value` must be a number. "
                            f"Received: mask_value={mask_value!r}")
        self.mask_value = float(mask_value)
        self.supports_masking = True

    def call(self, inputs):
        keep = ops.any(ops.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        return ops.multiply(inputs, ops.cast(keep, inputs.dtype))

    def compute_mask(self, inputs, mask=None):
        """A boolean array of the input's shape without its last axis: True = keep."""
        return ops.any(ops.not_equal(inputs, self.mask_value), axis=-1)

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}
