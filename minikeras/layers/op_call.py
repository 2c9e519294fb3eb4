"""A ``keras.ops`` call (or an operator such as ``x + y``, ``x[:, 0]``) on KerasTensors,
recorded as a node of the functional graph.

Keras 3 records such calls as operations of the model; here each becomes an ``OpCall``
layer that holds the op's *name* (never code). A functional config writes it as Keras
does (``{"module": "keras.src.ops.numpy", "class_name": "Concatenate", "config":
{"name": ...}}``, the arguments in its node), and loading looks the name up among the public ``keras.ops``
functions only. It is not a registered layer: it exists only inside functional graphs.
"""
import operator

from .. import ops
from ..autodiff import no_grad
from ..naming import auto_name, to_snake_case
from ..ops.dispatch import register_symbolic
from ..ops.namespaces import LINALG, NN
from .layer import Layer
from ..tree import flatten, map_structure
from .symbolic import KerasTensor, has_symbolic

_OPERATORS = {"get_item": operator.getitem}  # x[key]: Keras names this op GetItem
OPS_MODULE = "keras.src.ops"  # the module a functional config names for an op node
# Keras 3.15 defines each op class in one of keras.src.ops.{numpy, nn, linalg, math, core,
# einops, image}; a config names that module. nn and linalg are the public namespaces'
# lists; these are the math, core and einops ones (any other op is numpy).
_MATH_OPS = frozenset((
    "cdist", "erf", "erfc", "erfinv", "extract_sequences", "fft", "fft2", "ifft2", "in_top_k",
    "irfft", "istft", "logdet", "logsumexp", "rfft", "rsqrt", "segment_max", "segment_min",
    "segment_prod", "segment_sum", "stft", "top_k", "view_as_complex", "view_as_real"))
_CORE_OPS = frozenset((
    "associative_scan", "cast", "cond", "convert_to_numpy", "convert_to_tensor",
    "custom_gradient", "dtype", "fori_loop", "is_tensor", "map", "saturate_cast", "scan",
    "scatter", "scatter_update", "shape", "slice", "slice_update", "stop_gradient", "switch",
    "unstack", "vectorized_map", "while_loop"))


def _keras_module(op):
    """The module of the Keras class of ``op``: ``keras.src.ops.nn`` for ``"relu"``."""
    namespace, _, short = op.rpartition(".")
    if namespace:  # "image.resize"
        return f"{OPS_MODULE}.{namespace}"
    family = ("nn" if short in NN else "linalg" if short in LINALG else "math"
              if short in _MATH_OPS else "core" if short in _CORE_OPS else "einops"
              if short == "rearrange" else "numpy")
    return f"{OPS_MODULE}.{family}"
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

    def __init__(self, op, fixed=None, name=None):
        super().__init__(name=name)
        self._fn = _op_function(op)
        self.op, self.fixed = op, dict(fixed or {})
        self._other_arguments = ((), {})

    @classmethod
    def from_keras_entry(cls, entry):
        """The op node of a Keras 3 functional config entry (``class_name`` ``"Concatenate"``
        becomes ``keras.ops.concatenate``, its config's other keys fixed arguments)."""
        config = dict(entry.get("config") or {})
        name = config.pop("name", None)
        return cls(_entry_op(entry), fixed=config, name=name)

    def keras_entry(self):
        """How a functional config writes this op (Keras 3's layout)."""
        op = self.op.rpartition(".")[2]
        class_name = "".join(part.capitalize() for part in op.split("_"))
        return {"module": _keras_module(self.op),
                "class_name": class_name,
                "config": {"name": self.name, **self.fixed}, "registered_name": class_name}

    def call(self, *args, **kwargs):
        if self.op == "get_item" and isinstance(args[1], list):  # a key saved through JSON
            args = (args[0], tuple(args[1]))
        return self._fn(*args, **self.fixed, **kwargs)

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
        with no_grad():
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
    """``keras.ops.<name>(*args, **kwargs)`` with KerasTensors among the arguments. Plain
    keyword arguments (``axis=1``) become the op's own config, as Keras's op classes take
    them in their constructor; tensors stay arguments of the node."""
    plain = {k: v for k, v in kwargs.items() if not has_symbolic(v)}
    tensors = {k: v for k, v in kwargs.items() if k not in plain}
    return OpCall(name, fixed=plain, name=auto_name(name.rpartition(".")[2]))(*args, **tensors)


register_symbolic(KerasTensor, _symbolic_op)
