"""Output specs found by running a call on placeholders.

A call on KerasTensors whose output no rule gives runs on placeholder values: zeros shaped
like its KerasTensor arguments, each unknown size set to a number. Where an unknown size
matters, the call runs twice with different numbers (Keras traces with 83 and 89): an
output size that differs between the two runs is unknown, one that does not is known.
Layers (and user operations) run here through ``outputs_by_running``; op nodes
(``op_call.py``) through ``probe``, with plans of their own.
"""
import re
import warnings

import numpy as np

from .. import backend
from ..autodiff import no_grad
from ..naming import name_scope
from ..ops.core import convert_to_tensor
from ..tree import flatten, map_structure
from ..variables import StatelessScope
from .keras_tensor import KerasTensor
from .masks import DROPPED_MASK

# (batch size, other unknown sizes) of a layer's two traces: Keras's 83 and 89, then 2 and
# 3 for a call that cannot run on those for real (a position Embedding of 8 rows given
# arange(83): Keras's meta device computes nothing, so its trace still works); 1 and 2
# samples, which keeps the runs cheap
LAYER_TRACES = (((1, 83), (2, 89)), ((1, 2), (2, 3)))


def probe(run, plans):
    """The output KerasTensors of the first plan whose two runs succeed, and that plan.
    ``run(batch, size)`` calls on placeholders with those sizes for the unknown batch size
    and the other unknown sizes; each plan is a pair of such ``(batch, size)``. Raises the
    first plan's error when no plan runs."""
    first_error = None
    for plan in plans:
        try:
            first, second = (run(*sizes) for sizes in plan)
        except Exception as error:  # noqa: BLE001 - any failure: try the next plan
            first_error = first_error or error
            continue
        return map_structure(merged_spec, first, second), plan
    raise first_error


def merged_spec(first, second):
    """The KerasTensor for one output of two runs whose unknown sizes differ: its sizes
    that differ between the runs are None (a number, such as ``size``'s, is a scalar)."""
    first, second = convert_to_tensor(first), convert_to_tensor(second)
    if first.ndim != second.ndim:
        raise ValueError(f"The output's rank depends on the unknown sizes of the inputs: "
                         f"shapes {first.shape} and {second.shape} for two sizes. Give the "
                         "Input the sizes this op depends on.")
    shape = tuple(a if a == b else None for a, b in zip(first.shape, second.shape))
    return KerasTensor(shape, backend.standardize_dtype(first.dtype))


def placeholder(value, size, batch):
    """Zeros for the KerasTensor ``value`` (see ``sample_shape``)."""
    return convert_to_tensor(
        backend.placeholder_array(sample_shape(value.shape, size, batch), value.dtype))


def sample_shape(shape, size, batch):
    """A KerasTensor's shape for a run on placeholders: the batch size ``batch`` unless
    declared, the other unknown sizes ``size`` (a scalar stays a scalar)."""
    if not shape:
        return ()
    return ((batch if shape[0] is None else shape[0]),) + tuple(
        size if d is None else d for d in shape[1:])


# ---- layers -------------------------------------------------------------------------------
def outputs_by_running(op, args, kwargs, strict=False):
    """The output KerasTensors of ``op`` called on ``args`` / ``kwargs`` (KerasTensors among
    them), found by running it on zeros: one sample when every size but the batch is known
    (its errors propagate), else two traces whose differing sizes are unknown (None when
    the traces fail, unless ``strict``: then the first trace's error, as Keras raises it for
    a layer with no output-shape rule of its own). As in Keras, whose traces vary the batch
    size too, an output size that follows the batch size is unknown and one that does not
    stays (positions from ``ops.arange(ops.shape(x)[1])`` embed to (6, 8), not (None, 8)).
    Their masks are not the samples': see ``symbolic._set_symbolic_masks``."""
    symbolic = symbolic_leaves(args, kwargs)
    unknown_batch = _batch_unknown(symbolic)
    if not sizes_known(symbolic):
        try:
            return probe(lambda batch, size: _sample_call(op, args, kwargs, size, batch),
                         LAYER_TRACES)[0]
        except Exception:  # noqa: BLE001 - no trace runs: the caller's fallback decides
            if strict:
                raise
            return None
    result = _sample_call(op, args, kwargs)
    if unknown_batch and not _all_batched(result):
        other = _second_sample(op, args, kwargs)
        if other is not None:
            if _ranks_differ(result, other):  # the one sample's axis squeezed away (Keras's
                # traces never use a batch of 1): runs on 2 and 3 samples tell the sizes
                result, other = other, _sample_call(op, args, kwargs, batch=3)
            return map_structure(merged_spec, result, other)
    return map_structure(
        lambda out: KerasTensor(_with_batch(tuple(out.shape), unknown_batch),
                                backend.standardize_dtype(out.dtype)), result)


def outputs_or_advice(op, args, kwargs):
    """``outputs_by_running`` for an operation that has no output-shape rule of its own (a
    user's layer without ``compute_output_shape``, a ``keras.Operation``): a call that fails
    on every trace raises its error, of its type, with Keras's advice before its message
    (the error as it is where its type takes no message alone)."""
    try:
        return outputs_by_running(op, args, kwargs, strict=True)
    except Exception as error:
        name = type(op).__name__
        message = (f"Could not automatically infer the output shape / dtype of '{op.name}' "
                   f"(of type {name}). Either the `{name}.call()` method is incorrect, or you "
                   f"need to implement the `{name}.compute_output_spec() / "
                   f"compute_output_shape()` method. Error encountered:\n\n{error}")
        try:
            advised = type(error)(message)
        except Exception:  # noqa: BLE001 - an error type with other required arguments
            raise error from None
        raise advised from error


def symbolic_leaves(args, kwargs):
    """The KerasTensors among a call's arguments."""
    return [leaf for leaf in flatten([list(args), kwargs]) if isinstance(leaf, KerasTensor)]


def sizes_known(symbolic):
    """Whether every size but the batch's is known."""
    return all(d is not None for leaf in symbolic for d in leaf.shape[1:])


def _batch_unknown(symbolic):
    """Whether a call's batch size is unknown: a KerasTensor argument's first size is None
    (a slice ``x[0]`` of an Input has a known one, and is not the call's batch)."""
    return any(leaf.shape and leaf.shape[0] is None for leaf in symbolic)


def _all_batched(result):
    """Whether each output of a sample run (batch size 1) has the sample's batch size first:
    then the unknown batch size is its first size, with no second run (the common case)."""
    return all(not out.shape or out.shape[0] == 1 for out in flatten(result))


def _ranks_differ(first, second):
    """Whether two runs' outputs differ in rank (``ops.squeeze`` on a batch of 1)."""
    return any(len(a.shape) != len(b.shape) for a, b in zip(flatten(first), flatten(second)))


def _second_sample(op, args, kwargs):
    """The outputs of a run on 2 samples, which tells the sizes that follow the batch size
    from those that do not; None if the op cannot run on 2 (then the first size is taken
    for the batch's, as for a batched output)."""
    try:
        return _sample_call(op, args, kwargs, batch=2)
    except Exception:  # noqa: BLE001 - any failure: keep the one-sample rule
        return None


def _sample_call(layer, args, kwargs, size=None, batch=1):
    """The layer's outputs for zeros shaped like its KerasTensor arguments (an unknown size
    other than the batch set to ``size``; a masked one carries an all-True mask, so that
    ``call`` sees one), run in the layer's name scope as the call that builds it. ``batch``
    samples, unless the batch size is declared: a layer may reshape to it (keras-io's
    Switch transformer on ``Input(..., batch_size=8)``)."""
    def zeros(value):
        if not isinstance(value, KerasTensor):
            return value
        tensor = placeholder(value, size, batch)
        if value._keras_mask is not None:
            tensor.mask = np.ones(sample_shape(value._keras_mask.shape, size, batch),
                                  dtype=bool)
        return tensor
    # placeholder values: a 1 / 0 or log(0) among them is no user's number to warn of; the
    # layer's own dropped mask is warned of once, by the symbolic call (_set_symbolic_masks),
    # those of the layers inside it here, as in Keras's trace
    with no_grad(), name_scope(layer.name, caller=layer), np.errstate(all="ignore"), \
            warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=DROPPED_MASK.format(
            name=re.escape(layer.name), type=re.escape(type(layer).__name__)))
        return layer(*map_structure(zeros, args), **map_structure(zeros, kwargs))


def _with_batch(shape, unknown_batch):
    """A sample run's output shape with the call's unknown batch size first. A declared
    batch size was the sample's own, so the run's first size stands (``segment_sum`` of
    6 rows into 3 segments gives 3); so does a scalar's, or a call on scalars only."""
    return (None,) + shape[1:] if shape and unknown_batch else shape


def build_sublayers_by_running(layer, input_shape, call_arguments):
    """Keras's build of a layer that has no ``build`` of its own and unbuilt sublayers (the
    functional API guide's ``CustomRNN``): before its first call, the call runs once on
    zeros of the input's shape (an unknown size as 1) with the call's other arguments
    (KerasTensors among them as zeros), with no gradient and every variable unchanged, so
    that its sublayers build; what the call does besides (a ``print``) happens once more, as
    in Keras's trace. An error, and a warning, is left to the real call. Only a build for a
    call traces (``call_arguments`` given): Keras's build from a saved config, and a
    wrapper's build of its layer, call ``build`` alone. minikeras's own layers (a Pipeline)
    are not traced: their calls build their sublayers and do nothing else a trace would
    repeat. Returns whether a trace ran to its end."""
    if call_arguments is None or type(layer).__module__.startswith("minikeras.") or all(
            sub.built for sub in layer._sublayers()):
        return False
    rest, kwargs = call_arguments

    def zeros(value):
        return placeholder(value, 1, 1) if isinstance(value, KerasTensor) else value

    inputs = _zeros_for_shapes(input_shape)
    try:
        # the metrics' variables given as they are: the scope restores them on exit, also
        # when a metric updates its arrays in place
        kept = [(v, v.data) for v in layer.metrics_variables]
        with no_grad(), StatelessScope(kept), name_scope(layer.name, caller=layer), \
                np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zeros of batch 1: the real call warns
            layer._run_call(inputs, map_structure(zeros, tuple(rest)),
                            map_structure(zeros, dict(kwargs)))
    except Exception:  # noqa: BLE001 - the real call runs next and raises it
        return False
    return True


def _zeros_for_shapes(shapes):
    """Float zeros for each shape in ``shapes`` (a shape, or a list / tuple / dict of them)."""
    if isinstance(shapes, dict):
        return {key: _zeros_for_shapes(value) for key, value in shapes.items()}
    if isinstance(shapes, (list, tuple)) and not all(
            d is None or isinstance(d, int) for d in shapes):
        return type(shapes)(_zeros_for_shapes(value) for value in shapes)
    return placeholder(KerasTensor(tuple(shapes)), 1, 1)
