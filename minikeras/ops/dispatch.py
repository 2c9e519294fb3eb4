"""The one hook by which ``keras.ops`` functions accept symbolic tensors.

ops sits below layers and knows no KerasTensor. The layers register their symbolic tensor
type and a handler here (``register_symbolic``); every public ``keras.ops`` function is
wrapped by :func:`symbolic_aware`, which hands a call whose arguments hold a symbolic tensor
(``keras.ops.concatenate([x, y])`` on ``keras.Input`` tensors) to that handler, so the call
becomes a node of the functional graph, as in Keras 3.
"""
import functools

_SYMBOLIC = {"type": None, "handler": None}


def register_symbolic(tensor_type, handler):
    """``handler(op_name, args, kwargs)`` runs ops called on ``tensor_type`` arguments."""
    _SYMBOLIC["type"], _SYMBOLIC["handler"] = tensor_type, handler


def is_symbolic(value):
    """Whether ``value`` is a symbolic tensor (a ``keras.Input`` or a functional node's output)."""
    return _SYMBOLIC["type"] is not None and type(value) is _SYMBOLIC["type"]


def _holds_symbolic(values, symbolic_type):
    for value in values:
        kind = type(value)
        if kind is symbolic_type or ((kind is list or kind is tuple) and value
                                     and _holds_symbolic(value, symbolic_type)):
            return True
    return False


def symbolic_aware(name, fn):
    """``fn`` (the op ``name``), handing calls on symbolic tensors to the registered handler.
    The check is one type test per argument (this wraps every op, so it stays cheap)."""
    @functools.wraps(fn)
    def op(*args, **kwargs):
        symbolic_type = _SYMBOLIC["type"]
        for value in (*args, *kwargs.values()):  # inline: the common case calls nothing
            kind = type(value)
            if kind is symbolic_type or kind is list or kind is tuple:
                if _holds_symbolic(args, symbolic_type) or _holds_symbolic(
                        kwargs.values(), symbolic_type):
                    return _SYMBOLIC["handler"](name, args, kwargs)
                break
        return fn(*args, **kwargs)
    return op


def symbolic_op(name, args, kwargs):
    """Run the op ``name`` through the registered handler (for operators such as ``x[key]``
    that have no ``keras.ops`` function of their own)."""
    return _SYMBOLIC["handler"](name, args, kwargs)
