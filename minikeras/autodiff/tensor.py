"""Tensor: an array that remembers the Function that made it, and backpropagation."""
import heapq
import itertools
import math

import numpy as np

from .. import backend
from . import grad_mode, parallel
from .float_errors import silenced


class Tensor:
    """An array plus what reverse-mode autodiff needs.

    Attributes:
        data: the numpy array.
        grad: accumulated gradient (leaf tensors only, after ``backward``).
        creator: the Function that produced this tensor, or None for a leaf.
        generation: depth in the graph; backward runs from high to low.
        requires_grad: whether gradients flow to this tensor.

    Side channels (information that travels with a value but is not part of it) have
    named slots here, never global tables:

        logits: for a probability output (softmax / sigmoid), the tensor of logits it
            was computed from, so a crossentropy can use the stable logits formula
            (set by ``keras.activations``; read by ``losses/crossentropy.py``).
        mask: a boolean array, True where the value counts: entries of a loss to leave
            out of its average (``ignore_class``), or the timesteps of a sequence to
            skip. Keras's spelling ``tensor._keras_mask`` reads and writes the same slot.
    """

    __slots__ = ("data", "grad", "creator", "generation", "requires_grad", "name", "logits",
                 "mask", "__weakref__")
    __array_priority__ = 1000

    def __init__(self, data, requires_grad=False, name=None):
        self.data = data if isinstance(data, np.ndarray) else np.asarray(data)
        self.grad = None
        self.creator = None
        self.generation = 0
        self.requires_grad = requires_grad
        self.name = name
        self.logits = None
        self.mask = None

    @property
    def _keras_mask(self):
        """Keras's name for :attr:`mask`."""
        return self.mask

    @_keras_mask.setter
    def _keras_mask(self, value):
        self.mask = value

    # ---- array-like surface -------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def size(self):
        return self.data.size

    @property
    def dtype(self):
        return self.data.dtype

    def numpy(self):
        return self.data

    def __array__(self, dtype=None, copy=None):
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def __len__(self):
        return len(self.data)

    def __float__(self):
        return float(self._one_element())

    def __int__(self):
        return int(self._one_element())

    def _one_element(self):
        """The single element of a tensor of any rank (``int(ops.argmax(x, axis=1))`` on one
        row, as torch's tensors convert); a tensor of more elements refuses, as torch's do."""
        if self.data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self.data.item()

    def __index__(self):  # a scalar integer Tensor as a size or index (torch's tensors too)
        return self.data.__index__()

    def __bool__(self):
        return bool(self.data)

    def __repr__(self):
        return f"Tensor({self.data!r})"

    def __str__(self):
        """The values as numpy prints them (``print(ops.ones(2))`` shows ``[1. 1.]``), as
        Keras's jax and numpy backends print their arrays."""
        return str(self.data)

    def __format__(self, spec):
        """A scalar formats as its number (``f"{loss:.4f}"``, as torch's tensors do)."""
        if self.data.ndim == 0:
            return format(self.data.item(), spec)
        return format(str(self), spec)

    def __round__(self, ndigits=None):
        return round(self.data.item(), ndigits)

    def item(self):
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    # ---- backpropagation ----------------------------------------------------------
    def backward(self, grad=None, retain_graph=False):
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf that requires grad."""
        for leaf, g in backprop(self, grad, retain_graph).items():
            leaf.grad = g if leaf.grad is None else leaf.grad + g


# How a list holding tensors becomes one tensor that keeps their gradients (Keras's
# convert_to_tensor stacks such a list, so ``ops.sum(model.losses)`` trains): shape.py's
# stack, registered there because shape.py builds on this module.
_STACK = []


def stack_lists_with(stack):
    """Make ``stack(list_of_tensors)`` the conversion of a list holding recorded tensors."""
    _STACK[:] = [stack]


def holds_recorded(x):
    """Whether the (nested) list or tuple ``x`` holds a tensor that requires grad."""
    return any(v.requires_grad if isinstance(v, Tensor) else
               isinstance(v, (list, tuple)) and holds_recorded(v) for v in x)


def python_numbers(x):
    """True if ``x`` is a (nested) list/tuple of python numbers only."""
    return all(python_numbers(v) if isinstance(v, (list, tuple))
               else isinstance(v, (bool, int, float, complex)) for v in x)


def python_numbers_array(x):
    """The array of a (nested) list of python numbers by Keras's rule: int32 / floatx /
    complex64, not numpy's 64 bits (int64 only for ints beyond int32)."""
    arr = np.asarray(x)
    if arr.dtype == np.float64:
        return arr.astype(backend.floatx())
    if arr.dtype == np.complex128:
        return arr.astype(np.complex64)
    if arr.dtype == np.int64 and arr.size and \
            np.iinfo(np.int32).min <= arr.min() and arr.max() <= np.iinfo(np.int32).max:
        return arr.astype(np.int32)
    return arr


_CONSTANTS = {}  # (number, dtype) -> read-only 0-d array; at most CONSTANTS entries
CONSTANTS = 1024


def number_constant(number, dtype):
    """``np.asarray(number, dtype)`` for a python number, read-only and the same array for
    the same number and dtype from call to call: a graph computed with python numbers
    (``x * 0.5``) then holds the same constants each time it is built, as a recorded step
    run again needs (replay.py). NaN and -0.0, which a dict cannot tell apart, are made
    afresh."""
    key = (number, dtype)
    array = _CONSTANTS.get(key)
    if array is None:
        array = np.asarray(number, dtype=dtype)
        if number != number or (number == 0 and math.copysign(1, number) < 0):
            return array
        if len(_CONSTANTS) >= CONSTANTS:
            _CONSTANTS.clear()
        array.flags.writeable = False
        _CONSTANTS[key] = array
    return array


def array_dtype(x):
    """The numpy dtype of a tensor's or an array's values (a Variable's ``dtype`` is Keras's
    name, a str), or None for what has none (a python number)."""
    return x.data.dtype if isinstance(x, Tensor) else getattr(x, "dtype", None)


def as_tensor(x, dtype=None):
    """Wrap ``x`` as a Tensor (tensors pass through; python numbers become floatx arrays,
    lists of them follow Keras's dtypes; a list holding recorded tensors is stacked, its
    gradient flowing back to each)."""
    if isinstance(x, Tensor):
        return x
    if dtype is None and isinstance(x, (list, tuple)):
        if holds_recorded(x):
            return _STACK[0]([as_tensor(v) for v in x])
        if python_numbers(x):
            return Tensor(python_numbers_array(x))
    if isinstance(x, (bool, int, float)):
        return Tensor(number_constant(x, np.dtype(dtype or backend.floatx())))
    return Tensor(np.asarray(x, dtype=dtype))


class _FreedGraph:
    """A tensor's ``creator`` once a backward pass has freed the graph below it (a freed
    Function keeps no inputs either): a reverse pass that reaches either raises
    ``freed_graph_error`` instead of finding no gradient."""

    inputs = ()
    generation = 0
    walk = None


FREED = _FreedGraph()


def freed_graph_error():
    return RuntimeError(
        "grad() reached a part of the graph that an earlier grad() freed: each grad() frees "
        "the graph it walks unless given retain_graph=True. When two gradients share one "
        "forward pass (a GAN step's generator and discriminator losses from one generated "
        "batch, as two tapes take them), pass retain_graph=True to the first grad(), or run "
        "the forward pass again.")


def backprop(root, grad=None, retain_graph=False, destinations=None, watched=()):
    """Run reverse mode once from ``root``; return {leaf tensor: gradient}, with the
    gradients of the ``watched`` tensors (computed ones too, e.g. a layer's output) beside.

    The walk is iterative and generation-ordered (a Function runs only after
    every consumer of its output has contributed), so deep graphs never touch
    Python's recursion limit. Unless ``retain_graph``, the graph is freed (the root's
    creator becomes ``FREED``), and a later pass that reaches it raises.
    ``destinations`` maps ``id(leaf)`` to an array the leaf's gradient is written
    into as soon as it arrives (later contributions are added in place); that
    array is then the leaf's entry in the result. A Function that ``writes_destinations``
    is offered the array of each leaf input whose gradient has not arrived yet, and
    may compute that gradient into it directly (the offer taken records the arrival,
    and the Function returns None for that input).

    A walk that retains the graph leaves its order on the root's creator (``walk``: the
    Functions it ran after the root, in order), when it ran every Function the graph
    holds below the root (no gradient of a computed tensor was None); a later walk from
    that root runs that order instead of ordering by generation again (a recorded step's
    graph, walked each step), skipping what no gradient reaches. The same Functions in
    the same order: each gradient is summed in the same order.
    """
    if grad is None:
        grad = np.empty_like(root.data)  # not np.ones_like: its Python wrapper costs ~1 us
        grad.fill(1)
    else:
        grad = np.asarray(grad, dtype=root.data.dtype)
    leaves = {}
    watched = {id(x) for x in watched if x.creator is not None}
    if id(root) in watched:
        leaves[root] = grad.copy()
    if root.creator is None:
        if root.requires_grad:
            out = destinations.get(id(root)) if destinations else None
            if out is not None:
                np.copyto(out, grad)
                grad = out
            leaves[root] = grad
        return leaves
    first = root.creator
    pending = {first: grad}
    counter = itertools.count()
    heap = walked = None  # walked: the Functions run, while the order may be kept
    if first.walk is None:
        heap, walked = [(-first.generation, next(counter), first)], []
        schedule = _by_generation(heap, walked)
    else:
        schedule = itertools.chain((first,), first.walk)
    push = heapq.heappush
    destinations = destinations or None
    offers = None if destinations is None else Offers(destinations, leaves)
    with silenced():  # inf and nan arrive without numpy's warnings, as in Keras
        for fn in schedule:
            gy = pending.pop(fn, None)
            if gy is None:  # in an order walked before: no gradient reached it this time
                continue
            inputs = fn.inputs
            if not inputs:  # every recorded Function has inputs until a pass frees it
                raise freed_graph_error()
            if offers is not None and fn.writes_destinations:
                fn.destinations = offers
                gxs = fn.backward(gy)
                fn.destinations = None
            else:
                gxs = fn.backward(gy)
            for x, gx in zip(inputs, gxs):
                if gx is None or not x.requires_grad:
                    if walked is not None and x.creator is not None and x.requires_grad:
                        walked = None  # a Function left out: this order is not every walk's
                    continue
                creator = x.creator
                if creator is None:  # a leaf: collect its gradient (into its destination, if any)
                    out = None if destinations is None else destinations.get(id(x))
                    if out is None:
                        leaves[x] = leaves[x] + gx if x in leaves else gx
                    elif gx is not out:  # (handed back, the array arrived when it was taken)
                        if x in leaves:
                            np.add(out, gx, out=out)
                        else:
                            np.copyto(out, gx)
                            leaves[x] = out
                else:
                    if watched and id(x) in watched:  # a computed tensor asked for: keep its sum
                        leaves[x] = leaves[x] + gx if x in leaves else gx.copy()
                    if creator in pending:
                        pending[creator] = pending[creator] + gx
                    else:
                        pending[creator] = gx
                        if heap is not None:
                            push(heap, (-creator.generation, next(counter), creator))
            if not retain_graph:
                fn.inputs = ()
    if not retain_graph:
        root.creator = FREED
    elif walked is not None:
        first.walk = walked[1:]  # without the root: its list would hold it in a cycle
    return leaves


def _by_generation(heap, walked):
    """The Functions of a backward pass from the heap of pending ones (deepest generation
    first, ties in the order they were reached: the Functions the walk pushes as it goes),
    each appended to ``walked`` as it is handed out."""
    pop = heapq.heappop
    while heap:
        fn = pop(heap)[2]
        walked.append(fn)
        yield fn


class Offers:
    """The destination arrays one backward pass offers to the Functions it runs.

    ``destinations`` maps ``id(leaf)`` to its array; ``arrived`` holds the leaves whose
    gradient has arrived. ``Function.destination`` reads them: a leaf's array is offered
    only before any contribution to it has arrived, and only to its first use among a
    Function's inputs; the offer taken is the arrival (it adds the leaf to ``arrived``).
    """

    __slots__ = ("destinations", "arrived")

    def __init__(self, destinations, arrived):
        self.destinations, self.arrived = destinations, arrived


def grad(output, inputs, output_grad=None, retain_graph=False, out=None, unreached=None,
         create_graph=False, unconnected_gradients="none"):
    """Return d(output)/d(input) for each of ``inputs``; an input may be a leaf (a
    variable, a watched array) or a tensor computed on the way to ``output`` (a layer's
    output: Grad-CAM's gradient for a convolution's feature maps).

    Where no path reaches an input, its gradient is None, as ``tf.GradientTape.gradient``
    gives it (``apply_gradients`` then skips that variable, with Keras's warning);
    ``unconnected_gradients="zero"`` (the tape's other option) gives zeros instead.

    With ``out`` (one array per input, shaped like it), each gradient is written into
    its array as the backward pass produces it, and ``out`` itself is returned; with
    ``unreached`` (a list) too, the positions of the inputs no path reaches are appended.

    With ``create_graph`` (torch's name), the gradients are Tensors that record how they
    were computed, so an expression of them can be differentiated again, to any order (a
    gradient penalty); the graph is kept (``retain_graph`` implied). See
    ``recorded_gradients``.
    """
    if unconnected_gradients not in ("none", "zero"):
        raise ValueError("`unconnected_gradients` must be 'none' or 'zero'. Received: "
                         f"unconnected_gradients={unconnected_gradients!r}")
    parallel.warm_blas()  # once per process: small products at full speed from here on
    if create_graph:
        if out is not None:
            raise ValueError("grad(create_graph=True) returns Tensors that record; it "
                             "cannot write into `out` arrays. Received out=[...] too.")
        found = recorded_gradients(output, inputs, output_grad)
        return [_unconnected(x, unconnected_gradients, Tensor) if g is None else g
                for x, g in zip(inputs, found)]
    if out is None:
        leaves = backprop(output, output_grad, retain_graph, watched=inputs)
        return [leaves[x] if x in leaves else _unconnected(x, unconnected_gradients)
                for x in inputs]
    if len(out) != len(inputs):
        raise _out_mismatch(inputs, out)
    destinations = {}  # one pass checks the shapes and maps each input to its array
    for x, o in zip(inputs, out):
        if o.shape != x.data.shape:
            raise _out_mismatch(inputs, out)
        destinations[id(x)] = o
    leaves = backprop(output, output_grad, retain_graph, destinations=destinations,
                      watched=inputs)
    for i, (x, o) in enumerate(zip(inputs, out)):
        if x.creator is not None and x in leaves:
            np.copyto(o, leaves[x])
        elif x not in leaves:
            o.fill(0)
            if unreached is not None:
                unreached.append(i)
    return out


def _unconnected(x, mode, kind=np.asarray):
    """The gradient ``grad`` gives an input no path reaches: None, or zeros (``kind``)."""
    return None if mode == "none" else kind(np.zeros_like(x.data))


def recorded_gradients(output, inputs, output_grad=None):
    """d(output)/d(input) for each of ``inputs`` as Tensors that record (None where no
    path exists), for ``grad(..., create_graph=True)``.

    A walk of its own beside ``backprop`` (which stays as fast as it was: no check per
    Function, numpy arrays throughout): generation-ordered as that one, it calls each
    Function's ``vjp`` (Tensors in, Tensors out, recorded even inside ``no_grad``) instead
    of ``backward``, visits only the Functions on a path from an input to ``output`` (a
    GAN's penalty, asked for the interpolated images, does not walk into the generator),
    and frees nothing. A Function without a ``vjp`` raises ``SecondOrderUnsupported``.
    """
    wanted = {id(x) for x in inputs}
    seed = output_grad if isinstance(output_grad, Tensor) else Tensor(
        np.ones_like(output.data) if output_grad is None
        else np.asarray(output_grad, dtype=output.data.dtype))
    found = {id(output): seed} if id(output) in wanted else {}
    on_paths = _functions_reaching(output, wanted)
    with grad_mode.enable_grad(), silenced():  # as backprop: inf and nan without warnings
        if output.creator in on_paths:
            _walk_recorded(output.creator, seed, wanted, on_paths, found)
    return [found.get(id(x)) for x in inputs]


def _walk_recorded(first, seed, wanted, on_paths, found):
    """Run the recorded reverse pass from Function ``first`` (its output's gradient
    ``seed``), adding each wanted tensor's gradient into ``found`` (by id)."""
    counter = itertools.count()
    pending = {first: seed}
    heap = [(-first.generation, next(counter), first)]
    while heap:
        fn = heapq.heappop(heap)[2]
        for x, gx in zip(fn.inputs, fn.vjp(pending.pop(fn))):
            if gx is None or not x.requires_grad:
                continue
            if id(x) in wanted:
                found[id(x)] = found[id(x)] + gx if id(x) in found else gx
            creator = x.creator
            if creator is None or creator not in on_paths:
                continue
            if creator in pending:
                pending[creator] = pending[creator] + gx
            else:
                pending[creator] = gx
                heapq.heappush(heap, (-creator.generation, next(counter), creator))


def _functions_reaching(output, wanted):
    """The Functions of ``output``'s graph from which a tensor whose id is in ``wanted``
    is reached going back through inputs that require grad (an iterative depth-first
    pass: deep graphs never touch Python's recursion limit)."""
    reaches = {}  # Function -> whether a wanted tensor lies at or below one of its inputs
    stack = [output.creator] if output.creator is not None else []
    while stack:
        fn = stack[-1]
        if fn in reaches:
            stack.pop()
            continue
        if not fn.inputs:
            raise freed_graph_error()
        below = [x.creator for x in fn.inputs
                 if x.requires_grad and x.creator is not None and x.creator not in reaches]
        if below:
            stack.extend(below)
            continue
        stack.pop()
        reaches[fn] = any(id(x) in wanted or (x.creator is not None and reaches[x.creator])
                          for x in fn.inputs if x.requires_grad)
    return {fn for fn, reached in reaches.items() if reached}


def _out_mismatch(inputs, out):
    return ValueError(
        "grad(out=...) needs one array per input, shaped like it. Received shapes "
        f"{[tuple(o.shape) for o in out]} for inputs of shapes "
        f"{[tuple(x.shape) for x in inputs]}.")
