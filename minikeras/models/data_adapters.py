"""Batches for fit / evaluate / predict: ``ArrayBatches`` slices in-memory arrays (rows
chosen by ``data.BatchPlan``); ``BatchStream`` takes the batches of generators, iterators,
PyDatasets and Datasets, following Keras 3's epoch rules:

- an epoch is ``steps_per_epoch`` batches, or one pass over the data when that is None;
- with ``steps_per_epoch`` the same iterator continues from epoch to epoch; a source of
  known length (a PyDataset, a Dataset) starts again once it has been used up, and
  asking for more steps than it holds ends the epoch early with Keras's warning;
- a generator (or iterator) has its first two batches read when it is given (Keras reads
  them to learn the batches' structure); every pass after the first starts with those two
  again, so a used-up generator gives two batches an epoch. Running out ends the epoch
  (with Keras's "ran out of data" warning, also at the end of a first pass without
  ``steps_per_epoch``), not training;
- fit's validation data, when it is a source, starts again at every validation (Keras
  resets its evaluation iterator): a PyDataset or Dataset from its first batch, a generator
  from its two first batches and then whatever it has left;
- a PyDataset or Dataset known to be infinite needs ``steps_per_epoch`` (an error says so);
- arrays follow the same rules as a source of known length (``ArrayBatches``);
- each batch is ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``; a batch whose
  structure or per-sample shapes differ from the first one is refused, naming both.
"""
import itertools
import types
import warnings

import numpy as np

from ..utils.dataset import INFINITE_CARDINALITY, Dataset
from ..utils.model_utils import unpack_x_y_sample_weight
from ..utils.py_dataset import PyDataset, epoch_batches
from .data import take

RAN_OUT_WARNING = ("Your input ran out of data; interrupting training. Make sure that your "
                   "dataset or generator can generate at least `steps_per_epoch * epochs` "
                   "batches. You may need to use the `.repeat()` function when building your "
                   "dataset.")


def warn_ran_out():
    """Keras's warning, from one place: like Keras's, shown once per process by default."""
    warnings.warn(RAN_OUT_WARNING, stacklevel=1)


def is_batch_source(data):
    """Whether ``data`` yields batches itself (generator, iterator, PyDataset, Dataset)."""
    return isinstance(data, (PyDataset, Dataset)) or hasattr(data, "__next__")


def source_kind(data):
    """``"PyDataset"``, ``"Dataset"``, ``"generator"`` or ``"iterator"``, for messages."""
    if isinstance(data, PyDataset):
        return "PyDataset"
    if isinstance(data, Dataset):
        return "Dataset"
    return "generator" if isinstance(data, types.GeneratorType) else "iterator"


class BatchStream:
    """Epochs of ``(x, y, sample_weight)`` batches from a source that makes its own batches.

    Args:
        data: A generator or iterator, a ``PyDataset`` or a ``Dataset``.
        steps: ``steps_per_epoch`` / ``validation_steps`` / ``steps``, or None.
        what: The argument name, for messages (``"x"``, ``"validation_data"``).
        shuffle: ``fit``'s flag. A finite PyDataset's batches are then visited in a random
            order each pass (Keras's PyDataset adapter); a generator, an infinite
            PyDataset or a Dataset keeps its own order, and True then warns, as Keras does.
    """

    def __init__(self, data, steps=None, what="x", shuffle=False):
        if steps is not None and (isinstance(steps, bool) or not isinstance(
                steps, (int, np.integer)) or steps < 1):
            raise ValueError(f"steps must be a positive integer or None; received {steps!r}.")
        self.data, self.steps, self.what = data, steps, what
        self._length = _known_length(data)
        if self._length is INFINITE and steps is None:
            raise ValueError(f"{what} is an infinite {type(data).__name__}; pass steps_per_epoch "
                             f"(or steps / validation_steps) to say how many batches make an "
                             f"epoch.")
        if shuffle:
            _warn_unshuffled(data, self._length)
        self._shuffle = shuffle
        self._first_batches = _first_batches(data, what) if self._one_pass() else ()
        self._iterator = None
        self._seen = 0
        self._signature = None
        self.needs_checks = True  # batches come from user code: checked one by one

    @property
    def num_batches(self):
        """Batches per epoch, or None while unknown (a generator's first pass)."""
        if self.steps is not None:
            return self.steps if self._length in (None, INFINITE) else min(self.steps,
                                                                             self._length)
        return None if self._length is INFINITE else self._length

    def epoch(self):
        """Yield one epoch of ``(x, y, sample_weight)`` batches."""
        if isinstance(self.data, PyDataset):
            self.data.on_epoch_begin()
        if self._iterator is None or self.steps is None:
            self._iterator, self._seen = self._fresh_iterator(), 0
        step = 0
        while self.steps is None or step < self.steps:
            if self._length not in (None, INFINITE) and self._seen >= self._length:
                if self.steps is not None:
                    warn_ran_out()
                break
            try:
                batch = next(self._iterator)
            except StopIteration:
                if self._length is None:
                    self._length = self._seen  # a generator's length, learned on its first pass
                warn_ran_out()  # as Keras, also at the end of a generator's first pass
                self._iterator = None
                break
            self._seen += 1
            yield self._checked(batch, step)
            step += 1
        if self._length not in (None, INFINITE) and self._seen >= self._length:
            self._iterator = None  # used up: a PyDataset or Dataset starts again next epoch
        if isinstance(self.data, PyDataset):
            self.data.on_epoch_end()

    def restart(self):
        """Start the next epoch with a fresh pass, whatever ``steps`` is."""
        self._iterator, self._seen = None, 0

    def begin_run(self):
        """What Keras's epoch iterator reset does when fit or evaluate starts (after the
        first batch has built the model): a PyDataset's ``on_epoch_end`` runs once before
        the first epoch (a dataset reshuffling there is reshuffled before training)."""
        if isinstance(self.data, PyDataset):
            self.data.on_epoch_end()

    def first_batch(self):
        """``(x, y, sample_weight)`` of the first batch without consuming it, or None when
        it cannot be read ahead (an iterator that is not a generator's first batches)."""
        if self._first_batches:
            batch = self._first_batches[0]
        elif isinstance(self.data, PyDataset) and self._length not in (None, INFINITE, 0):
            self.data.on_epoch_begin()  # Keras reads it as the start of an epoch
            batch = self.data[0]
        else:
            return None
        return unpack_x_y_sample_weight(batch)

    def _one_pass(self):
        return not isinstance(self.data, (PyDataset, Dataset))

    def _fresh_iterator(self):
        if isinstance(self.data, PyDataset):
            return epoch_batches(self.data, shuffle=self._shuffle)
        if isinstance(self.data, Dataset):
            return self.data.as_numpy_iterator()
        # a generator or iterator: its first batches again, then whatever it has left
        return itertools.chain(self._first_batches, self.data)

    def _checked(self, batch, step):
        x, y, sample_weight = unpack_x_y_sample_weight(batch)
        signature = (_signature(x), _signature(y), _signature(sample_weight))
        if self._signature is None:
            self._signature = signature
        elif signature != self._signature:
            raise ValueError(
                f"Batch {step} of {self.what} does not match the batches before it: expected "
                f"(x, y, sample_weight) as {_describe(self._signature)}, received "
                f"{_describe(signature)}. Every batch must have the same structure and the same "
                f"shape apart from the batch size.")
        return x, y, sample_weight


INFINITE = object()  # a length marker: the source never ends
FIRST_BATCHES = 2  # the batches Keras reads from a generator when it is given


def _first_batches(data, what):
    """The first batches of a generator, read now as Keras reads them (its prints show
    before training starts); an empty one is refused, as Keras refuses it."""
    first = list(itertools.islice(data, FIRST_BATCHES))
    if not first:
        raise ValueError(f"When passing a Python generator to a Keras model, the generator "
                         f"must yield at least one batch. Received an empty generator as "
                         f"`{what}`.")
    return first


def _warn_unshuffled(data, length):
    """Keras's warning when fit's shuffle=True meets data that keeps its own order."""
    if isinstance(data, types.GeneratorType):
        kind = "a generator. The generator is expected to yield already-shuffled data."
    elif isinstance(data, PyDataset) and length is INFINITE:
        kind = "an infinite PyDataset. The PyDataset is expected to already be shuffled."
    elif isinstance(data, Dataset):  # the utils' stand-in for tf.data, named as Keras names it
        kind = ("a tf.data.Dataset. The Dataset is expected to already be shuffled (via "
                "`.shuffle(buffer_size)`).")
    else:
        return
    warnings.warn(f"`shuffle=True` was passed, but will be ignored since the data `x` was "
                  f"provided as {kind}", stacklevel=5)  # the caller of fit (past its traceback filter)


def _known_length(data):
    """Batches per pass: an int, None (unknown) or ``INFINITE``."""
    if isinstance(data, PyDataset):
        length = data.num_batches
        return INFINITE if length is None else int(length)
    if isinstance(data, Dataset):
        cardinality = data.cardinality()
        return INFINITE if cardinality == INFINITE_CARDINALITY else (
            cardinality if cardinality >= 0 else None)
    return None


def _signature(value):
    """The structure of a batch part with each array's per-sample shape and dtype kind."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {key: _signature(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return tuple(_signature(item) for item in value)
    array = np.asarray(value)
    return ("array", array.shape[1:], array.dtype.kind)


def _describe(signature):
    def part(sig):
        if sig is None:
            return "None"
        if isinstance(sig, dict):
            return "{" + ", ".join(f"{k!r}: {part(v)}" for k, v in sig.items()) + "}"
        if isinstance(sig, tuple) and (not sig or sig[0] != "array"):
            return "(" + ", ".join(part(s) for s in sig) + ")"
        return f"array of shape (batch, {', '.join(map(str, sig[1]))})" if sig[1] else \
            "array of shape (batch,)"
    return "(" + ", ".join(part(s) for s in signature) + ")"


class ArrayBatches:
    """Epochs of ``(x, y, sample_weight)`` batches sliced from checked in-memory arrays.

    The array counterpart of ``BatchStream``, so that fit / evaluate / predict run one loop
    over either: ``plan`` (a ``data.BatchPlan``) says which rows make each batch.
    """

    needs_checks = False  # the arrays were checked once, as a whole

    def __init__(self, x, y, sample_weight, plan):
        self.x, self.y, self.sample_weight, self.plan = x, y, sample_weight, plan

    def first_batch(self):
        """``(x, y, sample_weight)`` of the first batch's rows in order (Keras builds a model
        for the first batch's shapes, batch size included)."""
        rows = np.arange(min(self.plan.batch_size, self.plan.n))
        return tuple(None if data is None else take(data, rows)
                     for data in (self.x, self.y, self.sample_weight))

    @property
    def num_batches(self):
        return self.plan.steps

    def epoch(self):
        """Yield one epoch of batches (fewer than ``steps``, with Keras's warning, when the
        current pass over the arrays ends first)."""
        indices = self.plan.epoch()
        for index in indices:
            yield take(self.x, index), take(self.y, index), take(self.sample_weight, index)
        if len(indices) < self.plan.steps:
            warn_ran_out()
