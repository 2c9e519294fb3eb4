"""The table of differentiable primitives and Tensor's operators.

Everything else in minikeras (ops, layers, losses) is composed from the primitives, so a
gradient is written once and checked once (tests/autodiff/test_primitives_gradcheck.py
runs over ``PRIMITIVES``). Each primitive lives with its kind, its callable right under
its Function class and registered by ``@primitive``:

    elementwise.py            add ... minimum, where, unary math, clip, clip_strict, cast,
                              rescale (a Rescaling layer: cast, scale, offset)
    noise.py                  masked_scale, drawn_masked_scale, drawn_gaussian_noise,
                              drawn_alpha_dropout (noise drawn inside the primitive)
    reductions.py             sum, sum_over_count, mean, max, min, logsumexp
    shape.py                  reshape, transpose, broadcast_to, sum_to, concatenate, stack,
                              getitem, getitem_gradient, take
    linear.py                 matmul, dense (fused matmul + bias + relu/tanh)
    linalg.py                 inv, det, log_abs_det, solve, cholesky, eigh, qr, singular_values
    special.py                erfc, erfinv
    softmax_crossentropy.py   softmax, log_softmax, softmax/sigmoid crossentropy from logits
    conv.py                   conv, conv_input_gradient, conv_kernel_gradient,
                              conv_transpose, max_pool, average_pool, average_pool_gradient
    custom_gradient.py        custom_gradient_call (a user's function and its gradient)
    fourier.py                fft_pair, rfft_pair, irfft (FFTs of (real, imag) pairs)
    normalization.py          batch_norm_training, layer_norm (over the last axis)
    collective.py             cross_replica_sum (synchronized batch norm over MPI ranks)
    recurrence.py             simple_rnn_recurrence, lstm_recurrence, gru_recurrence
    attention.py              attention (the core of multi-head attention)

This module re-exports every callable (``primitives.add`` ...) and installs the
operators (``a + b``, ``a @ b``, ``a[i]``, ``a.T`` ...) on Tensor. Why each fused
primitive exists is written in docs/gradients.md.
"""
import numpy as np

from . import grad_mode
from .attention import attention
from .collective import cross_replica_sum
from .custom_gradient import custom_gradient_call
from .conv import (average_pool, average_pool_gradient, conv, conv_input_gradient,
                   conv_kernel_gradient, conv_transpose, max_pool)
from .elementwise import (abs, add, arcsin, arctan, arctan2, cast, clip, clip_strict, cos,
                          divide, erf, exp, leaky_relu, log, log1p, maximum, minimum, multiply,
                          negative, operands, power, relu, rescale, sigmoid, sign, sin,
                          softplus, sqrt, square, subtract, tanh, where)
from .fourier import fft_pair, irfft, rfft_pair
from .function import PRIMITIVES, Function
from .linalg import cholesky, det, eigh, inv, log_abs_det, qr, singular_values, solve
from .linear import dense, matmul
from .noise import drawn_alpha_dropout, drawn_gaussian_noise, drawn_masked_scale, masked_scale
from .normalization import batch_norm_training, layer_norm
from .recurrence import gru_recurrence, lstm_recurrence, simple_rnn_recurrence
from .reductions import logsumexp, max, mean, min, sum, sum_over_count
from .shape import (broadcast_to, concatenate, getitem, getitem_gradient, pad_constant, reshape,
                    stack, sum_to, take, transpose)
from .softmax_crossentropy import (log_softmax, sigmoid_cross_entropy, softmax,
                                   softmax_cross_entropy)
from .special import erfc, erfinv
from .tensor import Tensor, as_tensor

__all__ = ["PRIMITIVES", *sorted(PRIMITIVES)]


class _NoGradient(Function):
    """``ufunc(a, b)`` for an operator without a gradient. Its Tensor needs no gradient,
    but when an operand is recorded it is a node of the graph all the same (a comparison in
    elu's formula), which a recorded step runs again (replay.py); the backward pass never
    reaches it."""

    replayable = True

    def __init__(self, ufunc):
        self.ufunc = ufunc

    def forward(self, a, b):
        return self.ufunc(a, b)

    def __call__(self, a, b):
        result = Tensor(self.forward(a.data, b.data))
        if (a.requires_grad or b.requires_grad) and grad_mode._state["enabled"]:
            self.inputs = (a, b)
            result.creator = self
        return result


class _TargetsCast(Function):
    """The targets of a loss cast to its dtype (integer labels, float64 values) and
    reshaped (a last axis of 1 added or dropped, as the loss would): a node of the graph
    though no input requires grad (``records_alone``), so a recorded step (replay.py) casts
    each batch's targets again. Only the cast is a node: what a loss computes from the
    targets alone stays a leaf."""

    replayable = True
    records_alone = True

    def __init__(self, dtype, shape):
        self.dtype, self.shape = np.dtype(dtype), tuple(shape)

    def forward(self, x):
        return x.astype(self.dtype).reshape(self.shape)


def targets_cast(targets, dtype, shape):
    """The array ``targets`` as a Tensor of ``dtype`` and ``shape`` (as many elements), the
    cast a recorded node (``_TargetsCast``)."""
    return _TargetsCast(dtype, shape)(Tensor(targets))


def _no_gradient(ufunc, reflected=False):
    """An operator without a gradient (a comparison, ``//``, ``%``, a bitwise one), computed
    in the dtypes Keras gives the operands (``operands``). ``reflected`` gives the ``__r*__``
    form (the Tensor on the right)."""
    def apply(a, b):
        if reflected:
            a, b = b, a
        a, b = operands(a, b)
        return _NoGradient(ufunc)(as_tensor(a), as_tensor(b))
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
    t.__lt__ = _no_gradient(np.less)
    t.__le__ = _no_gradient(np.less_equal)
    t.__gt__ = _no_gradient(np.greater)
    t.__ge__ = _no_gradient(np.greater_equal)
    t.__eq__ = _no_gradient(np.equal)
    t.__ne__ = _no_gradient(np.not_equal)
    for name, ufunc in (("floordiv", np.floor_divide), ("mod", np.mod), ("and", np.bitwise_and),
                        ("or", np.bitwise_or), ("xor", np.bitwise_xor)):
        setattr(t, f"__{name}__", _no_gradient(ufunc))
        setattr(t, f"__r{name}__", _no_gradient(ufunc, reflected=True))
    t.__invert__ = lambda a: Tensor(np.invert(np.asarray(a)))
    t.__hash__ = object.__hash__
    t.T = property(transpose)
    t.reshape = lambda self, *shape: reshape(self, shape[0] if len(shape) == 1 else shape)
    t.sum = sum
    t.mean = mean
    t.astype = cast


_install_operators()
