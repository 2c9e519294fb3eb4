"""The one hook by which ``keras.ops`` functions accept symbolic tensors.

ops sits below layers and knows no KerasTensor. The layers register their symbolic tensor
type and a handler here (``register_symbolic``); every public ``keras.ops`` function is
wrapped by :func:`symbolic_aware`, which hands a call whose arguments hold a symbolic tensor
(``keras.ops.concatenate([x, y])`` on ``keras.Input`` tensors) to that handler, so the call
becomes a node of the functional graph, as in Keras 3.
"""
import functools

_SYMBOLIC = {"types": (), "handler": None}


def register_symbolic(tensor_type, handler):
    """``handler(op_name, args, kwargs)`` runs ops called on ``tensor_type`` arguments."""
    _SYMBOLIC["types"], _SYMBOLIC["handler"] = (tensor_type,), handler


def _holds_symbolic(values, types):
    for value in values:
        if isinstance(value, types):
            return True
        if isinstance(value, (list, tuple)) and value and _holds_symbolic(value, types):
            return True
    return False


def symbolic_aware(name, fn):
    """``fn`` (the op ``name``), handing calls on symbolic tensors to the registered handler."""
    @functools.wraps(fn)
    def op(*args, **kwargs):
        types = _SYMBOLIC["types"]
        if types and (_holds_symbolic(args, types) or _holds_symbolic(kwargs.values(), types)):
            return _SYMBOLIC["handler"](name, args, kwargs)
        return fn(*args, **kwargs)
    return op


def symbolic_op(name, args, kwargs):
    """Run the op ``name`` through the registered handler (for operators such as ``x[key]``
    that have no ``keras.ops`` function of their own)."""
    return _SYMBOLIC["handler"](name, args, kwargs)
