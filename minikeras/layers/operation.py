"""keras.Operation: the base of every layer and of user-defined operations.

An operation has a name, a ``call`` that computes on tensors, and a ``symbolic_call`` that,
given KerasTensors, finds the output's shape and dtype (``compute_output_spec``) and records
the call as a node of the functional graph. Its config is, by default, the plain-valued
arguments it was constructed with (Keras's automatic config).
"""
import inspect

from ..backend import SymbolicScope
from ..naming import auto_name, to_snake_case
from ..rematerialization import apply_remat_scope
from ..tree import flatten
from ..variables import StatelessScope
from .keras_tensor import has_symbolic
from .output_probe import outputs_or_advice
from .symbolic import Node, user_defines

_PLAIN = (str, int, float, bool, type(None))


class Operation:
    """A named computation that can be called on tensors or on KerasTensors.

    Subclasses write ``call(*args, **kwargs)``; called on KerasTensors, the operation returns
    KerasTensors whose shape and dtype come from :meth:`compute_output_spec` (by default:
    ``call`` run on zeros in a ``SymbolicScope`` and a ``StatelessScope``, so no variable
    changes) and becomes a node of the graph a ``keras.Function`` or functional model is
    built from.

    Args:
        name: the operation's name (default: the snake_case class name, numbered).
    """

    def __new__(cls, *args, **kwargs):
        # Keras's automatic config: an operation whose class does not override get_config
        # is saved with the (plain-valued) arguments it was constructed with.
        obj = super().__new__(cls)
        obj._auto_config = _auto_config(cls, args, kwargs)
        return obj

    def __init__(self, name=None):
        if name is not None and (not isinstance(name, str) or "/" in name):
            raise ValueError("Argument `name` must be a string and cannot contain character "
                             f"`/`. Received: name={name} (of type {type(name)})")
        self.name = name or auto_name(to_snake_case(type(self).__name__))
        self._inbound_nodes = []
        apply_remat_scope(self)

    def __call__(self, *args, **kwargs):
        if has_symbolic(args) or has_symbolic(kwargs):
            return self.symbolic_call(*args, **kwargs)
        return self.call(*args, **kwargs)

    def call(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement `call()`.")

    def symbolic_call(self, *args, **kwargs):
        """The call on KerasTensors: output KerasTensors, the call recorded as a Node."""
        outputs = self.compute_output_spec(*args, **kwargs)
        Node(self, args, kwargs, flatten(outputs))
        return outputs

    def compute_output_spec(self, *args, **kwargs):
        """KerasTensors with the shapes and dtypes the call would return. An axis unknown in
        the inputs is tried with two sizes; an output axis that differs is unknown."""
        with StatelessScope(), SymbolicScope():
            return outputs_or_advice(self, args, kwargs)

    # ---- config ------------------------------------------------------------------------
    def get_config(self):
        """``{"name": ...}`` plus the constructor's arguments (see the module doc)."""
        config = {"name": self.name}
        if user_defines(type(self), "get_config") or not _has_own_init(type(self)):
            return config
        auto = self.__dict__.get("_auto_config")
        if auto is None:
            raise NotImplementedError(
                f"Object {type(self).__name__} was created with arguments that are not plain "
                "values (str, int, float, bool, None, or lists/tuples/dicts of them), so its "
                "config cannot be generated automatically. Override `get_config()` (and "
                "`from_config()` if needed) to make it serializable.")
        config.update(auto)
        if not _init_accepts_name(type(self)):
            config.pop("name")
        return config

    @classmethod
    def from_config(cls, config):
        try:
            return cls(**config)
        except Exception as error:
            raise TypeError(f"Error when deserializing class '{cls.__name__}' using "
                            f"config={config}.\n\nException encountered: {error}") from error

    # ---- the graph ---------------------------------------------------------------------
    @property
    def input(self):
        """The input KerasTensor(s) of the first call on KerasTensors."""
        return self._first_node("input").args[0]

    @property
    def output(self):
        """The output KerasTensor(s) of the first call on KerasTensors."""
        outputs = self._first_node("output").outputs
        return outputs[0] if len(outputs) == 1 else outputs

    def _first_node(self, what):
        nodes = self.__dict__.get("_inbound_nodes")
        if not nodes:
            raise AttributeError(f"The operation '{self.name}' has never been called on "
                                 f"KerasTensors, so it has no {what}.")
        return nodes[0]

    def __repr__(self):
        return f"<Operation name={self.name}>"


def _is_plain(value):
    if isinstance(value, (list, tuple)):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    return isinstance(value, _PLAIN)


def _auto_config(cls, args, kwargs):
    """The constructor arguments by name when they are all plain values, else None."""
    if user_defines(cls, "get_config") or not _has_own_init(cls):
        return {}
    try:
        names = [p.name for p in inspect.signature(cls.__init__).parameters.values()
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)][1:]
    except (TypeError, ValueError):
        return None
    if len(args) > len(names):
        return None
    given = {**dict(zip(names, args)), **kwargs}
    # as Keras: every named argument in the signature's order, its default when not given,
    # then the extra keyword arguments
    config = {}
    for param in list(inspect.signature(cls.__init__).parameters.values())[1:]:
        if param.name in given:
            config[param.name] = given.pop(param.name)
        elif param.default is not param.empty and param.kind != param.VAR_KEYWORD:
            config[param.name] = param.default
    config.update(given)
    if not _is_plain(config):
        return None
    return {k: list(v) if isinstance(v, tuple) else v for k, v in config.items()}


def _has_own_init(cls):
    """True for classes (user layers, models and operations) that define an ``__init__`` of
    their own below the built-in ones."""
    for klass in cls.__mro__:
        if klass.__module__.startswith("minikeras."):
            return False
        if "__init__" in klass.__dict__:
            return True
    return False


def _init_accepts_name(cls):
    params = inspect.signature(cls.__init__).parameters
    return "name" in params or any(p.kind == p.VAR_KEYWORD for p in params.values())
