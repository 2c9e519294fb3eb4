"""The training step's forward pass and loss, recorded and then run as a program.

Keras runs ``fit``'s step compiled: traced on the first batch, then executed as a graph,
without the Python of the layers (``run_eagerly=True`` asks for that Python every step).
minikeras does the same with the graph its primitives record (``autodiff/replay.py``): for
each signature of batch (the arrays' shapes and dtypes), the forward pass and loss of two
steps are recorded; when the two recordings are one program, the steps that follow with
that signature run the program's forwards alone and the backward pass walks its graph.
The numbers are the eager step's, bit for bit: the same forwards run in the same order.

A step is recorded only where nothing outside the graph can matter: the model's ``call``
and ``compute_loss`` and every layer's ``call`` are minikeras's own (a user's class may
choose by values, or change things, in ways no graph shows; a ``Lambda`` runs the user's
function), so are the losses; the model has one output; no variable is assigned during the
forward pass and loss but by the primitives (BatchNormalization's moving statistics and the
draws a Dropout or noise layer counts in its seed generator's state are assigned by
theirs); and the graph itself passes ``replay.record``: replayable primitives only (a
Dropout or noise layer's, which draws its noise itself, is; noise drawn outside a primitive
is not), no masks, no array computed outside the graph, one draw per random source. Every
other step runs eagerly, as before.
"""
import numpy as np

from ..autodiff import grad_mode
from ..autodiff.replay import NotReplayable, Program, record
from ..autodiff.tensor import Tensor
from ..layers.core import Lambda
from ..variables import Variable, assignment_count, structure_version

SIGNATURES = 8  # batch signatures remembered per model (a last, smaller batch is another)
_REFUSED = "refused"  # a signature whose step is not replayable


class StepReplays:
    """One model's recorded steps, by batch signature: a first recording waiting for a
    second to compare with, an accepted program, or refused."""

    def __init__(self):
        self._entries = {}

    def clear(self):
        """Forget every recording (and the arrays their graphs hold)."""
        self._entries.clear()

    def forward_and_loss(self, model, fed, eager):
        """``(y_pred, loss, kept)`` for the batch arrays ``fed`` (x, y, sample weight; None
        where absent): the program's run when one is accepted for their signature, else
        ``eager()``'s pair, recorded when the step qualifies. ``kept``: the graph belongs to
        a recording, so the backward pass must retain it (``grad(retain_graph=True)``)."""
        key = _signature(fed)
        entry = self._entries.get(key) if key is not None else _REFUSED
        if isinstance(entry, Program):
            if _replays_now(model):
                y_pred, loss = entry.run([a for a in fed if a is not None])
                return y_pred, loss, True
            y_pred, loss = eager()  # this step only (run_eagerly set, a layer observed)
            return y_pred, loss, False
        if entry is _REFUSED or not _replays_now(model):
            y_pred, loss = eager()
            return y_pred, loss, False
        assignments = assignment_count()
        y_pred, loss = eager()
        program = self._recorded(model, y_pred, loss, fed, assignments)
        if program is None:
            self._remember(key, _REFUSED)
            return y_pred, loss, False
        if entry is None:  # the first recording: kept to compare the second with
            self._remember(key, (program,))
        else:  # the second: one program with the first, or refused
            self._remember(key, program if entry[0].same_as(program) else _REFUSED)
        return y_pred, loss, True

    @staticmethod
    def _recorded(model, y_pred, loss, fed, assignments):
        """The Program of the step just run eagerly, or None where it may not be replayed
        (checked after the step: a deferred "crossentropy" resolves its loss in it)."""
        if not isinstance(y_pred, Tensor) or not isinstance(loss, Tensor) \
                or not _records_steps(model):
            return None
        try:
            program = record([y_pred, loss], [a for a in fed if a is not None],
                             lambda leaf: isinstance(leaf, Variable))
        except NotReplayable:
            return None
        # every variable assigned was assigned by the program's primitives, which a run repeats
        return program if assignment_count() - assignments == program.assignments else None

    def _remember(self, key, entry):
        if key not in self._entries and len(self._entries) >= SIGNATURES:
            self._entries.clear()
        self._entries[key] = entry


def _signature(fed):
    """The batch's signature (which arrays are given, their shapes and dtypes, which are
    one array given twice, and the model's structure version), or None when one is not a
    numpy array."""
    parts = [structure_version()]
    for i, array in enumerate(fed):
        if array is None:
            parts.append(None)
        elif type(array) is np.ndarray:
            first = next(j for j in range(i + 1) if fed[j] is array)  # fit(x, x): shared
            parts.append((array.shape, array.dtype, first))
        else:
            return None
    return tuple(parts)


def _replays_now(model):
    """Whether nothing asks for the eager step now: ``run_eagerly``, anomaly detection
    (which checks each primitive's output), a disabled tape, or a layer whose ``call`` is
    wrapped on the instance (a Diagnostics callback observing it, rematerialization)."""
    state = grad_mode._state
    return not (model.run_eagerly or state["anomaly"]) and state["enabled"] and not any(
        "call" in layer.__dict__ for layer in model._layers_within())


def _records_steps(model):
    """Whether the model's steps may be recorded (``_replays_now`` given): see the
    module's docstring."""
    if not (_library_code(type(model).call) and _library_code(type(model).compute_loss)) \
            or len(model._compiled_outputs) != 1:
        return False
    if model._compile_loss is None or not all(
            _library_code(loss) for loss in model._compile_loss.loss_objects()):
        return False
    return all(_library_code(type(layer).call) and not isinstance(layer, Lambda)
               for layer in model._layers_within())


def _library_code(obj):
    """Whether ``obj`` (a function, or a loss object and the function it wraps) is
    minikeras's own code."""
    if not callable(obj):
        return False
    functions = [obj] if not hasattr(obj, "call") else [type(obj).call,
                                                        getattr(obj, "fn", None)]
    return all((getattr(f, "__module__", None) or "").startswith("minikeras.")
               for f in functions if f is not None)
