"""Every Keras 3 activation function, registered under its Keras names.

Each function accepts arrays or Tensors and returns a Tensor; integer input is
cast to ``floatx()``, float input keeps its dtype. Defaults are those of
``keras.activations``, which differ from ``keras.ops`` in two places: ``gelu``
is exact (erf) here and approximate (tanh) in ops, and ``relu`` takes Keras's
slope / cap / threshold arguments.

Logits tagging: ``softmax`` (over the last axis) and ``sigmoid`` return a Tensor
whose ``.logits`` is the input Tensor. A crossentropy given such an output uses
the numerically stable from-logits formula, as Keras does for activation outputs.
The ``keras.ops`` functions never tag.

``get(identifier)`` turns None, a name, a config dict or a callable into a
function; ``serialize`` gives the plain name (``"relu"``); ``deserialize`` reverses it.
"""
import functools
import inspect
import types

from . import backend, ops
from .ops import neural_network as nn
from .ops.core import cast, convert_to_tensor
from .ops.dispatch import is_symbolic
from .registry import Registry, function_config

ACTIVATIONS = Registry("activation function")


def _tensor(x):
    if is_symbolic(x):
        return x
    x = convert_to_tensor(x)
    return x if x.data.dtype.kind == "f" else cast(x, backend.floatx())


def _symbolic_as(op_name):
    """On a KerasTensor the activation records the ``keras.ops`` op ``op_name`` with its
    arguments (defaults included), as Keras's activations call ``keras.ops``: the call
    becomes an op node of the functional graph (``keras.activations.sigmoid(x) * 5``)."""
    def wrap(fn):
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def activation(x, *args, **kwargs):
            if is_symbolic(x):
                bound = signature.bind(x, *args, **kwargs)
                bound.apply_defaults()
                return getattr(ops, op_name)(*bound.args, **bound.kwargs)
            return fn(x, *args, **kwargs)
        return activation
    return wrap


def _is_last_axis(axis, ndim):
    if isinstance(axis, (tuple, list)):
        if len(axis) != 1:
            return False
        axis = axis[0]
    return ndim == 0 or axis % ndim == ndim - 1


# ---- rectifiers ------------------------------------------------------------------------

@ACTIVATIONS.register("relu")
def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit, with Keras's optional slope, cap and threshold.

    Formula:
        y = x if x > threshold else 0            (strict >; negatives above a
                                                  negative threshold are kept)
        y = clip(y, 0, max_value)                 if max_value is not None
        y = y - negative_slope * relu(threshold - x)   if negative_slope != 0
    With only ``negative_slope`` set it is ``leaky_relu``: x if x >= 0 else slope * x.

    Args:
        negative_slope: slope below the threshold (Keras 2 called it ``alpha``).
        max_value: saturation value, or None for no cap.
        threshold: inputs at or below it give 0 (before the slope term).
    """
    x = _tensor(x)
    if negative_slope != 0 and max_value is None and threshold == 0:
        return ops.leaky_relu(x, negative_slope)
    if threshold != 0:
        y = ops.where(x > threshold, x, 0.0)
    elif max_value == 6:  # relu6, with its gradient of 0 at 6 (a clip's is 1 or 0.5 there)
        y, max_value = ops.relu6(x), None
    else:
        y = ops.relu(x)
    if max_value is not None:
        y = ops.clip(y, 0.0, float(max_value))
    if negative_slope != 0:
        y = ops.subtract(y, ops.multiply(ops.relu(ops.subtract(threshold, x)), negative_slope))
    return y


@ACTIVATIONS.register("leaky_relu")
@_symbolic_as("leaky_relu")
def leaky_relu(x, negative_slope=0.2):
    """Leaky ReLU. Formula: ``x if x >= 0 else negative_slope * x``

    Args:
        negative_slope: slope for x < 0 (0.2 here; the ``LeakyReLU`` layer uses 0.3).
    """
    return nn.leaky_relu(x, negative_slope)


@ACTIVATIONS.register("relu6")
@_symbolic_as("relu6")
def relu6(x):
    """ReLU capped at 6. Formula: ``min(max(x, 0), 6)``"""
    return nn.relu6(x)


@ACTIVATIONS.register("elu")
@_symbolic_as("elu")
def elu(x, alpha=1.0):
    """Exponential linear unit. Formula: ``x if x > 0 else alpha * (exp(x) - 1)``"""
    return nn.elu(x, alpha)


@ACTIVATIONS.register("selu")
@_symbolic_as("selu")
def selu(x):
    """Scaled ELU. Formula: ``1.0507009873554805 * elu(x, 1.6732632423543772)``"""
    return nn.selu(x)


@ACTIVATIONS.register("celu")
@_symbolic_as("celu")
def celu(x, alpha=1.0):
    """Continuously differentiable ELU.

    Formula: ``max(x, 0) + alpha * (exp(min(x, 0) / alpha) - 1)``
    """
    return nn.celu(x, alpha)


@ACTIVATIONS.register("threshold")
@_symbolic_as("threshold")
def threshold(x, threshold, default_value):
    """Formula: ``x if x > threshold else default_value`` (both arguments required)."""
    return nn.threshold(x, threshold, default_value)


# ---- smooth gates --------------------------------------------------------------------

@ACTIVATIONS.register("gelu")
@_symbolic_as("gelu")
def gelu(x, approximate=False):
    """Gaussian error linear unit.

    Formula: exact ``0.5 * x * (1 + erf(x / sqrt(2)))``; approximate
    ``0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))``.

    Args:
        approximate: use the tanh form (False here; ``keras.ops.gelu`` defaults to True).
    """
    return nn.gelu(x, approximate)


@ACTIVATIONS.register("silu", "swish")
@_symbolic_as("silu")
def silu(x):
    """Sigmoid linear unit (swish). Formula: ``x * sigmoid(x)``"""
    return nn.silu(x)


swish = silu


@ACTIVATIONS.register("mish")
def mish(x):
    """Mish. Formula: ``x * tanh(softplus(x))``"""
    x = _tensor(x)
    return ops.multiply(x, ops.tanh(ops.softplus(x)))


@ACTIVATIONS.register("softplus")
@_symbolic_as("softplus")
def softplus(x):
    """Formula: ``log(1 + exp(x))``, computed as logaddexp(x, 0)."""
    return ops.softplus(_tensor(x))


@ACTIVATIONS.register("softsign")
@_symbolic_as("softsign")
def softsign(x):
    """Formula: ``x / (1 + |x|)``"""
    return nn.softsign(x)


@ACTIVATIONS.register("squareplus")
@_symbolic_as("squareplus")
def squareplus(x, b=4):
    """Formula: ``(x + sqrt(x**2 + b)) / 2``

    Args:
        b: smoothness, >= 0 (b = 0 gives relu).
    """
    return nn.squareplus(x, b)


@ACTIVATIONS.register("glu")
@_symbolic_as("glu")
def glu(x, axis=-1):
    """Gated linear unit: halves a, b of ``x`` along ``axis``. Formula: ``a * sigmoid(b)``"""
    return nn.glu(x, axis)


# ---- sigmoid family ------------------------------------------------------------------

@ACTIVATIONS.register("sigmoid")
@_symbolic_as("sigmoid")
def sigmoid(x):
    """Formula: ``1 / (1 + exp(-x))``. The output's ``.logits`` is the input Tensor."""
    x = _tensor(x)
    out = ops.sigmoid(x)
    out.logits = x
    return out


@ACTIVATIONS.register("hard_sigmoid")
@_symbolic_as("hard_sigmoid")
def hard_sigmoid(x):
    """Piecewise-linear sigmoid. Formula: ``clip(x / 6 + 0.5, 0, 1)`` (Keras 2: 0.2x + 0.5)."""
    return nn.hard_sigmoid(x)


@ACTIVATIONS.register("hard_silu", "hard_swish")
@_symbolic_as("hard_silu")
def hard_silu(x):
    """Hard swish. Formula: ``x * clip(x / 6 + 0.5, 0, 1)``"""
    return nn.hard_silu(x)


hard_swish = hard_silu


@ACTIVATIONS.register("log_sigmoid")
@_symbolic_as("log_sigmoid")
def log_sigmoid(x):
    """Formula: ``log(sigmoid(x)) = -softplus(-x)``"""
    return nn.log_sigmoid(x)


@ACTIVATIONS.register("sparse_sigmoid")
@_symbolic_as("sparse_sigmoid")
def sparse_sigmoid(x):
    """Formula: ``0 if x <= -1; (x + 1) / 2 if -1 < x < 1; 1 if x >= 1``"""
    return nn.sparse_sigmoid(x)


@ACTIVATIONS.register("sparse_plus")
@_symbolic_as("sparse_plus")
def sparse_plus(x):
    """Formula: ``0 if x <= -1; (x + 1)**2 / 4 if -1 < x < 1; x if x >= 1``"""
    return nn.sparse_plus(x)


# ---- tanh family ---------------------------------------------------------------------

@ACTIVATIONS.register("tanh")
@_symbolic_as("tanh")
def tanh(x):
    """Hyperbolic tangent. Formula: ``(exp(x) - exp(-x)) / (exp(x) + exp(-x))``"""
    return ops.tanh(_tensor(x))


@ACTIVATIONS.register("hard_tanh")
@_symbolic_as("hard_tanh")
def hard_tanh(x):
    """Formula: ``clip(x, -1, 1)``"""
    return nn.hard_tanh(x)


@ACTIVATIONS.register("tanh_shrink")
@_symbolic_as("tanh_shrink")
def tanh_shrink(x):
    """Formula: ``x - tanh(x)``"""
    return nn.tanh_shrink(x)


@ACTIVATIONS.register("soft_shrink")
@_symbolic_as("soft_shrink")
def soft_shrink(x, threshold=0.5):
    """Formula: ``x - t if x > t; x + t if x < -t; else 0`` with t = ``threshold``."""
    return nn.soft_shrink(x, threshold)


@ACTIVATIONS.register("hard_shrink")
@_symbolic_as("hard_shrink")
def hard_shrink(x, threshold=0.5):
    """Formula: ``x if |x| > threshold else 0``"""
    return nn.hard_shrink(x, threshold)


# ---- distributions over an axis -------------------------------------------------------

@ACTIVATIONS.register("softmax")
@_symbolic_as("softmax")
def softmax(x, axis=-1):
    """Softmax: turns scores into probabilities that sum to 1 along ``axis``.

    Formula: ``exp(x - max(x)) / sum(exp(x - max(x)))``

    Over the last axis the output's ``.logits`` is the input Tensor (crossentropies
    reduce over the last axis, so only then are the logits safe to reuse).
    """
    x = _tensor(x)
    out = nn.softmax(x, axis)
    if _is_last_axis(axis, x.ndim):
        out.logits = x
    return out


@ACTIVATIONS.register("log_softmax")
@_symbolic_as("log_softmax")
def log_softmax(x, axis=-1):
    """Formula: ``x - max(x) - log(sum(exp(x - max(x))))`` along ``axis``."""
    return ops.log_softmax(_tensor(x), axis)


@ACTIVATIONS.register("sparsemax")
@_symbolic_as("sparsemax")
def sparsemax(x, axis=-1):
    """Euclidean projection onto the probability simplex: ``max(x - tau, 0)``, sum 1."""
    return nn.sparsemax(x, axis)


# ---- the rest --------------------------------------------------------------------------

@ACTIVATIONS.register("exponential")
@_symbolic_as("exp")
def exponential(x):
    """Formula: ``exp(x)``"""
    return ops.exp(_tensor(x))


@ACTIVATIONS.register("linear")
def linear(x):
    """The identity (as a Tensor, a KerasTensor stays itself). Formula: ``x``"""
    return x if is_symbolic(x) else convert_to_tensor(x)


# ---- lookup and serialization ----------------------------------------------------------

def get(identifier):
    """Return the activation function for ``identifier``.

    Args:
        identifier: None (gives ``linear``), a registered name (exact and
            case-sensitive; ``"swish"`` and ``"hard_swish"`` are aliases), a config
            dict, or any callable (returned unchanged).
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        return ACTIVATIONS.lookup(identifier)
    obj = deserialize(identifier) if isinstance(identifier, dict) else identifier
    if callable(obj):
        return obj
    raise ValueError(
        f"Could not interpret activation function identifier: {identifier}. Expected None, "
        "a name such as 'relu', a config dict, or a callable.")


def serialize(activation):
    """The config of an activation: its name for built-ins (``"relu"``), else a dict.

    Any other function named as a built-in (``keras.ops.gelu``) gives that name; a function
    registered with ``register_keras_serializable`` gives Keras's function dict
    (``registry.function_config``: ``"config": "<package>name"``);
    a callable object with ``get_config`` gives its class config dict.
    """
    name = ACTIVATIONS.name_of(activation)
    if name is not None:
        return name
    if isinstance(activation, types.FunctionType):
        if activation.__name__ == "<lambda>":
            raise ValueError(
                "A lambda activation cannot be serialized (files hold data, never code). "
                "Define a named function and decorate it with "
                "@keras.saving.register_keras_serializable().")
        config = function_config(activation)
        if config["config"] in ACTIVATIONS:
            # Keras writes any function by a built-in activation's name as that name
            # (``Dense(activation=keras.ops.gelu)`` saves "gelu", as keras-io's CCT does).
            return config["config"]
        return config
    if hasattr(activation, "get_config"):
        return ACTIVATIONS.serialize(activation, type(activation).__module__)
    raise ValueError(
        f"Cannot serialize activation {activation!r}: expected a registered activation "
        "function, a function registered with @keras.saving.register_keras_serializable(), "
        "or an object with get_config().")


def deserialize(config, custom_objects=None):
    """Return the activation named by ``config`` (a name or a ``serialize`` dict)."""
    if isinstance(config, str):
        return ACTIVATIONS.lookup(config, custom_objects)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "Could not deserialize activation function: expected a name like 'relu' or a dict "
            f"with 'class_name' and 'config' keys. Received: {config!r}")
    class_name, inner = config["class_name"], config.get("config")
    if class_name in ("function", "builtins"):
        name = config.get("registered_name")
        if not name or name in ("function", "builtins"):
            name = inner
        return ACTIVATIONS.lookup(name, custom_objects)
    obj = ACTIVATIONS.lookup(config.get("registered_name") or class_name, custom_objects)
    if isinstance(obj, type) and isinstance(inner, dict):
        return obj.from_config(inner) if hasattr(obj, "from_config") else obj(**inner)
    return obj
