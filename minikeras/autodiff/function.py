"""The Function base (one differentiable operation on raw arrays) and the primitive table.

A subclass implements ``forward(*arrays) -> array`` and
``backward(grad_output) -> tuple of input grads`` (``None`` for an input that
gets no gradient). It keeps on ``self`` whatever backward needs. Its callable form
(tensors in, tensor out) is written right under it and decorated with ``@primitive``,
which lists it in ``PRIMITIVES``: the table the gradient check runs over.

A subclass that sets ``writes_destinations = True`` may compute an input's gradient
straight into the array ``self.destination(i, dtype)`` returns (a leaf's gradient
buffer, offered by the backward pass): no temporary, no copy. Taking the array hands
that gradient over: the Function fills it and returns None in that input's place (the
array itself is accepted too; the walk then skips it all the same).

A subclass may also implement ``vjp(gy) -> tuple of input grads``: the same gradients as
``backward``, but ``gy`` and the results are Tensors computed by the primitives' callable
forms from ``gy`` and ``self.inputs``, so that they record a graph of their own (saved numpy
state enters only as constants where the derivative treats it as one: a ReLU's mask, a
dropout's keep mask). ``grad(..., create_graph=True)`` walks with it (tensor.py), which is
what a gradient of a gradient needs; a Function without it stops that walk with
``SecondOrderUnsupported``, naming itself. A fused primitive can take its formula written
with the primitives as its vjp (``recorded_vjp``): the same derivative, to any order.

A subclass sets ``replayable = True`` when its ``forward`` reads nothing but its input
arrays and the configuration its constructor was given (never an array computed from
data, as a dropout mask handed to the constructor would be): a recorded graph of such
Functions can be run again on new inputs by calling the forwards alone (replay.py). One
that draws random numbers names its source in ``draws_from`` (a callable giving the
generator of one draw): each run draws afresh, as each eager call would; one that
updates variables (a batch normalization's moving statistics) counts its assignments in
``assigns``, so a caller can check that every assignment of a step was the program's.
What the inputs alone go through is no node of the graph (Python may have chosen it by
their values) unless the class sets ``records_alone``: a computation that chooses nothing
by values and that a recorded step must run again on each batch (a loss's targets cast
to its dtype, a Rescaling of the input). Its tensor then has a creator but needs no
gradient, so a backward pass never reaches it.
"""
import numpy as np

from . import grad_mode
from .float_errors import QUIET, STATE
from .tensor import Tensor, as_tensor, grad, python_numbers_array


PRIMITIVES = {}  # name -> callable form of every primitive, filled by @primitive


def primitive(fn):
    """Register ``fn``, the callable form of a Function subclass, in ``PRIMITIVES``."""
    PRIMITIVES[fn.__name__] = fn
    return fn


class Function:
    """Base class of every primitive; calling an instance applies it to tensors."""

    inputs = ()
    generation = 0
    writes_destinations = False  # True: backward may fill the arrays ``destination`` gives
    replayable = False  # True: forward reads only its inputs and its configuration (a
    # class attribute, or set per instance where the configuration decides, as Clip's bounds)
    draws_from = None  # the random source a replayable forward draws from, if any
    assigns = 0  # how many variable assignments a replayable forward makes
    destinations = None  # set by the backward pass: its ``tensor.Offers``
    walk = None  # on a root: the order a backward pass retaining the graph ran below it
    records_alone = False  # True: a node even when no input requires grad (see __call__)

    def __call__(self, *inputs):
        # this hot path is kept free of helper calls on purpose; one pass over the inputs
        # finds the arrays and the deepest input that requires grad
        tensors, arrays, generation = inputs, [], -1
        for x in inputs:
            if not isinstance(x, Tensor):
                # python numbers by Keras's rule (abs(3) is int32), as lists already are
                tensors = [x if isinstance(x, Tensor) else as_tensor(
                    python_numbers_array(x) if isinstance(x, (bool, int, float)) else x)
                    for x in inputs]
                arrays = [t.data for t in tensors]
                generation = max([t.generation for t in tensors if t.requires_grad],
                                 default=-1)
                break
            arrays.append(x.data)
            if x.requires_grad and x.generation > generation:
                generation = x.generation
        if QUIET is None or STATE.get() is QUIET:
            out = self.forward(*arrays)
        else:  # called on its own (not inside fit or another silenced block)
            token = STATE.set(QUIET)  # float_errors.silenced spelled out: 1.3 us less a call
            try:
                out = self.forward(*arrays)
            finally:
                STATE.reset(token)
        state = grad_mode._state
        if state["anomaly"]:
            _check_finite(self, out)
        result = Tensor(out)
        if generation >= 0 and state["enabled"]:  # some input requires grad: record
            self.inputs = tensors
            self.generation = generation
            result.creator = self
            result.generation = generation + 1
            result.requires_grad = True
        elif self.records_alone and state["enabled"]:  # a node its tensor's gradient skips
            self.inputs = tensors
            result.creator = self
        return result

    def forward(self, *xs):
        raise NotImplementedError

    def backward(self, gy):
        raise NotImplementedError

    def vjp(self, gy):
        raise SecondOrderUnsupported(self)

    def destination(self, index, dtype):
        """The array input ``index``'s gradient is to be written into, if it has ``dtype``:
        offered only for a leaf whose gradient has not arrived yet, at its first place
        among the inputs (see ``tensor.Offers``). An array returned counts as that
        gradient from now on: fill it, and return None for the input from ``backward``."""
        offers = self.destinations
        if offers is None:
            return None
        inputs = self.inputs
        x = inputs[index]
        out = offers.destinations.get(id(x))
        arrived = offers.arrived
        if out is None or out.dtype != dtype or x.creator is not None or x in arrived:
            return None
        for i in range(index):
            if inputs[i] is x:
                return None
        arrived[x] = out
        return out


def recorded_vjp(fn, gy, composed):
    """Function fn's gradients for gy as recorded Tensors: those of ``composed(*fn.inputs)``,
    fn's formula written with primitives (None for an input that needs none)."""
    inputs = fn.inputs
    grads = iter(grad(composed(*inputs), [x for x in inputs if x.requires_grad], gy,
                      create_graph=True))
    return tuple(next(grads) if x.requires_grad else None for x in inputs)


class SecondOrderUnsupported(NotImplementedError):
    """``grad(..., create_graph=True)`` met a primitive whose gradient does not record."""

    def __init__(self, fn, what=None):
        name = type(fn).__name__
        super().__init__(
            f"The second-order gradient of {what or name} is not supported: "
            "grad(..., create_graph=True) differentiates the gradient of each primitive "
            f"between the output and the inputs, and primitive {name} has no differentiable "
            "gradient (a `vjp`) for this case. docs/porting.md lists the primitives that have "
            "one; take a first-order gradient (create_graph=False) through it, or build this "
            "part of the computation from those primitives.")


def _check_finite(fn, out):
    if np.issubdtype(out.dtype, np.inexact) and not np.all(np.isfinite(out)):
        raise FloatingPointError(
            f"Anomaly detected: primitive {type(fn).__name__} produced NaN or Inf.")


def unbroadcast(grad, shape):
    """Sum ``grad`` down to ``shape``: the gradient of broadcasting an input to grad's shape."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1)
    grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape) if lead or grad.shape != shape else grad
