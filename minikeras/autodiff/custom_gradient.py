"""``custom_gradient``: a user function whose backward is a user function too.

``fn(*tensors)`` returns ``(y, grad_fn)``; ``grad_fn(upstream)`` returns the gradient of each
input (one tensor, or a tuple with one per input; None for an input that gets none). Both run
with gradient recording off: the pair is one node of the graph, as in Keras.
"""
import numpy as np

from . import grad_mode
from .function import Function, primitive, unbroadcast
from .tensor import Tensor


class CustomGradient(Function):
    """Runs ``fn`` forward and the ``grad_fn`` it returns backward."""

    def __init__(self, fn):
        self.fn = fn

    def forward(self, *arrays):
        with grad_mode.no_grad():
            result = self.fn(*[Tensor(a) for a in arrays])
        if not (isinstance(result, (tuple, list)) and len(result) == 2 and callable(result[1])):
            raise ValueError("A custom_gradient function must return (output, grad_fn), grad_fn "
                             f"a callable. Received: {type(result).__name__} "
                             f"{result!r:.80}")
        y, self.grad_fn = result
        self.shapes = [a.shape for a in arrays]
        return np.asarray(y.data if isinstance(y, Tensor) else y)

    def backward(self, gy):
        with grad_mode.no_grad():
            grads = self.grad_fn(Tensor(gy))
        grads = tuple(grads) if isinstance(grads, (tuple, list)) else (grads,)
        if len(grads) != len(self.shapes):
            raise ValueError(f"The custom gradient function returned {len(grads)} gradients "
                             f"for {len(self.shapes)} inputs. Expected one per input.")
        return tuple(None if g is None else _to_shape(g, shape)
                     for g, shape in zip(grads, self.shapes))


def _to_shape(grad, shape):
    """A gradient of an input's shape: summed over axes the input was broadcast along, or
    broadcast from a scalar."""
    grad = np.asarray(grad.data if isinstance(grad, Tensor) else grad)
    return unbroadcast(grad, shape) if grad.ndim >= len(shape) else np.broadcast_to(grad, shape)


@primitive
def custom_gradient_call(fn, *inputs):
    """``fn(*inputs)``'s output, with the gradient ``fn``'s grad_fn gives."""
    return CustomGradient(fn)(*inputs)
