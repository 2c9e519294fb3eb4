"""Lambda, Rescaling, Identity, ActivityRegularization, Masking and UnitNormalization.

A ``Lambda`` is saved by the *name* of its function, never by its code: minikeras files
hold data only. A Python ``lambda`` therefore cannot be saved; wrap a named function
registered with ``keras.saving.register_keras_serializable()`` instead (or pass the
function in ``custom_objects`` when loading).
"""
import inspect

import numpy as np

from .. import activations, ops, regularizers
from ..autodiff.tensor import Tensor
from ..registry import CUSTOM_OBJECTS
from .layer import LAYERS, Layer

_LAMBDA_SAVE_MESSAGE = (
    "Lambda layer '{name}': its `{arg}` is a Python lambda, which cannot be saved. Keras "
    "stores a lambda's bytecode, and loading it would run code from a file; minikeras files "
    "hold data, never code. Define a named function instead, decorate it with "
    "@keras.saving.register_keras_serializable(), and pass it to Lambda (an undecorated "
    "named function also saves, by name, and reloads when passed in `custom_objects`).")
_LAMBDA_LOAD_MESSAGE = (
    "Requested the deserialization of a `Lambda` layer whose `{arg}` is a Python lambda. "
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
        return out if isinstance(out, Tensor) else ops.convert_to_tensor(out)

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
                              if callable(self.mask) else _to_data(self.mask))
        config["arguments"] = {k: _to_data(v) for k, v in self.arguments.items()}
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key in ("module", "output_shape_module", "output_shape_type"):  # Keras 2 keys
            config.pop(key, None)
        if config.pop("function_type", None) == "lambda":
            raise ValueError(_LAMBDA_LOAD_MESSAGE.format(arg="function"))
        config["function"] = _load_function(config["function"], "function", custom_objects)
        shape = config.get("output_shape")
        if isinstance(shape, (dict, str)):
            config["output_shape"] = _load_function(shape, "output_shape", custom_objects)
        elif isinstance(shape, list) and shape and isinstance(shape[0], str):  # Keras 2 lambda
            raise ValueError(_LAMBDA_LOAD_MESSAGE.format(arg="output_shape"))
        mask = config.get("mask")
        if isinstance(mask, dict) and mask.get("class_name") != "__numpy__":
            config["mask"] = _load_function(mask, "mask", custom_objects)
        elif mask is not None:
            config["mask"] = _from_data(mask)
        config["arguments"] = {k: _from_data(v) for k, v in (config.get("arguments") or {}).items()}
        return cls(**config)


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
    return {"module": getattr(fn, "__module__", None), "class_name": "function",
            "config": registered or name, "registered_name": "function"}


def _load_function(config, arg, custom_objects):
    """The function a saved name refers to: custom objects, registered names, activations."""
    if isinstance(config, dict):
        if config.get("class_name") == "__lambda__":
            raise ValueError(_LAMBDA_LOAD_MESSAGE.format(arg=arg))
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
    if "activations" in module.split(".") and candidates[-1] in activations.ACTIVATIONS:
        return activations.ACTIVATIONS.lookup(candidates[-1])
    raise TypeError(
        f"Could not locate function '{name}' (the `{arg}` of a Lambda layer). Decorate it with "
        "`@keras.saving.register_keras_serializable()` and import it before loading, or pass "
        f"it in `custom_objects={{'{candidates[-1]}': {candidates[-1]}}}`.")


def _to_data(value):
    """Plain values stay; numpy arrays become Keras's ``__numpy__`` dict."""
    if isinstance(value, Tensor):
        value = value.numpy()
    if isinstance(value, np.ndarray):
        return {"class_name": "__numpy__",
                "config": {"value": value.tolist(), "dtype": value.dtype.name}}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return [_to_data(v) for v in value]
    return value


def _from_data(value):
    if isinstance(value, dict) and value.get("class_name") == "__numpy__":
        inner = value["config"]
        return np.array(inner["value"], dtype=inner.get("dtype"))
    return value


@LAYERS.register("Rescaling")
class Rescaling(Layer):
    """Rescale inputs, in training and inference (e.g. pixels 0..255 to 0..1).

    Formula: ``output = cast(inputs, dtype) * scale + offset``

    Args:
        scale: a float (or an array broadcast against the input's last axes).
        offset: a float (or an array), default 0.0.
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = _check_number(scale, "scale")
        self.offset = _check_number(offset, "offset")
        self.supports_masking = True

    def call(self, inputs):
        x = ops.cast(inputs, self.dtype)
        scale = np.asarray(self.scale, self.dtype)
        offset = np.asarray(self.offset, self.dtype)
        return ops.add(ops.multiply(x, scale), offset)

    def get_config(self):
        return {**super().get_config(), "scale": _to_data(self.scale),
                "offset": _to_data(self.offset)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["scale"] = _from_data(config["scale"])
        config["offset"] = _from_data(config.get("offset", 0.0))
        return cls(**config)


def _check_number(value, arg):
    if isinstance(value, (bool, str)) or value is None:
        raise TypeError(f"Rescaling `{arg}` must be a number or an array of numbers. "
                        f"Received: {arg}={value!r}")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    array = np.asarray(value)
    if not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"Rescaling `{arg}` must be a number or an array of numbers. "
                        f"Received: {arg}={value!r}")
    return array


@LAYERS.register("Identity")
class Identity(Layer):
    """Return the input unchanged (a placeholder layer).

    Formula: ``output = inputs``
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs


@LAYERS.register("ActivityRegularization")
class ActivityRegularization(Layer):
    """Pass inputs through and add an activity penalty on them to the training loss.

    Formula: ``output = inputs``; penalty = (l1·Σ|x| + l2·Σx²) / batch_size, added like
    any ``activity_regularizer`` (it appears in ``layer.losses`` and the logged loss).

    Args:
        l1: non-negative L1 factor.
        l2: non-negative L2 factor.
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        kwargs.pop("activity_regularizer", None)  # ours comes from l1 and l2
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1, self.l2 = self.activity_regularizer.l1, self.activity_regularizer.l2
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        return {**config, "l1": float(self.l1), "l2": float(self.l2)}


@LAYERS.register("Masking")
class Masking(Layer):
    """Mark timesteps whose features all equal ``mask_value`` as masked.

    Formula: ``keep[b, t] = any(inputs[b, t, :] != mask_value)``; ``output = inputs *
    keep[..., None]`` (masked timesteps become 0); ``compute_mask`` returns ``keep``.
    Sequential models do not pass the mask on to later layers yet.

    Args:
        mask_value: the value marking padding.
    """

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
        return ops.convert_to_numpy(ops.any(ops.not_equal(inputs, self.mask_value), axis=-1))

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}


@LAYERS.register("UnitNormalization")
class UnitNormalization(Layer):
    """Scale each sample to unit L2 norm over ``axis``.

    Formula: ``output = x / sqrt(max(sum(x², axis), 1e-12))``

    Args:
        axis: an int or a list of ints (default -1, the features axis).
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)) and all(
                isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axis):
            self.axis = [int(a) for a in axis]
        elif isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
            self.axis = int(axis)
        else:
            raise TypeError("Invalid value for `axis` argument: expected an int or a "
                            f"list/tuple of ints. Received: axis={axis!r}")
        self.supports_masking = True

    def build(self, input_shape):
        rank = len(input_shape)
        for a in self.axis if isinstance(self.axis, list) else [self.axis]:
            if not -rank <= a < rank:
                raise ValueError(
                    f"UnitNormalization '{self.name}': axis {a} is out of range for inputs of "
                    f"rank {rank} (shape {tuple(input_shape)}).")

    def call(self, inputs):
        x = ops.cast(inputs, self.dtype)
        axis = tuple(self.axis) if isinstance(self.axis, list) else self.axis
        square_sum = ops.sum(ops.square(x), axis=axis, keepdims=True)
        return ops.multiply(x, ops.rsqrt(ops.maximum(square_sum, 1e-12)))

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
