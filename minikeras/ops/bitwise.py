"""Integer functions of ``keras.ops``: bitwise logic, shifts, gcd and lcm.

They take integer or boolean inputs (a clear TypeError otherwise, as Keras's backends raise)
and return tensors outside the graph (integers carry no gradient).
"""
import inspect

import numpy as np

from ..autodiff.elementwise import operands
from ..autodiff.tensor import Tensor
from .core import cast, convert_to_tensor, data

__all__ = [
    "bitwise_and", "bitwise_invert", "bitwise_left_shift", "bitwise_not", "bitwise_or",
    "bitwise_right_shift", "bitwise_xor", "gcd", "lcm", "left_shift", "right_shift",
]


def _integer_op(name, ufunc, kinds="biu", parameters=("x", "y")):
    """The op ``name``: ``ufunc`` on integer (and, where ``kinds`` has "b", bool) operands,
    taking them as Keras names them (``parameters``), by position or keyword."""
    signature = inspect.Signature([inspect.Parameter(p, inspect.Parameter.POSITIONAL_OR_KEYWORD)
                                   for p in parameters])

    def apply(*args, **kwargs):
        given = list(signature.bind(*args, **kwargs).arguments.values())
        tensors = _bools_as_other(operands(*given)) if len(given) == 2 else \
            (convert_to_tensor(given[0]),)
        for tensor in tensors:
            if np.dtype(tensor.dtype).kind not in kinds:
                expected = "integer or bool" if "b" in kinds else "integer"
                raise TypeError(f"{name} expects {expected} inputs. Received: dtype="
                                f"{np.dtype(tensor.dtype).name}")
        return Tensor(np.asarray(ufunc(*[data(t) for t in tensors])))
    apply.__name__, apply.__signature__ = name, signature
    apply.__doc__ = f"Elementwise ``numpy.{ufunc.__name__}`` of integer inputs (no gradient)."
    return apply


def _bools_as_other(tensors):
    """A bool operand beside an integer one cast to that integer's dtype (Keras's
    ``result_type``: shifting an int8 by True shifts by 1 in int8)."""
    a, b = tensors
    if a.dtype.kind == "b" and b.dtype.kind in "iu":
        return cast(a, b.dtype), b
    if b.dtype.kind == "b" and a.dtype.kind in "iu":
        return a, cast(b, a.dtype)
    return a, b


bitwise_and = _integer_op("bitwise_and", np.bitwise_and)
bitwise_or = _integer_op("bitwise_or", np.bitwise_or)
bitwise_xor = _integer_op("bitwise_xor", np.bitwise_xor)
bitwise_invert = _integer_op("bitwise_invert", np.invert, parameters=("x",))
bitwise_not = bitwise_invert
bitwise_left_shift = _integer_op("bitwise_left_shift", np.left_shift, "iu")
left_shift = bitwise_left_shift
bitwise_right_shift = _integer_op("bitwise_right_shift", np.right_shift, "iu")
right_shift = bitwise_right_shift
gcd = _integer_op("gcd", np.gcd, "iu", parameters=("x1", "x2"))
lcm = _integer_op("lcm", np.lcm, "iu", parameters=("x1", "x2"))
