"""The differentiable primitives, each with its vector-Jacobian product under its forward.

Everything else in minikeras (ops, layers, losses) is composed from these, so a
gradient is written once, here, and checked once, in tests/test_gradcheck.py.
The Function classes live in elementwise.py, structural.py and nn.py; this
module gives each a functional form and lists them all in ``PRIMITIVES``.
"""
import numpy as np

from . import conv as C
from . import elementwise as E
from . import nn as N
from . import structural as S
from .tensor import Tensor, as_tensor


def _binary(cls):
    def apply(a, b):
        a, b = _pair(a, b)
        return cls()(a, b)
    apply.__name__ = cls.__name__.lower()
    return apply


def _pair(a, b):
    """Tensors for a binary op; a python number takes the dtype of the other operand."""
    if not isinstance(a, (Tensor, np.ndarray, np.generic)) and isinstance(b, (Tensor, np.ndarray)):
        return as_tensor(np.asarray(a, dtype=_float_like(b))), b
    if not isinstance(b, (Tensor, np.ndarray, np.generic)) and isinstance(a, (Tensor, np.ndarray)):
        return a, as_tensor(np.asarray(b, dtype=_float_like(a)))
    return a, b


def _float_like(x):
    dtype = x.dtype
    return dtype if np.issubdtype(dtype, np.floating) else None


add = _binary(E.Add)
subtract = _binary(E.Subtract)
multiply = _binary(E.Multiply)
divide = _binary(E.Divide)
power = _binary(E.Power)
maximum = _binary(E.Maximum)
minimum = _binary(E.Minimum)
matmul = _binary(S.MatMul)


def where(condition, x1, x2):
    x1, x2 = _pair(x1, x2)
    return E.Where()(condition, x1, x2)


def negative(x):
    return E.Negative()(x)


def exp(x):
    return E.Exp()(x)


def log(x):
    return E.Log()(x)


def log1p(x):
    return E.Log1p()(x)


def sqrt(x):
    return E.Sqrt()(x)


def square(x):
    return E.Square()(x)


def abs(x):  # noqa: A001 - mirrors numpy / keras.ops naming
    return E.Abs()(x)


def sign(x):
    return E.Sign()(x)


def clip(x, x_min, x_max):
    return E.Clip(x_min, x_max)(x)


def tanh(x):
    return E.Tanh()(x)


def sigmoid(x):
    return E.Sigmoid()(x)


def relu(x):
    return E.Relu()(x)


def softplus(x):
    return E.Softplus()(x)


def erf(x):
    return E.Erf()(x)


def sin(x):
    return E.Sin()(x)


def cos(x):
    return E.Cos()(x)


def arctan(x):
    return E.Arctan()(x)


def cast(x, dtype):
    return E.Cast(dtype)(x)


def sum(x, axis=None, keepdims=False):  # noqa: A001
    return S.Sum(axis, keepdims)(x)


def mean(x, axis=None, keepdims=False):
    return S.Mean(axis, keepdims)(x)


def max(x, axis=None, keepdims=False):  # noqa: A001
    return S.Max(axis, keepdims)(x)


def min(x, axis=None, keepdims=False):  # noqa: A001
    return S.Min(axis, keepdims)(x)


def reshape(x, shape):
    return S.Reshape(tuple(shape) if not isinstance(shape, int) else shape)(x)


def transpose(x, axes=None):
    return S.Transpose(None if axes is None else tuple(axes))(x)


def broadcast_to(x, shape):
    return S.BroadcastTo(shape)(x)


def concatenate(xs, axis=0):
    return S.Concatenate(axis)(*xs)


def stack(xs, axis=0):
    return S.Stack(axis)(*xs)


def getitem(x, index):
    if isinstance(index, Tensor):
        index = index.data
    elif isinstance(index, tuple):
        index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return S.GetItem(index)(x)


def take(x, indices, axis=None):
    return S.Take(axis)(x, indices)


def dense(x, w, b=None, activation=None):
    """``activation(x @ w + b)``; activation None, "relu" or "tanh" (fused)."""
    fn = S.Dense(activation)
    return fn(x, w) if b is None else fn(x, w, b)


def softmax(x, axis=-1):
    return N.Softmax(axis)(x)


def log_softmax(x, axis=-1):
    return N.LogSoftmax(axis)(x)


def logsumexp(x, axis=None, keepdims=False):
    return N.LogSumExp(axis, keepdims)(x)


def softmax_cross_entropy(labels, logits, axis=-1):
    return N.SoftmaxCrossEntropy(axis)(labels, logits)


def sigmoid_cross_entropy(labels, logits):
    labels, logits = _pair(labels, logits)
    return N.SigmoidCrossEntropy()(labels, logits)


PRIMITIVES = {f.__name__: f for f in (
    add, subtract, multiply, divide, power, maximum, minimum, matmul, where,
    negative, exp, log, log1p, sqrt, square, abs, sign, clip, tanh, sigmoid, relu,
    softplus, erf, sin, cos, arctan, cast, sum, mean, max, min, reshape, transpose, broadcast_to,
    concatenate, stack, getitem, take, dense, softmax, log_softmax, logsumexp,
    softmax_cross_entropy, sigmoid_cross_entropy)}


def _compare(ufunc):
    """A comparison operator: a boolean Tensor, outside the graph (it has no gradient)."""
    def apply(a, b):
        return Tensor(ufunc(np.asarray(a), np.asarray(b)))
    return apply


def _install_operators():
    t = Tensor
    t.__add__ = add
    t.__radd__ = lambda a, b: add(b, a)
    t.__sub__ = subtract
    t.__rsub__ = lambda a, b: subtract(b, a)
    t.__mul__ = multiply
    t.__rmul__ = lambda a, b: multiply(b, a)
    t.__truediv__ = divide
    t.__rtruediv__ = lambda a, b: divide(b, a)
    t.__pow__ = power
    t.__rpow__ = lambda a, b: power(b, a)
    t.__matmul__ = matmul
    t.__rmatmul__ = lambda a, b: matmul(b, a)
    t.__neg__ = negative
    t.__abs__ = abs
    t.__getitem__ = getitem
    t.__lt__ = _compare(np.less)
    t.__le__ = _compare(np.less_equal)
    t.__gt__ = _compare(np.greater)
    t.__ge__ = _compare(np.greater_equal)
    t.__eq__ = _compare(np.equal)
    t.__ne__ = _compare(np.not_equal)
    t.__hash__ = object.__hash__
    t.T = property(transpose)
    t.reshape = lambda self, *shape: reshape(self, shape[0] if len(shape) == 1 else shape)
    t.sum = sum
    t.mean = mean
    t.astype = cast


_install_operators()


# --------------------------------------------------------------------------------------
# Convolution and pooling (Function classes in conv.py), channels_last
# --------------------------------------------------------------------------------------


def conv(x, kernel, bias=None, strides=1, padding="valid", dilation_rate=1, groups=None,
         activation=None):
    """N-D convolution of x (N, *spatial, C) with kernel (*k, C/groups, F), plus bias (F,),
    then ``activation`` (None, "relu" or "tanh", fused).

    ``groups`` defaults to C // kernel.shape[-2]; padding is "valid", "same" or (1-D)
    "causal"; strides and dilation_rate are ints or one int per spatial axis.
    """
    x, kernel = as_tensor(x), as_tensor(kernel)
    rank = kernel.ndim - 2
    if rank < 1 or x.ndim != rank + 2:
        raise ValueError(
            f"conv expects inputs of rank {kernel.ndim} (batch, *spatial, channels) for a kernel "
            f"of shape {kernel.shape} (*kernel_size, in_channels/groups, filters). Received "
            f"inputs of shape {x.shape}.")
    if groups is None:
        groups = x.shape[-1] // kernel.shape[-2] if kernel.shape[-2] else 0
    if groups < 1 or x.shape[-1] != groups * kernel.shape[-2] or kernel.shape[-1] % groups:
        raise ValueError(
            f"conv: input channels ({x.shape[-1]}) must equal groups ({groups}) x the kernel's "
            f"input channels ({kernel.shape[-2]}), and filters ({kernel.shape[-1]}) must be "
            f"divisible by groups. Received inputs {x.shape}, kernel {kernel.shape}.")
    fn = C.Conv(C.normalize_tuple(strides, rank, "strides"),
                C.normalize_padding(padding, allow_causal=rank == 1),
                C.normalize_tuple(dilation_rate, rank, "dilation_rate"), groups, activation)
    return fn(x, kernel) if bias is None else fn(x, kernel, bias)


def conv_transpose(x, kernel, bias=None, strides=1, padding="valid", output_padding=None,
                   dilation_rate=1):
    """N-D transposed convolution of x (N, *spatial, C) with kernel (*k, F, C), plus bias (F,).

    The adjoint of ``conv`` w.r.t. its input; output sizes follow Keras's rule (see
    ``conv.transpose_output_length``); output_padding (one int per axis) must be < strides.
    """
    x, kernel = as_tensor(x), as_tensor(kernel)
    rank = kernel.ndim - 2
    if rank < 1 or x.ndim != rank + 2 or x.shape[-1] != kernel.shape[-1]:
        raise ValueError(
            f"conv_transpose expects inputs (batch, *spatial, channels) of rank {kernel.ndim} "
            f"whose channels match the kernel's last axis (kernel shape (*kernel_size, filters, "
            f"in_channels) = {kernel.shape}). Received inputs of shape {x.shape}.")
    strides = C.normalize_tuple(strides, rank, "strides")
    if output_padding is not None:
        output_padding = C.normalize_tuple(output_padding, rank, "output_padding",
                                           allow_zero=True)
        if any(p >= s for p, s in zip(output_padding, strides)):
            raise ValueError(f"Strides {strides} must be greater than output padding "
                             f"{output_padding}.")
    fn = C.ConvTranspose(strides, C.normalize_padding(padding),
                         C.normalize_tuple(dilation_rate, rank, "dilation_rate"), output_padding)
    return fn(x, kernel) if bias is None else fn(x, kernel, bias)


def _pool(cls, x, pool_size, strides, padding):
    x = as_tensor(x)
    rank = x.ndim - 2
    if rank < 1:
        raise ValueError(f"Pooling expects inputs of rank >= 3 (batch, *spatial, channels). "
                         f"Received inputs of shape {x.shape}.")
    pool_size = C.normalize_tuple(pool_size, rank, "pool_size")
    strides = pool_size if strides is None else C.normalize_tuple(strides, rank, "strides")
    padding = C.normalize_padding(padding)
    return cls(pool_size, strides, padding)(x)


def max_pool(x, pool_size, strides=None, padding="valid"):
    """Max over windows of x (N, *spatial, C); strides default to pool_size."""
    return _pool(C.MaxPool, x, pool_size, strides, padding)


def average_pool(x, pool_size, strides=None, padding="valid"):
    """Mean over windows of x (N, *spatial, C), counting only unpadded elements."""
    return _pool(C.AvgPool, x, pool_size, strides, padding)


def batch_norm_training(x, gamma, beta, epsilon=1e-3):
    """Fused training-mode batch normalization over every axis but the last.

    Returns ``(y, mean, variance)``: y is differentiable w.r.t. x, gamma and beta; mean
    and (biased) variance are the batch statistics, shape (C,), outside the graph.
    """
    fn = C.BatchNormTraining(epsilon)
    y = fn(x, gamma, beta)
    return y, Tensor(fn.mean), Tensor(fn.var)


PRIMITIVES.update({f.__name__: f for f in (conv, conv_transpose, max_pool, average_pool,
                                            batch_norm_training)})
