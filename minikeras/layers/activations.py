"""Activation layers: ReLU, LeakyReLU, PReLU, ELU and Softmax (``Activation`` is in core.py),
and Keras 2's ThresholdedReLU."""
import warnings

from .. import activations, ops
from .layer import LAYERS, InputSpec, Layer
from .weight_options import add_weight_with_options, set_weight_options, weight_options_config


def _non_negative(name, value, allow_none=False):
    """``value`` as a float, checked as ReLU checks its options (Keras's words)."""
    if value is None and allow_none:
        return None
    if value is None or value < 0:
        refused = "a negative value" if allow_none else "None or a negative value"
        raise ValueError(f"{name} of a ReLU layer cannot be {refused}. "
                         f"Received: {name}={value!r}")
    return float(value)


def _check_broadcastable_mask(inputs, mask):
    """Softmax's mask must broadcast to its input (aligned on the last axis) without adding
    axes (Keras's checks and words)."""
    shape, mask_shape = tuple(inputs.shape), tuple(mask.shape)
    received = f"Received: inputs.shape={shape}, mask.shape={mask_shape}"
    if len(mask_shape) > len(shape):
        raise ValueError("The `mask` must be broadcastable to `inputs` and must not have "
                         f"more dimensions. {received}")
    if any(m not in (1, n) for m, n in zip(mask_shape[::-1], shape[::-1])
           if m is not None and n is not None):
        raise ValueError("The `mask` must be broadcastable to `inputs`. Each mask dimension "
                         f"must be 1 or match the corresponding input dimension. {received}")


@LAYERS.register("ReLU")
class ReLU(Layer):
    """Rectified linear unit with optional cap, negative slope and threshold.

    Formula: ``activations.relu(x, negative_slope, max_value, threshold)``, i.e.
    ``y = x if x > threshold else 0``, capped at ``max_value``, minus
    ``negative_slope * relu(threshold - x)``.

    Args:
        max_value: saturation value (>= 0), or None for no cap.
        negative_slope: slope below the threshold (>= 0).
        threshold: inputs at or below it are zeroed (>= 0).
    """

    _keras_builds_at_init = True  # see Layer.get_build_config
    supports_masking = True  # passes its input's mask on, as in Keras

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = _non_negative("max_value", max_value, allow_none=True)
        self.negative_slope = _non_negative("negative_slope", negative_slope)
        self.threshold = _non_negative("threshold", threshold)

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}


@LAYERS.register("LeakyReLU")
class LeakyReLU(Layer):
    """Leaky ReLU with a fixed slope for negative inputs.

    Formula: ``x if x >= 0 else negative_slope * x``

    Args:
        negative_slope: slope for x < 0 (>= 0). The default 0.3 differs from the
            function ``activations.leaky_relu`` (0.2), as in Keras. The Keras 2
            name ``alpha=`` is accepted with a deprecation warning.
    """

    _keras_builds_at_init = True  # see Layer.get_build_config
    supports_masking = True  # passes its input's mask on, as in Keras

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("Argument `alpha` is deprecated. Use `negative_slope` instead.",
                          stacklevel=2)
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError("The negative_slope value of a Leaky ReLU layer cannot be None "
                             "or negative value. Expected a float. Received: "
                             f"negative_slope={negative_slope}")
        self.negative_slope = float(negative_slope)

    def call(self, inputs):
        return ops.leaky_relu(inputs, negative_slope=self.negative_slope)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


@LAYERS.register("ThresholdedReLU")
class ThresholdedReLU(Layer):
    """Keras 2's ThresholdedReLU, kept for Keras 2 scripts (Keras 3 removed it in favour of
    ``ReLU(threshold=theta)``, which keeps an input equal to ``theta``).

    Formula: ``x if x > theta else 0``

    Args:
        theta: the threshold (>= 0); an input at or below it gives 0.
    """

    _keras_builds_at_init = True  # see Layer.get_build_config
    supports_masking = True  # passes its input's mask on, as in Keras 2

    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        if theta is None or theta < 0:
            raise ValueError("The `theta` argument of ThresholdedReLU must be a non-negative "
                             f"number. Received: theta={theta!r}")
        self.theta = float(theta)

    def call(self, inputs):
        return ops.where(ops.greater(inputs, self.theta), inputs, ops.zeros_like(inputs))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "theta": self.theta}


@LAYERS.register("PReLU")
class PReLU(Layer):
    """Parametric ReLU: the negative slope ``alpha`` is learned, per unit.

    Formula: ``relu(x) - alpha * relu(-x)``

    Args:
        alpha_initializer: initializer of ``alpha`` ("Zeros": starts as plain relu).
        alpha_regularizer, alpha_constraint: applied to ``alpha``.
        shared_axes: axes (counting the batch axis as 0) along which one alpha is
            shared, e.g. ``[1, 2]`` for one slope per channel of an image.
    """

    supports_masking = True  # passes its input's mask on, as in Keras

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        set_weight_options(self, alpha_initializer=alpha_initializer,
                           alpha_regularizer=alpha_regularizer, alpha_constraint=alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = [int(a) for a in shared_axes]
        else:
            self.shared_axes = [int(shared_axes)]

    def build(self, input_shape):
        param_shape = list(input_shape[1:])                 # one alpha per feature ...
        for axis in self.shared_axes or ():
            if not 1 <= axis < len(input_shape):
                raise ValueError(
                    f"PReLU shared_axes must name non-batch axes 1..{len(input_shape) - 1} "
                    f"of inputs of shape {input_shape}. Received: shared_axes={self.shared_axes}")
            param_shape[axis - 1] = 1                        # ... except along shared axes
        if any(d is None for d in param_shape):
            raise ValueError(
                f"PReLU needs every non-shared axis to have a known size to create `alpha`. "
                f"Received input shape {input_shape}; share the unknown axes with shared_axes.")
        self.alpha = add_weight_with_options(self, "alpha", tuple(param_shape))
        shared = set(self.shared_axes or ())
        self.input_spec = InputSpec(ndim=len(input_shape), axes={
            i: input_shape[i] for i in range(1, len(input_shape)) if i not in shared})

    def call(self, inputs):
        return ops.subtract(ops.relu(inputs),
                            ops.multiply(self.alpha, ops.relu(ops.negative(inputs))))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), **weight_options_config(self, "alpha"),
                "shared_axes": self.shared_axes}


@LAYERS.register("ELU")
class ELU(Layer):
    """Exponential linear unit.

    Formula: ``x if x > 0 else alpha * (exp(x) - 1)``

    Args:
        alpha: the value approached for large negative inputs is ``-alpha``.
    """

    _keras_builds_at_init = True  # see Layer.get_build_config
    supports_masking = True  # passes its input's mask on, as in Keras

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def call(self, inputs):
        return activations.elu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()  # Keras writes alpha right after the name
        return {"name": config.pop("name"), "alpha": self.alpha, **config}


@LAYERS.register("Softmax")
class Softmax(Layer):
    """Softmax along ``axis`` (an int or a tuple of ints), with an optional mask.

    Formula: ``exp(x - max(x)) / sum(exp(x - max(x)))``. Where ``mask`` is 0 the
    input gets -1e9 added (-3e4 for float16) before the softmax, and the output
    is multiplied by the mask, so masked positions come out exactly 0.
    """

    _keras_builds_at_init = True  # see Layer.get_build_config
    supports_masking = True  # passes its input's mask on, as in Keras

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = tuple(axis) if isinstance(axis, (list, tuple)) else int(axis)

    def call(self, inputs, mask=None):
        if mask is not None:
            _check_broadcastable_mask(inputs, mask)
            keep = ops.cast(mask, inputs.dtype)
            large = -3e4 if inputs.dtype == "float16" else -1e9
            inputs = ops.add(inputs, ops.multiply(ops.subtract(1.0, keep), large))
        if isinstance(self.axis, tuple) and len(self.axis) > 1:
            outputs = ops.softmax(inputs, axis=self.axis)   # several axes: no logits tag
        else:
            axis = self.axis[0] if isinstance(self.axis, tuple) else self.axis
            outputs = activations.softmax(inputs, axis=axis)
        if mask is not None:
            outputs = ops.multiply(outputs, keep)           # a plain product: no logits tag
        return outputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        axis = list(self.axis) if isinstance(self.axis, tuple) else self.axis
        return {**super().get_config(), "axis": axis}
