"""A ``keras.ops`` call (or an operator such as ``x + y``, ``x[:, 0]``) on KerasTensors,
recorded as a node of the functional graph.

Keras 3 records such calls as operations of the model; here each becomes an ``OpCall``
layer that holds the op's *name* (never code). A functional config writes it as Keras
does (``{"module": "keras.src.ops.numpy", "class_name": "Concatenate", "config":
{"name": ...}}``, the arguments in its node), and loading looks the name up among the public ``keras.ops``
functions only. It is not a registered layer: it exists only inside functional graphs.
"""
import inspect
import operator

import numpy as np

from .. import ops
from ..autodiff import no_grad
from ..naming import auto_name, to_snake_case
from ..ops.dispatch import register_symbolic
from .layer import Layer
from .op_classes import OP_CLASSES, REQUIRED
from ..tree import flatten, map_structure
from .symbolic import KerasTensor, has_symbolic

_OPERATORS = {"get_item": operator.getitem}  # x[key]: Keras names this op GetItem
OPS_MODULE = "keras.src.ops"  # the module a functional config names for an op node
PROBES = (2, 3)  # sizes tried for unknown axes when inferring an output shape


def _op_function(name):
    if name in _OPERATORS:
        return _OPERATORS[name]
    namespace, _, short = name.rpartition(".")
    module = ops.image if namespace == "image" else ops if not namespace else None
    fn = getattr(module, short, None) if module and not short.startswith("_") else None
    if not callable(fn) or isinstance(fn, type):
        raise ValueError(f"OpCall: unknown op '{name}'. Expected the name of a public "
                         "`keras.ops` function (e.g. 'add', 'concatenate') or 'get_item'.")
    return fn


def is_op_entry(entry):
    """Whether a functional config entry describes a ``keras.ops`` call (Keras 3's layout);
    raises ValueError when it names no known op."""
    if not str(entry.get("module") or "").startswith(OPS_MODULE):
        return False
    _op_function(_entry_op(entry))
    return True


def _entry_op(entry):
    """The op name of a config entry: ``"concatenate"``, or ``"image.resize"`` for an entry
    of module ``keras.src.ops.image``."""
    op = to_snake_case(str(entry.get("class_name")))
    return "image." + op if entry.get("module") == OPS_MODULE + ".image" else op


class OpCall(Layer):
    """One call of the ``keras.ops`` function ``op`` inside a functional model.

    Args:
        op: the op's name in ``keras.ops`` (``"add"``, ``"concatenate"``, ...), or
            ``"get_item"`` for indexing (``x[:, 0]``).
        fixed: keyword arguments of every call (a Keras-written op's own config, such as
            ``{"axis": 1}`` of a concatenation).
    """

    _warns_on_dropped_mask = False
    _outputs_by_running = True  # the op's dtype rules (``not_equal`` gives bool)

    def __init__(self, op, fixed=None, name=None):
        super().__init__(name=name)
        self._fn = _op_function(op)
        self.op, self.fixed = op, dict(fixed or {})
        self._other_arguments = ((), {})
        self._leading = _leading_arguments(self._fn, self.fixed)

    @classmethod
    def from_keras_entry(cls, entry):
        """The op node of a Keras 3 functional config entry (``class_name`` ``"Concatenate"``
        becomes ``keras.ops.concatenate``, its config's other keys fixed arguments)."""
        config = dict(entry.get("config") or {})
        name = config.pop("name", None)
        return cls(_entry_op(entry), fixed=config, name=name)

    def keras_entry(self):
        """How a functional config writes this op (Keras 3's layout: its class, e.g.
        ``Absolute`` of module ``keras.src.ops.numpy`` for ``abs``)."""
        namespace, _, op = self.op.rpartition(".")
        class_name, family, _ = OP_CLASSES.get(self.op) or (
            "".join(part.capitalize() for part in op.split("_")), namespace or "numpy", ())
        return {"module": f"{OPS_MODULE}.{family}",
                "class_name": class_name,
                "config": {"name": self.name, **self.fixed}, "registered_name": class_name}

    def __call__(self, *args, **kwargs):
        """On KerasTensors, a node of the graph (``Layer.__call__``); on values, the op
        itself, as Keras runs an operation: no autocast, no mask handed on, no ``training``
        (a functional model's run passes one to every node). Skipping the layer's call
        machinery takes the run of a masked model's NotEqual node from 14 us to 10 us."""
        if has_symbolic(args) or has_symbolic(kwargs):
            return super().__call__(*args, **kwargs)
        kwargs.pop("training", None)
        return self.call(*args, **kwargs)

    def call(self, *args, **kwargs):
        if self.op == "get_item" and isinstance(args[1], list):  # a key saved through JSON
            args = (args[0], tuple(args[1]))
        lead = [self.fixed[name] for name in self._leading]
        rest = {k: v for k, v in self.fixed.items() if k not in self._leading}
        return self._fn(*lead, *args, **rest, **kwargs)

    def build_from_shape(self, input_shape, call_arguments=None):
        # compute_output_shape sees only the first argument's shape; the op needs the others
        self._other_arguments = call_arguments or ((), {})
        if _is_constant(input_shape):  # `2.0 - x`: the first argument is a plain number
            self.built = True
            return
        super().build_from_shape(input_shape, call_arguments)

    def compute_output_shape(self, input_shape):
        """The shape of the op's result (the first argument of ``input_shape``, the others
        as in the call being built), found by running the op on zeros. Unknown non-batch
        axes are filled with two probe sizes in two runs: an output axis whose size differs
        between the runs is unknown."""
        rest, kwargs = self._other_arguments
        shapes = [tuple(s) for s in input_shape] if _is_shape_list(input_shape) else [
            ] if _is_constant(input_shape) else [tuple(input_shape)]
        shapes += [tuple(leaf.shape) for leaf in flatten([list(rest), kwargs])
                   if isinstance(leaf, KerasTensor)]
        if not any(d is None for shape in shapes for d in shape[1:]):
            shape = self._probe(input_shape, None)
        else:
            try:
                first, second = (self._probe(input_shape, size) for size in PROBES)
            except (ValueError, TypeError, IndexError) as error:
                raise NotImplementedError(
                    f"OpCall '{self.name}' ({self.op}): the output shape cannot be inferred "
                    f"for input shapes with unknown axes {shapes} ({error}).") from error
            if len(first) != len(second):
                raise NotImplementedError(
                    f"OpCall '{self.name}' ({self.op}): the output rank depends on the unknown "
                    f"axes of {shapes}.")
            shape = tuple(a if a == b else None for a, b in zip(first, second))
        if shape and shapes and shapes[0][0] is None:
            shape = (None,) + shape[1:]
        return shape

    def _probe(self, input_shape, size):
        """The op's output shape on zeros, unknown non-batch axes of size ``size``."""
        def zeros(shape):
            shape = tuple(shape)
            return ops.zeros((1 if shape[0] is None else shape[0],) + tuple(
                size if d is None else d for d in shape[1:]), self.dtype)

        first = [zeros(s) for s in input_shape] if _is_shape_list(input_shape) else (
            input_shape if _is_constant(input_shape) else zeros(input_shape))
        rest, kwargs = map_structure(
            lambda v: zeros(v.shape) if isinstance(v, KerasTensor) else v,
            self._other_arguments)
        with no_grad(), np.errstate(all="ignore"):  # zeros: 1 / 0 here warns of nothing
            return tuple(self.call(first, *rest, **kwargs).shape)

    def get_config(self):
        return {"op": self.op, "fixed": dict(self.fixed), "name": self.name}


def _is_constant(first_argument):
    """Whether an op's first argument (as symbolic_call passes it: a KerasTensor's shape,
    a list of shapes, or the value itself) is a plain number such as the 2.0 of `2.0 - x`."""
    return not isinstance(first_argument, (list, tuple))


def _is_shape_list(value):
    return isinstance(value, (list, tuple)) and bool(value) and isinstance(value[0], (list, tuple))


def _symbolic_op(name, args, kwargs):
    """``keras.ops.<name>(*args, **kwargs)`` with KerasTensors among the arguments, recorded
    as Keras records it: the arguments its op class takes in ``__init__`` (``axis``,
    ``keepdims``, the ``dtype`` of ``cast``; given or, when not, Keras's defaults) become
    the op's config, the others (tensors, and numbers such as the 2.0 of ``x + 2.0``) stay
    arguments of the node. ``ops.shape`` of a KerasTensor is its static shape (None where
    unknown), as in Keras: no node."""
    if name == "shape" and len(args) == 1 and not kwargs:
        return tuple(args[0].shape)
    fixed, args, kwargs = _split_arguments(name, args, kwargs)
    # named as Keras names an operation: after its class (ops.abs makes "absolute")
    keras_class = OP_CLASSES.get(name, (None,))[0]
    node_name = to_snake_case(keras_class) if keras_class else name.rpartition(".")[2]
    return OpCall(name, fixed=fixed, name=auto_name(node_name))(*args, **kwargs)


def _split_arguments(name, args, kwargs):
    """(config, call args, call kwargs) of an op call. An op Keras does not have (or a call
    that does not fit the function's signature) keeps its plain keyword arguments as config."""
    entry = OP_CLASSES.get(name)
    if entry is None:
        return _plain_keywords_as_config(args, kwargs)
    try:
        signature = inspect.signature(_op_function(name))
        bound = signature.bind(*args, **kwargs)
    except (TypeError, ValueError):
        return _plain_keywords_as_config(args, kwargs)
    init = dict(entry[2])
    fixed, call_args, call_kwargs, gap = {}, [], {}, False
    call_names = []  # the parameters of call_args, in order
    for param in signature.parameters.values():
        given = param.name in bound.arguments
        value = bound.arguments.get(param.name)
        if given and _is_function(value):  # scan's f, switch's branches: the op's own part
            # passed first, by position (see _leading_arguments), with the plain values
            # before it (switch's index)
            if not has_symbolic(call_args):
                fixed.update(zip(call_names, call_args))
                call_args, call_names = [], []
            fixed[param.name] = value
            continue
        if param.name in init and param.kind not in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            if given and not has_symbolic(value):
                fixed[param.name] = value
                # a fixed parameter leading the call's own is passed first, by position
                gap = gap or bool(call_args)
                continue
            if not given and init[param.name] != REQUIRED:
                fixed[param.name] = init[param.name]
        if not given:
            gap = True
        elif param.kind == param.VAR_POSITIONAL:
            call_args.extend(value)
        elif param.kind == param.VAR_KEYWORD:  # a wrapped function: split by name
            for key, item in value.items():
                if key in init and not has_symbolic(item):
                    fixed[key] = item
                else:
                    call_kwargs[key] = item
        elif gap or param.kind == param.KEYWORD_ONLY:
            call_kwargs[param.name] = value
        else:
            call_args.append(value)
            call_names.append(param.name)
    return fixed, call_args, call_kwargs


def _is_function(value):
    """A function argument of a control-flow op (or a list of them, ``switch``'s branches)."""
    if isinstance(value, (list, tuple)):
        return bool(value) and all(_is_function(v) for v in value)
    return callable(value) and not isinstance(value, (KerasTensor, type))


def _leading_arguments(fn, fixed):
    """The config entries ``fn`` takes by position before the call's own arguments (the
    subscripts of ``einsum(subscripts, *operands)``, the function of ``scan(f, init, xs)``),
    which a call passes first."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return []
    leading = []
    for param in params:
        if param.kind == param.VAR_POSITIONAL or param.name not in fixed:
            break
        leading.append(param.name)
    return leading


def _plain_keywords_as_config(args, kwargs):
    plain = {k: v for k, v in kwargs.items() if not has_symbolic(v)}
    return plain, list(args), {k: v for k, v in kwargs.items() if k not in plain}


register_symbolic(KerasTensor, _symbolic_op)
