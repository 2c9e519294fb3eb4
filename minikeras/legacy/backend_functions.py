"""Keras 2's backend functions (``from keras import backend as K``; ``K.mean``, ``K.epsilon``,
``K.set_value``, ...), each over minikeras's ops with tf.keras 2's arguments and rules.

Keras 3 keeps them under ``keras._tf_keras.keras.backend``; minikeras.backend serves the
names of ``__all__`` (its own ``epsilon``, ``floatx``, ``cast_to_floatx``,
``clear_session``, ... keep Keras 3's behaviour). The rules that differ from Keras 3's ops:

* reductions take ``axis=None, keepdims=False``; ``mean`` / ``std`` / ``var`` of booleans
  compute in floatx; ``argmax`` / ``argmin`` / ``softmax`` / ``concatenate`` /
  ``expand_dims`` default to ``axis=-1``;
* the crossentropies, convolutions, CTC and ``rnn`` are in backend_network_functions;
* ``zeros`` / ``ones`` / ``eye`` / ``variable`` / ``random_*_variable`` return Variables;
  ``get_value`` / ``set_value`` / ``update*`` read and assign them in place.
"""
import builtins
import math

import numpy as np

from .. import backend as _config
from .. import ops
from .. import random as _random
from ..autodiff import Tensor
from ..naming import name_scope as _name_scope
from ..variables import Variable
from .backend_network_functions import (  # noqa: F401 - served through __all__
    batch_normalization, bias_add, binary_crossentropy, binary_focal_crossentropy,
    categorical_crossentropy, categorical_focal_crossentropy, conv1d, conv2d,
    conv2d_transpose, conv3d, ctc_batch_cost, ctc_decode, ctc_label_dense_to_sparse,
    depthwise_conv2d, foldl, foldr, gradients, is_channels_first, map_fn, pool2d, pool3d, rnn,
    separable_conv2d, sparse_categorical_crossentropy)

__all__ = [
    "abs", "all", "any", "arange", "argmax", "argmin", "batch_dot", "batch_flatten",
    "batch_get_value", "batch_normalization", "batch_set_value", "bias_add",
    "binary_crossentropy", "binary_focal_crossentropy", "cast", "categorical_crossentropy",
    "categorical_focal_crossentropy", "clip", "concatenate", "constant", "conv1d", "conv2d",
    "conv2d_transpose", "conv3d", "cos", "count_params", "ctc_batch_cost", "ctc_decode",
    "ctc_label_dense_to_sparse", "cumprod", "cumsum", "depthwise_conv2d", "dot", "dropout",
    "dtype", "elu", "equal", "eval", "exp", "expand_dims", "eye", "flatten", "foldl", "foldr",
    "gather", "get_value", "gradients", "greater", "greater_equal", "hard_sigmoid",
    "in_top_k", "int_shape", "is_sparse", "l2_normalize", "less", "less_equal", "log",
    "map_fn", "max", "maximum", "mean", "min", "minimum", "moving_average_update",
    "name_scope", "ndim", "not_equal", "one_hot", "ones", "ones_like", "permute_dimensions",
    "pool2d", "pool3d", "pow", "prod", "random_bernoulli", "random_normal",
    "random_normal_variable", "random_uniform", "random_uniform_variable", "relu", "repeat",
    "repeat_elements", "reshape", "resize_images", "resize_volumes", "reverse", "rnn", "round",
    "separable_conv2d", "set_value", "shape", "sigmoid", "sign", "sin", "softmax", "softplus",
    "softsign", "sparse_categorical_crossentropy", "spatial_2d_padding", "spatial_3d_padding",
    "sqrt", "square", "squeeze", "stack", "std", "stop_gradient", "sum", "switch", "tanh",
    "temporal_padding", "tile", "to_dense", "transpose", "truncated_normal", "update",
    "update_add", "update_sub", "var", "variable", "zeros", "zeros_like"]

_EPSILON_FLOOR_OF_L2 = 1e-12  # tf.math.l2_normalize's floor on the squared norm


def _tensor(x, dtype=None):
    return ops.convert_to_tensor(x, dtype=dtype)


def _floatx_if_bool(x):
    x = _tensor(x)
    return ops.cast(x, _config.floatx()) if dtype(x) == "bool" else x


# ---- shape and dtype ---------------------------------------------------------------------
def int_shape(x):
    """The shape as a tuple of ints (None where unknown); None when ``x`` has no shape."""
    shape = getattr(x, "shape", None)
    return None if shape is None else tuple(shape)


def ndim(x):
    """The number of axes of ``x``."""
    shape = getattr(x, "shape", None)
    return len(np.shape(x) if shape is None else shape)


def dtype(x):
    """The dtype name of ``x`` (``"float32"``)."""
    return _config.standardize_dtype(x.dtype)


def shape(x):
    """The shape of ``x`` as an int32 tensor (tf.shape)."""
    return _tensor(np.asarray(_tensor(x).shape, dtype="int32"))


def count_params(x):
    """The number of scalars in ``x``."""
    return math.prod(int(d) for d in x.shape)


def is_sparse(tensor):
    """False: minikeras has no sparse tensors."""
    del tensor
    return False


def to_dense(tensor):
    return _tensor(tensor)


def cast(x, dtype):  # noqa: F811 - Keras's argument name
    return ops.cast(x, dtype)


# ---- variables and values ------------------------------------------------------------------
def variable(value, dtype=None, name=None, constraint=None):  # noqa: F811
    """A Variable holding ``value`` (floatx unless ``dtype``)."""
    made = Variable(np.asarray(getattr(value, "data", value)),
                    dtype=dtype or _config.floatx(), name=name)
    made.constraint = constraint
    return made


def constant(value, dtype=None, shape=None, name=None):  # noqa: F811
    """A tensor of ``value`` (floatx unless ``dtype``), a scalar broadcast to ``shape``."""
    del name
    array = np.asarray(getattr(value, "data", value), dtype=_config.standardize_dtype(dtype))
    if shape is not None:
        array = np.broadcast_to(array, tuple(shape)).copy()
    return _tensor(array)


def _variable_or_tensor(array, dtype, name):
    """A Variable, as Keras 2 returns, unless a dimension is 0 (then a tensor)."""
    if builtins.all(array.shape):
        return variable(array, dtype=dtype, name=name)
    return _tensor(array.astype(_config.standardize_dtype(dtype)))


def zeros(shape, dtype=None, name=None):  # noqa: F811
    return _variable_or_tensor(np.zeros(shape), dtype, name)


def ones(shape, dtype=None, name=None):  # noqa: F811
    return _variable_or_tensor(np.ones(shape), dtype, name)


def eye(size, dtype=None, name=None):  # noqa: F811
    """An identity matrix Variable of ``size`` rows and columns."""
    if not isinstance(size, (int, np.integer)) or size <= 0:
        raise TypeError("`size` must be a positive integer (the number of rows and "
                        f"columns). Received: size={size!r}")
    return variable(np.eye(size), dtype=dtype, name=name)


def zeros_like(x, dtype=None, name=None):  # noqa: F811
    del name
    return ops.zeros_like(x, dtype=dtype)


def ones_like(x, dtype=None, name=None):  # noqa: F811
    del name
    return ops.ones_like(x, dtype=dtype)


def get_value(x):
    """``x`` as a numpy array (anything that is not a tensor is returned as given)."""
    if isinstance(x, Tensor) or hasattr(x, "numpy"):
        return np.asarray(x.numpy())
    return x


def eval(x):  # noqa: A001 - Keras's name
    return get_value(x)


def batch_get_value(tensors):
    return [get_value(x) for x in tensors]


def set_value(x, value):
    """Assign ``value`` (cast to ``x``'s dtype) to the Variable ``x``."""
    if not hasattr(x, "assign"):
        raise TypeError("`set_value` assigns to a Variable (such as "
                        f"`model.optimizer.learning_rate`). Received: {type(x).__name__} {x!r}")
    x.assign(np.asarray(value, dtype=dtype(x) if hasattr(x, "dtype") else _config.floatx()))


def batch_set_value(tuples):
    for x, value in tuples:
        set_value(x, value)


def update(x, new_x):
    x.assign(new_x)
    return x


def update_add(x, increment):
    x.assign_add(increment)
    return x


def update_sub(x, decrement):
    x.assign_sub(decrement)
    return x


def moving_average_update(x, value, momentum):
    """``x <- x * momentum + value * (1 - momentum)``, in place."""
    value = ops.cast(value, dtype(x))
    return update_sub(x, (x - value) * (1.0 - momentum))


# ---- elementwise ---------------------------------------------------------------------------
def abs(x):  # noqa: A001
    return ops.abs(x)


def exp(x):
    return ops.exp(x)


def log(x):
    return ops.log(x)


def sin(x):
    return ops.sin(x)


def cos(x):
    return ops.cos(x)


def tanh(x):
    return ops.tanh(x)


def sign(x):
    return ops.sign(x)


def square(x):
    return ops.square(x)


def sqrt(x):
    """The square root of ``max(x, 0)`` (negatives give 0, not NaN)."""
    return ops.sqrt(ops.maximum(x, 0.0))


def round(x):  # noqa: A001 - halves to even, as tf.round
    return ops.round(x)


def pow(x, a):  # noqa: A001
    return ops.power(x, a)


def clip(x, min_value, max_value):
    """``x`` clipped to [min_value, max_value]; None means unbounded, and a number
    ``max_value`` below ``min_value`` is raised to it."""
    if isinstance(min_value, (int, float)) and isinstance(max_value, (int, float)):
        max_value = builtins.max(min_value, max_value)
    low = -np.inf if min_value is None else min_value
    high = np.inf if max_value is None else max_value
    return ops.minimum(ops.maximum(x, low), high)


def maximum(x, y):
    return ops.maximum(x, y)


def minimum(x, y):
    return ops.minimum(x, y)


def equal(x, y):
    return ops.equal(x, y)


def not_equal(x, y):
    return ops.not_equal(x, y)


def greater(x, y):
    return ops.greater(x, y)


def greater_equal(x, y):
    return ops.greater_equal(x, y)


def less(x, y):
    return ops.less(x, y)


def less_equal(x, y):
    return ops.less_equal(x, y)


def switch(condition, then_expression, else_expression):
    """``then_expression`` where ``condition`` holds, else ``else_expression`` (either may
    be a callable). A scalar condition picks one whole branch; a 1D one broadcasts against
    the last axis, one of higher (lower than the expressions') rank along the leading axes."""
    condition = ops.cast(condition, "bool")
    if len(condition.shape) == 0:
        chosen = then_expression if bool(condition.numpy()) else else_expression
        return chosen() if callable(chosen) else chosen
    then_value = _tensor(then_expression() if callable(then_expression) else then_expression)
    else_value = _tensor(else_expression() if callable(else_expression) else else_expression)
    extra = len(then_value.shape) - len(condition.shape)
    if extra < 0:
        raise ValueError("Rank of `condition` should be less than or equal to rank of "
                         f"`then_expression` and `else_expression`. ndim(condition)="
                         f"{len(condition.shape)}, ndim(then_expression)={len(then_value.shape)}")
    if len(condition.shape) > 1:  # a 1D condition broadcasts as numpy's, along the last axis
        condition = ops.reshape(condition, tuple(condition.shape) + (1,) * extra)
    return ops.where(condition, then_value, else_value)


# ---- activations ---------------------------------------------------------------------------
def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """``x`` where above ``threshold`` (else 0), capped at ``max_value``, minus
    ``alpha * relu(threshold - x)``."""
    x = _tensor(x)
    out = ops.where(x > threshold, x, 0.0)
    if max_value is not None:
        out = ops.clip(out, 0.0, max_value)
    return out - alpha * ops.relu(threshold - x) if alpha != 0.0 else out


def elu(x, alpha=1.0):
    return ops.elu(x, alpha=alpha)


def sigmoid(x):
    return ops.sigmoid(x)


def hard_sigmoid(x):
    """``clip(0.2 * x + 0.5, 0, 1)`` (Keras 2's slope; Keras 3's is 1/6)."""
    return ops.clip(0.2 * _tensor(x) + 0.5, 0.0, 1.0)


def softmax(x, axis=-1):
    if len(_tensor(x).shape) <= 1:
        raise ValueError(f"Cannot apply softmax to a tensor that is 1D. Received input: {x}")
    return ops.softmax(x, axis=axis)


def softplus(x):
    return ops.softplus(x)


def softsign(x):
    return ops.softsign(x)


def l2_normalize(x, axis=None):
    """``x / sqrt(max(sum(x ** 2, axis), 1e-12))``."""
    squares = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return x * ops.rsqrt(ops.maximum(squares, _EPSILON_FLOOR_OF_L2))


def dropout(x, level, noise_shape=None, seed=None):
    """Zero a fraction ``level`` of ``x`` and scale the rest by ``1 / (1 - level)``."""
    return _random.dropout(_tensor(x), level, noise_shape=noise_shape, seed=seed)


def stop_gradient(variables):
    if isinstance(variables, (list, tuple)):
        return [ops.stop_gradient(v) for v in variables]
    return ops.stop_gradient(variables)


# ---- reductions ----------------------------------------------------------------------------
def sum(x, axis=None, keepdims=False):  # noqa: A001
    return ops.sum(x, axis=axis, keepdims=keepdims)


def prod(x, axis=None, keepdims=False):
    return ops.prod(x, axis=axis, keepdims=keepdims)


def max(x, axis=None, keepdims=False):  # noqa: A001
    return ops.max(x, axis=axis, keepdims=keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001
    return ops.min(x, axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    return ops.mean(_floatx_if_bool(x), axis=axis, keepdims=keepdims)


def var(x, axis=None, keepdims=False):
    return ops.var(_floatx_if_bool(x), axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    return ops.std(_floatx_if_bool(x), axis=axis, keepdims=keepdims)


def all(x, axis=None, keepdims=False):  # noqa: A001
    return ops.all(ops.cast(x, "bool"), axis=axis, keepdims=keepdims)


def any(x, axis=None, keepdims=False):  # noqa: A001
    return ops.any(ops.cast(x, "bool"), axis=axis, keepdims=keepdims)


def argmax(x, axis=-1):
    return ops.cast(ops.argmax(x, axis=axis), "int64")


def argmin(x, axis=-1):
    return ops.cast(ops.argmin(x, axis=axis), "int64")


def cumsum(x, axis=0):
    return ops.cumsum(x, axis=axis)


def cumprod(x, axis=0):
    return ops.cumprod(x, axis=axis)


def in_top_k(predictions, targets, k):
    """Whether each ``targets[i]`` is among the ``k`` largest of ``predictions[i]``."""
    return ops.in_top_k(targets, predictions, k)


# ---- creation ------------------------------------------------------------------------------
def arange(start, stop=None, step=1, dtype="int32"):  # noqa: F811
    """``[start, stop)`` by ``step``; ``arange(n)`` of a negative n is empty."""
    if stop is None and start < 0:
        start = 0
    return ops.arange(start, stop, step, dtype=dtype)


def one_hot(indices, num_classes):
    """A float one-hot encoding on a new last axis."""
    return ops.one_hot(indices, num_classes)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):  # noqa: F811
    return _random.normal(shape, mean=mean, stddev=stddev, dtype=dtype, seed=seed)


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):  # noqa: F811
    return _random.uniform(shape, minval=minval, maxval=maxval, dtype=dtype, seed=seed)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):  # noqa: F811
    return _random.truncated_normal(shape, mean=mean, stddev=stddev, dtype=dtype, seed=seed)


def random_bernoulli(shape, p=0.0, dtype=None, seed=None):  # noqa: F811
    """1 with probability ``p``, else 0 (floatx unless ``dtype``)."""
    draws = _random.uniform(shape, dtype="float32", seed=seed)
    return ops.cast(draws < p, _config.standardize_dtype(dtype))


def random_normal_variable(shape, mean, scale, dtype=None, name=None, seed=None):  # noqa: F811
    return variable(random_normal(shape, mean, scale, dtype, seed), dtype=dtype, name=name)


def random_uniform_variable(shape, low, high, dtype=None, name=None, seed=None):  # noqa: F811
    return variable(random_uniform(shape, low, high, dtype, seed), dtype=dtype, name=name)


# ---- shape manipulation --------------------------------------------------------------------
def reshape(x, shape):  # noqa: F811
    return ops.reshape(x, shape)


def flatten(x):
    return ops.reshape(x, (-1,))


def batch_flatten(x):
    """``(batch, ...)`` -> ``(batch, prod(...))``."""
    return ops.reshape(x, (_tensor(x).shape[0], -1))


def expand_dims(x, axis=-1):
    return ops.expand_dims(x, axis)


def squeeze(x, axis):
    return ops.squeeze(x, axis=axis)


def transpose(x):
    return ops.transpose(x)


def permute_dimensions(x, pattern):
    return ops.transpose(x, axes=tuple(pattern))


def concatenate(tensors, axis=-1):
    return ops.concatenate(list(tensors), axis=axis)


def stack(x, axis=0):
    return ops.stack(list(x), axis=axis)


def tile(x, n):
    return ops.tile(x, [n] if isinstance(n, int) else list(n))


def repeat(x, n):
    """``(batch, dim)`` -> ``(batch, n, dim)``."""
    x = _tensor(x)
    if len(x.shape) != 2:
        raise ValueError("Expected `x` to have rank 2 ((batch, dim)). "
                         f"Received: x.shape={tuple(x.shape)}")
    return ops.repeat(ops.expand_dims(x, 1), n, axis=1)


def repeat_elements(x, rep, axis):
    return ops.repeat(x, rep, axis=axis)


def reverse(x, axes):
    return ops.flip(x, axis=(axes,) if isinstance(axes, int) else tuple(axes))


def gather(reference, indices):
    return ops.take(reference, ops.cast(indices, "int32"), axis=0)


def _check_padding(padding, count):
    if len(padding) != count or builtins.any(len(pair) != 2 for pair in padding):
        raise ValueError(f"`padding` should be {count} pairs of ints. Received: "
                         f"padding={padding}")


def temporal_padding(x, padding=(1, 1)):
    """Zeros before and after axis 1 of a ``(batch, steps, features)`` tensor."""
    _check_padding([padding], 1)
    return ops.pad(x, [(0, 0), tuple(padding), (0, 0)])


def spatial_2d_padding(x, padding=((1, 1), (1, 1)), data_format=None):
    _check_padding(padding, 2)
    pads = [(0, 0)] + [tuple(p) for p in padding]
    return ops.pad(x, [(0, 0)] + pads if is_channels_first(data_format) else pads + [(0, 0)])


def spatial_3d_padding(x, padding=((1, 1), (1, 1), (1, 1)), data_format=None):
    _check_padding(padding, 3)
    pads = [(0, 0)] + [tuple(p) for p in padding]
    return ops.pad(x, [(0, 0)] + pads if is_channels_first(data_format) else pads + [(0, 0)])


def resize_images(x, height_factor, width_factor, data_format, interpolation="nearest"):
    """Scale the rows and columns of images by integer factors."""
    first = is_channels_first(data_format)
    rows, columns = (2, 3) if first else (1, 2)
    if interpolation == "nearest":
        return repeat_elements(repeat_elements(x, height_factor, rows), width_factor, columns)
    x = _tensor(x)
    size = (x.shape[rows] * height_factor, x.shape[columns] * width_factor)
    return ops.image.resize(x, size, interpolation=interpolation,
                            data_format="channels_first" if first else "channels_last")


def resize_volumes(x, depth_factor, height_factor, width_factor, data_format):
    first_axis = 2 if is_channels_first(data_format) else 1
    for offset, factor in enumerate((depth_factor, height_factor, width_factor)):
        x = repeat_elements(x, factor, first_axis + offset)
    return x


# ---- products ------------------------------------------------------------------------------
def dot(x, y):
    """Matrix product; above rank 2, ``x``'s last axis with ``y``'s second to last."""
    x, y = _tensor(x), _tensor(y)
    if len(x.shape) > 2 or len(y.shape) > 2:
        return ops.tensordot(x, y, axes=([len(x.shape) - 1], [len(y.shape) - 2]))
    return ops.matmul(x, y)


def batch_dot(x, y, axes=None):
    """Per-sample dot product of ``x[i]`` and ``y[i]`` over ``axes`` (default: x's last with
    y's second to last, or last when y is 2D); a 1D result becomes ``(batch, 1)``."""
    x, y = _tensor(x), _tensor(y)
    x_rank, y_rank = len(x.shape), len(y.shape)
    if x_rank < 2 or y_rank < 2:
        raise ValueError("Cannot do batch_dot on inputs with rank < 2. Received inputs with "
                         f"shapes {tuple(x.shape)} and {tuple(y.shape)}.")
    if x.shape[0] != y.shape[0]:
        raise ValueError("Cannot do batch_dot on inputs with different batch sizes. Received "
                         f"inputs with shapes {tuple(x.shape)} and {tuple(y.shape)}.")
    if axes is None:
        axes = (x_rank - 1, y_rank - 1 if y_rank == 2 else y_rank - 2)
    elif isinstance(axes, int):
        axes = (axes, axes)
    x_axis, y_axis = (a % rank for a, rank in zip(axes, (x_rank, y_rank)))
    if 0 in (x_axis, y_axis):
        raise ValueError(f"Cannot perform batch_dot over axis 0. Received axes={axes}")
    if x.shape[x_axis] != y.shape[y_axis]:
        raise ValueError(f"Cannot do batch_dot on inputs with shapes {tuple(x.shape)} and "
                         f"{tuple(y.shape)} with axes={axes}: x.shape[{x_axis}] != "
                         f"y.shape[{y_axis}] ({x.shape[x_axis]} vs {y.shape[y_axis]}).")
    x = ops.moveaxis(x, x_axis, -1)                   # (batch, *x_rest, k)
    y = ops.moveaxis(y, y_axis, 1)                    # (batch, k, *y_rest)
    x_rest, y_rest = tuple(x.shape[1:-1]), tuple(y.shape[2:])
    batch, k = x.shape[0], x.shape[-1]
    out = ops.matmul(ops.reshape(x, (batch, -1, k)), ops.reshape(y, (batch, k, -1)))
    out = ops.reshape(out, (batch,) + x_rest + y_rest)
    return ops.expand_dims(out, 1) if len(out.shape) == 1 else out


def name_scope(name):
    """Keras 3's name_scope: the variables made inside it get ``name/`` in their paths."""
    return _name_scope(name)
