"""A recorded forward computation, run again on new input arrays.

The graph the primitives record (each Tensor's ``creator`` and that Function's ``inputs``)
is a program: its Functions, each after the ones its inputs come from. When every Function
in it is ``replayable`` (its ``forward`` reads its input arrays and the configuration it
was made with, nothing else) and every leaf is one of the arrays fed in, a reshaped view of
one, a piece of state read when the program runs (a variable) or a read-only constant,
calling the forwards again in that order with new fed arrays computes, bit for bit, what
the Python that built the graph would compute, without that Python. The Tensors stay:
each run sets their ``data``, so a backward pass walks the same graph (``grad`` with
``retain_graph=True``), its Functions holding what the run's forwards saved for it.

What the graph cannot show is decided by the caller: that the Python which built it made
no choice depending on values and changed nothing outside it (models/step_replay.py
records only built-in layers, and compares two recordings before running one again).
"""
import numpy as np

from .tensor import Tensor

_RUN_STATE = ("inputs", "generation", "destinations", "walk")  # set per call, not configuration


class NotReplayable(Exception):
    """A graph that cannot be run again as recorded; the message says what stops it."""


class Program:
    """The Functions under some output Tensors, in an order to run them, and the leaves
    fed in (``feeds``: ``(leaf, index into the fed arrays, shape to view it as or None)``)."""

    def __init__(self, steps, feeds, outputs):
        self.steps = steps  # [(fn, the Tensor it made)], each after its inputs' makers
        self.feeds = feeds
        self.outputs = outputs
        self.assignments = sum(fn.assigns for fn, _ in steps)  # variables a run assigns

    def run(self, fed):
        """Compute the outputs again from the arrays ``fed`` (shaped as those recorded)."""
        for leaf, index, shape in self.feeds:
            leaf.data = fed[index] if shape is None else fed[index].reshape(shape)
        for fn, out in self.steps:
            out.data = fn.forward(*[x.data for x in fn.inputs])
        return self.outputs

    def same_as(self, other):
        """Whether ``other`` (a recording of another call) is this program: the same
        Functions with the same configuration, wired the same way to the same state and
        constants."""
        if len(self.steps) != len(other.steps) or len(self.feeds) != len(other.feeds):
            return False
        mine, theirs = self._places(), other._places()
        for (fn, _), (their_fn, _) in zip(self.steps, other.steps):
            if type(fn) is not type(their_fn) or not _same_config(fn, their_fn) \
                    or len(fn.inputs) != len(their_fn.inputs):
                return False
            for x, y in zip(fn.inputs, their_fn.inputs):
                place, their_place = mine.get(id(x)), theirs.get(id(y))
                if place is None or their_place is None:  # state or a constant: the same one
                    if place is not their_place or (x is not y and x.data is not y.data):
                        return False
                elif place != their_place:
                    return False
        return True

    def _places(self):
        """Where each computed or fed tensor comes from: ("step", i) or ("feed", ...)."""
        places = {id(out): ("step", i) for i, (_, out) in enumerate(self.steps)}
        places.update((id(leaf), ("feed", index, shape)) for leaf, index, shape in self.feeds)
        return places


def record(outputs, fed, is_state):
    """The Program computing the Tensors ``outputs`` from the arrays ``fed``.

    ``is_state(leaf)`` says which other leaves are read when the program runs (variables);
    any other leaf must be a read-only constant. Raises NotReplayable, naming the reason,
    for a Function that is not ``replayable``, a Function met twice, a tensor carrying a
    mask, a leaf that is none of these (an array computed outside the graph), or two
    Functions drawing from one random source (the order of their draws, the graph does
    not show)."""
    steps, feeds, done = [], [], set()
    makers, sources = set(), []
    stack = list(outputs)
    while stack:
        t = stack[-1]
        if id(t) in done:
            stack.pop()
            continue
        if t.mask is not None:
            raise NotReplayable("a tensor carries a mask")
        fn = t.creator
        if fn is None:
            stack.pop()
            done.add(id(t))
            where = _fed_as(t.data, fed)
            if where is not None:
                feeds.append((t,) + where)
            elif not is_state(t) and t.data.flags.writeable:
                raise NotReplayable("an input was computed outside the recorded graph")
            continue
        if not fn.replayable:
            raise NotReplayable(f"primitive {type(fn).__name__} is not replayable")
        waiting = [x for x in fn.inputs if id(x) not in done]
        if waiting:
            stack.extend(waiting)
            continue
        stack.pop()
        done.add(id(t))
        if id(fn) in makers:
            raise NotReplayable(f"one {type(fn).__name__} made two tensors")
        makers.add(id(fn))
        if fn.draws_from is not None:
            if any(fn.draws_from == source for source in sources):
                raise NotReplayable("two primitives draw from one random source")
            sources.append(fn.draws_from)
        steps.append((fn, t))
    return Program(steps, feeds, list(outputs))


def _fed_as(array, fed):
    """(index, None) when ``array`` is ``fed[index]``, (index, shape) when it is all of
    that array's memory in C order in another shape (a reshaped view); else None. A view
    of memory two fed arrays share (``x`` and ``y`` slices of one array) is refused: which
    one it was made from, the graph does not show."""
    for index, source in enumerate(fed):
        if array is source:
            return index, None
    viewed = [index for index, source in enumerate(fed)
              if array.ctypes.data == source.ctypes.data and array.size == source.size
              and array.dtype == source.dtype and array.flags.c_contiguous
              and source.flags.c_contiguous]
    if len(viewed) > 1:
        raise NotReplayable("an input views memory that several fed arrays share")
    return (viewed[0], array.shape) if viewed else None


def compared(*values):
    """Whether a recording compares these configuration values of a Function: arrays it
    leaves out (they hold what a run computed), and a tensor's values may change between
    runs. A Function configured with either cannot be ``replayable``."""
    return not any(isinstance(value, (np.ndarray, Tensor)) for value in values)


def _same_config(fn, other):
    """Whether two Functions of one type were made with equal configuration (their
    attributes other than arrays, which hold what a run computed, and the call's own)."""
    mine, theirs = _configuration(fn), _configuration(other)
    return mine.keys() == theirs.keys() and all(_equal(value, theirs[key])
                                                for key, value in mine.items())


def _configuration(fn):
    return {key: value for key, value in vars(fn).items()
            if key not in _RUN_STATE and not isinstance(value, np.ndarray)}


def _equal(a, b):
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    try:
        same = a == b
    except Exception:  # a value without equality (or one that refuses to compare)
        return False
    return same is True or isinstance(same, np.bool_) and bool(same)
