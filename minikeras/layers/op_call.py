"""A ``keras.ops`` call (or an operator such as ``x + y``, ``x[:, 0]``) on KerasTensors,
recorded as a node of the functional graph.

Keras 3 records such calls as operations of the model; here each becomes an ``OpCall``
layer that holds the op's *name* (never code). A functional config writes it as Keras
does (``{"module": "keras.src.ops.numpy", "class_name": "Concatenate", "config":
{"name": ...}}``, the arguments in its node), and loading looks the name up among the public ``keras.ops``
functions only. It is not a registered layer: it exists only inside functional graphs.
"""
import functools
import inspect
import operator

import numpy as np

from .. import ops
from ..autodiff import no_grad
from ..autodiff.reductions import axis_index
from ..naming import auto_name, to_snake_case
from ..ops.dispatch import register_symbolic
from .layer import Layer
from .op_classes import OP_CLASSES, REQUIRED
from ..tree import flatten, map_structure
from .keras_tensor import KerasTensor, has_symbolic
from .output_probe import placeholder, probe, sample_shape

_OPERATORS = {"get_item": operator.getitem}  # x[key]: Keras names this op GetItem
OPS_MODULE = "keras.src.ops"  # the module a functional config names for an op node
# (batch size, other unknown sizes) of the two runs that infer an op's output: primes far
# apart, so that a pooled or strided unknown axis differs too (Keras traces with 83 and 89),
# a small batch to keep the runs cheap; then, for ops whose axes must agree with the batch
# (a matmul contracting an unknown axis with another tensor's batch), all sizes equal; then
# sizes with many divisors, for ops that cut an unknown axis into blocks (space_to_depth)
PROBES = (((2, 83), (3, 89)), ((2, 2), (3, 3)), ((2, 48), (3, 72)))
# the last resort, for two or more arguments whose batch axes do not line up ((None, 6, 8)
# + (None, 8) where a layer's output has lost a size to None): a batch of 1, which
# broadcasts against any size; the output's first axis is then taken for the batch
LAST_RESORT = ((1, 83), (1, 89))


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
    _allow_non_tensor_positional_args = True  # an op's operands (Keras runs it as an op)

    def __init__(self, op, fixed=None, name=None):
        super().__init__(name=name)
        self._fn = _op_function(op)
        self.op, self.fixed = op, dict(fixed or {})
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
        args, kwargs = self._with_fixed(args, kwargs)
        return self._fn(*args, **kwargs)

    def build_from_shape(self, input_shape, call_arguments=None):
        self.built = True  # an op has no weights; its output comes from compute_output_spec

    def compute_output_spec(self, *args, **kwargs):
        """The op's output KerasTensors for KerasTensor arguments, as Keras's op classes
        give them: from a rule where Keras's output spec follows the call's literal
        arguments (``reshape``'s new shape, ``x[key]``), otherwise by running the op on
        zeros. Every unknown axis, the batch's too, is tried with two sizes: an output axis
        whose size differs between the runs is unknown (``squeeze`` keeps an unknown axis,
        ``sum(x, axis=0)`` drops the batch axis, ``transpose`` moves it)."""
        rule = _OUTPUT_RULES.get(self.op)
        if rule is None:
            return self._output_by_running(args, kwargs)
        op_args, op_kwargs = self._with_fixed(args, kwargs)

        def run(*tensors):
            """The output found by running the op; on ``tensors`` in place of its
            KerasTensor arguments (in order) when given."""
            if not tensors:
                return self._output_by_running(args, kwargs)
            substitutes = iter(tensors)
            return self._output_by_running(*map_structure(
                lambda v: next(substitutes) if isinstance(v, KerasTensor) else v,
                (list(args), kwargs)))
        return rule(run, *op_args, **op_kwargs)

    def _output_by_running(self, args, kwargs):
        """The output KerasTensors of two runs on placeholders (``PROBES``, then
        ``LAST_RESORT`` for two or more batched arguments); the first runs' error when
        none run."""
        batched = sum(1 for t in flatten([list(args), kwargs])
                      if isinstance(t, KerasTensor) and t.shape and t.shape[0] is None)
        outputs, plan = probe(functools.partial(self._run_on_zeros, args, kwargs),
                              PROBES + ((LAST_RESORT,) if batched > 1 else ()))
        return outputs if plan is not LAST_RESORT else map_structure(_unknown_batch, outputs)

    def _with_fixed(self, args, kwargs):
        """The op function's arguments: the fixed config entries it takes by position first,
        the others among the keywords (as ``call`` passes them)."""
        lead = [self.fixed[name] for name in self._leading]
        rest = {k: v for k, v in self.fixed.items() if k not in self._leading}
        return (*lead, *args), {**rest, **kwargs}

    def _run_on_zeros(self, args, kwargs, batch, size):
        """The op's outputs on zeros shaped like its KerasTensor arguments (see
        ``output_probe.sample_shape``); a ``linalg`` op's are identity matrices instead
        (zeros have no inverse, no Cholesky factor)."""
        identity = self._fn in _LINALG_FUNCTIONS

        def zeros(value):
            if not isinstance(value, KerasTensor):
                return value
            if identity and len(value.shape) >= 2:
                shape = sample_shape(value.shape, size, batch)
                return ops.convert_to_tensor(np.broadcast_to(
                    np.eye(*shape[-2:], dtype=value.dtype), shape))
            return placeholder(value, size, batch)
        args, kwargs = map_structure(zeros, (list(args), kwargs))
        with no_grad(), np.errstate(all="ignore"):  # zeros: 1 / 0 here warns of nothing
            return self.call(*args, **kwargs)

    def get_config(self):
        return {"op": self.op, "fixed": dict(self.fixed), "name": self.name}


def _unknown_batch(output):
    """``output`` with its first axis unknown (a scalar as it is)."""
    return KerasTensor((None,) + tuple(output.shape[1:]), output.dtype) if output.shape \
        else output


def _reshaped(run, x, newshape, *args, **kwargs):
    """Keras's reshape of an input with unknown sizes: the new shape as written, each -1
    (and each size that is not a number) unknown. ``reshape(x, (12,))`` of a ``(None, 3,
    4)`` input is ``(12,)``, ``(2, -1, 2)`` is ``(2, None, 2)``."""
    newshape = (newshape,) if isinstance(newshape, (int, np.integer)) else tuple(newshape)
    if sum(1 for d in newshape if isinstance(d, (int, np.integer)) and d == -1) > 1:
        raise ValueError("There must be at most one unknown dimension (-1) in `newshape`. "
                         f"Received: newshape={newshape}.")
    if None not in x.shape and None not in newshape:
        return run()  # every size known: the run finds them (and checks the total)
    sizes = tuple(d if isinstance(d, (int, np.integer)) and d != -1 else None
                  for d in newshape)
    return KerasTensor(sizes, x.dtype)


def _broadcast(run, x, shape):
    """Keras's ``broadcast_to``: the shape as written, whatever the input's unknown sizes,
    once the input's known sizes broadcast to it."""
    _broadcast_shape(_static_shape(x), tuple(shape))
    return KerasTensor(tuple(shape), x.dtype)


def _indexed(run, x, key):
    """``x[key]``: as the run found it, except that Keras leaves a slice of an unknown
    axis unknown (``x[:, 0:2]`` of a ``(None, None, 4)`` input is ``(None, None, 4)``)."""
    output, unknown = run(), _sliced_unknown_axes(tuple(x.shape), key)
    if not unknown:
        return output
    return KerasTensor(tuple(None if axis in unknown else d
                             for axis, d in enumerate(output.shape)), output.dtype)


def _sliced_unknown_axes(shape, key):
    """The output axes of ``x[key]`` (``x`` of ``shape``) that slice an unknown axis of
    ``x``; empty for a key of arrays or tensors (whose output the run gives)."""
    key = key if isinstance(key, tuple) else (key,)
    if not all(k is None or k is Ellipsis or isinstance(k, (int, np.integer, slice))
               for k in key):
        return set()
    consumed = sum(1 for k in key if k is not None and k is not Ellipsis)
    if Ellipsis not in key:
        key = key + (Ellipsis,)
    at = key.index(Ellipsis)
    key = key[:at] + (slice(None),) * (len(shape) - consumed) + key[at + 1:]
    unknown, out_axis, in_axis = set(), 0, 0
    for k in key:
        if k is None:  # a new axis of size 1
            out_axis += 1
            continue
        if isinstance(k, slice):
            if shape[in_axis] is None:
                unknown.add(out_axis)
            out_axis += 1
        in_axis += 1
    return unknown


def _unstacked(run, x, num=None, axis=0):
    """Keras's ``unstack``: ``num`` tensors when the axis's size is unknown (which the runs,
    whose sizes differ, cannot give)."""
    if x.shape[axis] is None and num is not None:
        shape = list(x.shape)
        del shape[axis]
        return [KerasTensor(tuple(shape), x.dtype) for _ in range(num)]
    return run()


def _split_unknown(run, x, indices_or_sections, axis=0):
    """``split`` (``vsplit``: along the first axis) into equal pieces: Keras's pieces of an
    unknown axis are unknown, as many as asked for (the runs' placeholder sizes need not
    divide)."""
    shape = _static_shape(x)
    if not isinstance(indices_or_sections, (int, np.integer)) or shape[axis] is not None:
        return run()
    return [KerasTensor(shape, x.dtype) for _ in range(int(indices_or_sections))]


def _diagonal_unknown(run, x, offset=0, axis1=0, axis2=1):
    """``diagonal``: Keras leaves its length unknown when either axis's size is (the runs'
    sizes, both larger than the other axis's, would give the known one's)."""
    output, shape = run(), _static_shape(x)
    if None not in (shape[axis1], shape[axis2]):
        return output
    return KerasTensor(tuple(output.shape[:-1]) + (None,), output.dtype)


def _segmented(run, data, segment_ids, num_segments=None, **kwargs):
    """A ``segment_*`` op: without ``num_segments`` the number of segments follows the ids'
    values, unknown (the runs' zeros make one)."""
    output = run()
    if num_segments is not None:
        return output
    return KerasTensor((None,) + tuple(output.shape[1:]), output.dtype)


def _value_sized(run, *args, size=None, **kwargs):
    """Ops whose output length follows the input's values (``nonzero``, ``unique`` without
    ``size``, ``bincount``, ``where`` of a condition alone): each output's last axis
    unknown (the runs' zeros give one length)."""
    outputs = run()
    if size is not None:
        return outputs
    return map_structure(lambda output: KerasTensor(
        tuple(output.shape[:-1]) + (None,), output.dtype), outputs)


def _where(run, condition, x1=None, x2=None):
    """``where``: of a condition alone, the positions where it holds (``_value_sized``);
    of three operands, their broadcast (``_broadcast_operands``)."""
    if x1 is None and x2 is None:
        return _value_sized(run)
    return _broadcast_operands(run, condition, x1, x2)


def _per_sample_loss(run, target, output, *args, **kwargs):
    """``ctc_loss``: one loss per sample, in the logits' dtype (the runs' zero lengths are no
    valid input)."""
    return KerasTensor(tuple(output.shape[:1]), output.dtype)


def _keeps_input_dtype(run, x, *args, **kwargs):
    """Keras's output spec of an activation (``sigmoid``, ``softmax``, ...), ``rsqrt`` and
    ``erf``: the input's dtype, integers included (a run would give floats)."""
    output = run()
    return KerasTensor(output.shape, x.dtype) if isinstance(x, KerasTensor) else output


def _static_shape(x):
    """A KerasTensor's or array's shape (None where unknown); a number's ()."""
    return tuple(getattr(x, "shape", ()))


def _matmul_checked(run, x1, x2):
    """``matmul``: Keras's check of the inner sizes on the static shapes (unknown sizes
    pass), before the run on placeholders."""
    inner1 = _static_shape(x1)[-1:] or (None,)
    shape2 = _static_shape(x2)
    inner2 = shape2[-2:-1] if len(shape2) > 1 else shape2[-1:] or (None,)
    if None not in (inner1[0], inner2[0]) and inner1[0] != inner2[0]:
        raise ValueError("Inner dimensions (`x1.shape[-1]` and `x2.shape[-2]`) must be equal, "
                         f"but received `x1.shape={_static_shape(x1)}` and "
                         f"`x2.shape={_static_shape(x2)}`.")
    if inner1[0] is None and inner2[0] is not None and isinstance(x1, KerasTensor) and x1.shape:
        # an unknown inner size takes the other operand's (the runs' sizes would not match)
        x1 = KerasTensor(x1.shape[:-1] + inner2, x1.dtype)
    elif inner2[0] is None and inner1[0] is not None and isinstance(x2, KerasTensor) \
            and len(x2.shape) > 1:
        x2 = KerasTensor(x2.shape[:-2] + inner1 + x2.shape[-1:], x2.dtype)
    return run(*(x for x in (x1, x2) if isinstance(x, KerasTensor)))


def _broadcast_shape(shape1, shape2):
    """Keras's broadcast of two static shapes, aligned from the last axis: an unknown size
    beside a known one (other than 1) takes it, beside 1 or unknown stays unknown."""
    rank = max(len(shape1), len(shape2))
    out = []
    for a, b in zip((1,) * (rank - len(shape1)) + tuple(shape1),
                    (1,) * (rank - len(shape2)) + tuple(shape2)):
        if a is not None and b is not None and 1 not in (a, b) and a != b:
            raise ValueError(f"Cannot broadcast shape, the failure dim has value {a}, which "
                             f"cannot be broadcasted to {b}. Input shapes are: "
                             f"{list(shape1)} and {list(shape2)}.")
        known = [d for d in (a, b) if d not in (None, 1)]
        out.append(known[0] if known else None if None in (a, b) else 1)
    return tuple(out)


def _with_known_sizes(x, shape):
    """The KerasTensor ``x`` with each unknown size that the broadcast ``shape`` knows set
    to it (so that runs on placeholders broadcast); anything else as it is."""
    if not isinstance(x, KerasTensor):
        return x
    tail = shape[len(shape) - len(x.shape):]
    return KerasTensor(tuple(t if d is None else d for d, t in zip(x.shape, tail)), x.dtype)


def _broadcast_operands(run, *operands):
    """An element-wise op of ``operands`` (``where``'s condition and two values): Keras's
    broadcast of their static shapes, the dtype of a run on operands whose unknown sizes
    the broadcast knows are set to them ((None, None, 4) + (None, 3, 4) is (None, 3, 4))."""
    shape = ()
    for operand in operands:
        shape = _broadcast_shape(shape, _static_shape(operand))
    tensors = [_with_known_sizes(x, shape) for x in operands if isinstance(x, KerasTensor)]
    output = run(*tensors)
    return KerasTensor(shape, output.dtype)


def _broadcast_checked(run, x1, x2, *args, **kwargs):
    """An element-wise op of two values (see ``_broadcast_operands``)."""
    return _broadcast_operands(run, x1, x2)


def _concatenate_checked(run, xs, axis=0):
    """``concatenate``: Keras's check that the static shapes agree off ``axis`` (unknown
    sizes pass), then a run of each value in the first value's shape off ``axis`` (as
    Keras, that shape's unknown sizes stay unknown beside known ones)."""
    first = _static_shape(xs[0])
    along = axis % len(first) if first else 0
    for x in xs[1:]:
        shape = _static_shape(x)
        if len(shape) != len(first) or any(
                i != along and None not in (a, b) and a != b
                for i, (a, b) in enumerate(zip(shape, first))):
            raise ValueError("Every value in `xs` must have the same shape except on the "
                             f"`axis` dim. But found element of shape {shape}, which is "
                             f"different from the first element's shape {first}.")
    return run(*(KerasTensor(tuple(d if i == along else f for i, (d, f) in
                                   enumerate(zip(x.shape, first))), x.dtype)
                 for x in xs if isinstance(x, KerasTensor)))


def _vstack_checked(run, xs):
    """``vstack``: ``concatenate`` along the first axis."""
    return _concatenate_checked(run, xs, axis=0)


def _hstack_checked(run, xs):
    """``hstack``: ``concatenate`` along the second axis (the first, of vectors)."""
    return _concatenate_checked(run, xs, axis=1 if len(_static_shape(xs[0])) > 1 else 0)


def _stacked(run, xs, axis=0):
    """``stack``: Keras's check that the static shapes agree (unknown sizes pass), then the
    first value's shape with the new axis, each value run in that shape (the runs'
    placeholder sizes for unknown axes would not match a known size beside them)."""
    first = _static_shape(xs[0])
    for x in xs[1:]:
        shape = _static_shape(x)
        if len(shape) != len(first) or any(None not in (a, b) and a != b
                                           for a, b in zip(shape, first)):
            raise ValueError("Every value in `x` must have the same shape. But found element "
                             f"of shape {shape},  which is different from the first "
                             f"element's shape {first}.")
    return run(*(KerasTensor(first, x.dtype) for x in xs if isinstance(x, KerasTensor)))


def _einsum_checked(run, subscripts, *operands):
    """``einsum``: Keras's check that each operand has as many axes as its subscript
    (a subscript with ``...`` takes any number more), before the run."""
    terms = subscripts.replace(" ", "").partition("->")[0].split(",") \
        if isinstance(subscripts, str) else ()
    for term, operand in zip(terms, operands):
        shape = _static_shape(operand)
        if "..." not in term and len(term) != len(shape):
            raise ValueError(
                "Number of dimensions in the subscript does not match the number of "
                f"dimensions in the operand, received subscript `{term}` and operand of "
                f"shape {[-1 if d is None else d for d in shape]}.")
    return run()


def _axes(axis):
    """An axis argument (an int, or a list or tuple of them) as a tuple."""
    return tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)


def _squeeze_checked(run, x, axis=None):
    """``squeeze``: Keras's check that each axis named has size 1 (or is unknown)."""
    shape = _static_shape(x)
    for a in () if axis is None else _axes(axis):
        if -len(shape) <= a < len(shape) and shape[a] not in (1, None):
            raise ValueError(f"Cannot squeeze axis {a}, because the dimension is not 1.")
    return run()


def _expand_dims_checked(run, x, axis):
    """``expand_dims``: Keras's check that each new axis lies in the output's rank."""
    rank = len(_static_shape(x)) + len(_axes(axis))
    for a in _axes(axis):
        axis_index(a, rank)
    return run()


def _conv_checked(run, inputs, kernel, *args, **kwargs):
    """``conv``: Keras's check that the kernel has the input's rank."""
    if len(_static_shape(kernel)) != len(_static_shape(inputs)):
        raise ValueError("Kernel shape must have the same length as input, but received "
                         f"kernel of shape {_static_shape(kernel)} and input of shape "
                         f"{_static_shape(inputs)}.")
    return run()


_LINALG_FUNCTIONS = frozenset(
    getattr(ops.linalg, name) for name in dir(ops.linalg) if not name.startswith("_"))

# op name -> rule(run, *op arguments, **op keywords) giving Keras's output spec, where
# run() gives the output found by running the op on zeros
_OUTPUT_RULES = {
    "matmul": _matmul_checked,
    "concatenate": _concatenate_checked,
    "stack": _stacked,
    "vstack": _vstack_checked,
    "hstack": _hstack_checked,
    "einsum": _einsum_checked,
    "squeeze": _squeeze_checked,
    "expand_dims": _expand_dims_checked,
    "conv": _conv_checked,
    **dict.fromkeys(("add", "subtract", "multiply", "divide", "true_divide", "maximum",
                     "minimum", "power", "floor_divide", "mod", "arctan2", "hypot",
                     "logaddexp", "copysign", "heaviside", "equal", "not_equal", "greater",
                     "greater_equal", "less", "less_equal", "logical_and", "logical_or",
                     "logical_xor", "divide_no_nan", "isclose", "fmax", "fmin", "fmod",
                     "logaddexp2", "nextafter"), _broadcast_checked),
    "reshape": _reshaped,
    "broadcast_to": _broadcast,
    "unstack": _unstacked,
    "diagonal": _diagonal_unknown,
    **dict.fromkeys(("split", "array_split", "vsplit"), _split_unknown),
    **dict.fromkeys(("segment_sum", "segment_max", "segment_min", "segment_prod"),
                    _segmented),
    **dict.fromkeys(("nonzero", "unique", "bincount"), _value_sized),
    "where": _where,
    "ctc_loss": _per_sample_loss,
    "get_item": _indexed,
    **dict.fromkeys((
        "relu6", "sigmoid", "sparse_sigmoid", "softplus", "softsign", "soft_shrink", "sparse_plus",
        "silu", "swish", "squareplus", "log_sigmoid", "leaky_relu", "hard_sigmoid",
        "hard_silu", "hard_swish", "elu", "selu", "gelu", "celu", "glu", "tanh_shrink",
        "hard_tanh", "hard_shrink", "threshold", "softmax", "log_softmax", "sparsemax",
        "rsqrt", "erf", "erfinv"), _keeps_input_dtype),
}


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


@functools.lru_cache(maxsize=None)
def _signature(op_function):
    """``inspect.signature`` of a ``keras.ops`` function (or operator), read once: a call on
    KerasTensors reads it twice, at ~25 us each."""
    return inspect.signature(op_function)


def _split_arguments(name, args, kwargs):
    """(config, call args, call kwargs) of an op call. An op Keras does not have (or a call
    that does not fit the function's signature) keeps its plain keyword arguments as config."""
    entry = OP_CLASSES.get(name)
    if entry is None:
        return _plain_keywords_as_config(args, kwargs)
    try:
        signature = _signature(_op_function(name))
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
        params = list(_signature(fn).parameters.values())
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
