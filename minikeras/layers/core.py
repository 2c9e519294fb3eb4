"""Input, Dense and Activation."""
from .. import activations
from ..autodiff import primitives as P
from .layer import LAYERS, InputSpec, Layer
from .symbolic import KerasTensor, Node
from .weight_options import add_weight_with_options, set_weight_options, weight_options_config


@LAYERS.register("InputLayer")
class InputLayer(Layer):
    """The entry point of a model: fixes the per-sample shape and dtype. Has no weights."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, ragged=None, **kwargs):
        legacy = kwargs.pop("input_shape", None)
        legacy_batch = kwargs.pop("batch_input_shape", None)
        super().__init__(name=name, dtype=dtype, **kwargs)
        shape = shape if shape is not None else legacy
        batch_shape = batch_shape if batch_shape is not None else legacy_batch
        if shape is not None and batch_shape is not None:
            raise ValueError("You cannot pass both `shape` and `batch_shape` at the same time.")
        if batch_shape is None:
            if shape is None:
                raise ValueError("You must pass a `shape` argument to InputLayer or Input.")
            shape = (shape,) if isinstance(shape, int) else tuple(shape)
            batch_shape = (batch_size,) + shape
        self.batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
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


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False, ragged=None):
    """A symbolic input of per-sample ``shape``, to start a Sequential model."""
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, input_tensor=tensor, name=name,
                       optional=optional, ragged=ragged)
    return layer.output


# Activations the dense primitive applies itself (same numbers, one graph node fewer).
_FUSED_ACTIVATIONS = {activations.relu: "relu", activations.tanh: "tanh"}


@LAYERS.register("Dense")
class Dense(Layer):
    """A densely connected layer.

    Formula: ``output = activation(inputs @ kernel + bias)`` on the last axis;
    leading axes are kept, so (batch, 7, in) gives (batch, 7, units).
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 lora_rank=None, lora_alpha=None, quantization_config=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
            raise ValueError(
                f"Received an invalid value for `units`, expected a positive integer. "
                f"Received: units={units!r}")
        if lora_rank is not None:
            raise NotImplementedError("LoRA (`lora_rank`) is not supported by minikeras yet.")
        del lora_alpha, quantization_config  # Keras 3.15 configs carry quantization_config=None
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
        self.kernel = add_weight_with_options(self, "kernel", (in_dim, self.units))
        self.bias = add_weight_with_options(self, "bias", (self.units,)) if self.use_bias else None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: in_dim})

    def call(self, inputs):
        fused = _FUSED_ACTIVATIONS.get(self.activation)
        if fused is not None:
            return P.dense(inputs, self.kernel, self.bias, activation=fused)
        return self.activation(P.dense(inputs, self.kernel, self.bias))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)[:-1] + (self.units,)

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                **weight_options_config(self, "kernel", "bias")}


@LAYERS.register("Activation")
class Activation(Layer):
    """Applies an activation function (a name like ``"relu"`` or a callable)."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


