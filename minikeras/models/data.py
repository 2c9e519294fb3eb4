"""Training data: input checks, validation splits, sample/class weights and batching."""
import math

import numpy as np

from .. import backend
from ..tree import flatten, map_structure


def check_array(value, name):
    """Return ``value`` as a numpy array, casting floats to floatx; reject what Keras rejects."""
    if value is None:
        return None
    if hasattr(value, "data") and isinstance(getattr(value, "data"), np.ndarray):
        value = value.data  # a Tensor or Variable
    if isinstance(value, (list, tuple)) or not hasattr(value, "shape"):
        raise ValueError(
            f"Unrecognized data type: {name}={_preview(value, 1000)} (of type {type(value)}). "
            f"Expected a numpy array; convert it with `np.asarray({name})`.")
    array = np.asarray(value)
    if array.dtype == object:
        if array.size and all(isinstance(v, (str, bytes)) for v in array.flat):
            return array.astype(str)  # text for a TextVectorization / StringLookup input
        raise ValueError(f"`{name}` has dtype object; expected numbers or strings. Received: "
                         f"{_preview(value)}")
    if np.issubdtype(array.dtype, np.floating) and array.dtype != backend.floatx():
        array = array.astype(backend.floatx())
    return array


def check_lengths(x, y, sample_weight=None):
    sizes = {"x": [len(x)]}
    if y is not None:
        sizes["y"] = [len(y)]
    if sample_weight is not None:
        sizes["sample_weight"] = [len(sample_weight)]
    _refuse_ambiguous_cardinality(sizes)


def _refuse_ambiguous_cardinality(sizes):
    """Keras's error when the arrays of ``sizes`` (label -> sample counts of its arrays)
    disagree: one line per label, its counts joined by commas."""
    if len({n for counts in sizes.values() for n in counts}) > 1:
        detail = "".join(f"'{label}' sizes: {', '.join(str(n) for n in counts)}\n"
                         for label, counts in sizes.items())
        raise ValueError("Data cardinality is ambiguous. Make sure all arrays contain the "
                         f"same number of samples.{detail}")


def check_epochs(epochs, initial_epoch):
    """``epochs`` and ``initial_epoch`` must be non-negative integers (an ``initial_epoch``
    at or past ``epochs`` trains nothing, as in Keras)."""
    for name, value in (("epochs", epochs), ("initial_epoch", initial_epoch)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"`{name}` must be a non-negative integer. Received: "
                             f"{name}={value!r}")


def check_not_empty(n, call):
    """Refuse to run ``fit`` / ``evaluate`` / ``train_on_batch`` on zero samples (a loss of
    0.0 would mean nothing)."""
    if n == 0:
        raise ValueError(f"`{call}` received empty data: x has 0 samples. Expected at least one.")


def default_batch_size(batch_size):
    """32 when not given; 0 or a negative number is an error (BatchPlan says so)."""
    return 32 if batch_size is None else batch_size


def is_structure(value):
    return isinstance(value, (list, tuple, dict))


class GivenAsTuple(list):
    """Inputs given as a tuple, held as a list like any other structure: a model's own
    train/test/predict step receives them as a tuple again (Keras keeps the container its
    user gave: a tuple as a tuple, a list as a list)."""


def check_structure(value, name):
    """A list / tuple / dict of arrays (nested as Keras allows: a batch's x may hold a tuple)
    checked one by one: lists (tuples become :class:`GivenAsTuple` lists) and dicts."""
    if isinstance(value, dict):
        return {key: check_array(item, f"{name}[{key!r}]") for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        if value and not any(isinstance(v, dict) or hasattr(v, "shape")
                             for v in flatten(value)):  # a plain nested list of numbers
            return check_array(value, name)
        checked = [check_structure(item, f"{name}[{i}]") for i, item in enumerate(value)]
        return GivenAsTuple(checked) if isinstance(value, tuple) else checked
    return check_array(value, name)


def align_outputs(value, names, name):
    """Per-output data (targets or sample weights) as a list in output order, None where absent.

    ``value`` is a list in output order or a dict keyed by output name; one array stands for
    every output only when ``name`` is ``sample_weight``.
    """
    if isinstance(value, dict):
        unknown = [key for key in value if key not in names]
        if unknown:
            raise ValueError(f"`{name}` has key(s) {unknown} that are not outputs of the model. "
                             f"Valid output names: {names}. Received keys: {list(value)}")
        return [check_array(value.get(n), f"{name}[{n!r}]") for n in names]
    if isinstance(value, (list, tuple)):
        if len(value) != len(names) and any(isinstance(v, (list, tuple)) for v in value):
            value = flatten(value)  # nested like the model's outputs: flattened as Keras does
        if len(value) != len(names):
            raise ValueError(
                f"The model has {len(names)} outputs {names}, but `{name}` is a list of "
                f"{len(value)} arrays. Give one per output (None for an output without a "
                "loss), or a dict keyed by output name.")
        return [check_array(v, f"{name}[{i}]") for i, v in enumerate(value)]
    return check_array(value, name)


def check_cardinality(**structures):
    """Every array in every structure must hold the same number of samples; returns that number."""
    sizes = {}
    for name, value in structures.items():
        if isinstance(value, dict):   # in sorted key order, as Keras flattens a dict
            arrays = [value[k] for k in sorted(value)]
        elif isinstance(value, list):
            arrays = flatten(value)  # nested as a batch's x may be
        else:
            arrays = [value]
        counts = [len(v) for v in arrays if v is not None]
        if counts:
            sizes[name] = counts
    _refuse_ambiguous_cardinality(sizes)
    return next(iter(sizes.values()))[0] if sizes else 0


def take(value, index):
    """Rows ``index`` (an index array or slice) of an array, or of each array in a (nested)
    list / dict."""
    if isinstance(value, list):
        return type(value)(take(v, index) for v in value)
    if isinstance(value, dict):
        return {k: take(v, index) for k, v in value.items()}
    if type(value) is np.ndarray and type(index) is np.ndarray and index.dtype.kind in "iu":
        return value.take(index, axis=0)  # the rows value[index] copies, in a third the time
    return None if value is None else value[index]


def num_samples(value):
    if isinstance(value, list):
        return num_samples(next(v for v in value if v is not None))
    if isinstance(value, dict):
        return num_samples(next(v for v in value.values() if v is not None))
    return len(value)


def _preview(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def split_validation(arrays, validation_split):
    """Split each array at floor(N * (1 - split)): the first part trains, the last validates."""
    if not isinstance(validation_split, (int, float)) or not 0 <= validation_split <= 1:
        raise ValueError(
            "`validation_split` must be a float in the range [0, 1). "
            f"Received: validation_split={validation_split!r}")
    n = num_samples(arrays[0])
    index = int(math.floor(n * (1.0 - validation_split)))
    if index == 0 or index == n:
        raise ValueError(
            f"Training data contains {n} samples, which is not sufficient to split it into a "
            f"validation and training set as specified by `validation_split={validation_split}`. "
            "Either provide more data, or a different value for the `validation_split` argument.")
    train = tuple(take(a, slice(None, index)) for a in arrays)
    val = tuple(take(a, slice(index, None)) for a in arrays)
    return train, val


def class_weight_to_sample_weight(y, class_weight):
    """Per-sample weights from ``{class: weight}``; one-hot labels are argmax-ed first."""
    if not isinstance(class_weight, dict):
        raise ValueError(
            f"`class_weight` must be a dict mapping class indices to weights. "
            f"Received: {class_weight!r}")
    labels = np.asarray(y)
    if labels.ndim == 2 and labels.shape[1] > 1:
        labels = labels.argmax(axis=1)
    elif labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    elif labels.ndim > 2:
        raise ValueError(
            "`class_weight` is only supported for labels of shape (n,), (n, 1) or one-hot (n, C). "
            f"Received labels of shape {labels.shape}.")
    labels = np.round(labels).astype(np.int64)
    weights = np.ones(len(labels), dtype=backend.floatx())
    for cls, weight in class_weight.items():
        weights[labels == int(cls)] = weight
    return weights


class BatchPlan:
    """Index batches over ``n`` samples: shuffled each epoch or in order, last batch kept."""

    def __init__(self, n, batch_size, shuffle=True, steps=None, generator=None):
        if not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
            raise ValueError(f"`batch_size` must be a positive integer. Received: {batch_size!r}")
        self.n, self.batch_size, self.shuffle = n, int(batch_size), shuffle
        self.num_batches = max(1, math.ceil(n / self.batch_size)) if n else 0
        self.steps = steps or self.num_batches
        self.generator = generator
        self._pending = []

    def epoch(self):
        """The index arrays (or slices) of the next epoch's batches: the next ``steps``
        batches of the current pass over the data (a new pass, shuffled anew, once the last
        one is used up). As in Keras, an epoch never runs into the next pass: when fewer than
        ``steps`` batches are left it gets only those (the caller warns)."""
        if not self._pending:
            self._pending = self._one_pass()
        batches, self._pending = self._pending[:self.steps], self._pending[self.steps:]
        return batches

    def _one_pass(self):
        bs, n = self.batch_size, self.n
        if self.shuffle is True or self.shuffle == "true":
            order = self.generator.permutation(n)
            return [order[i:i + bs] for i in range(0, n, bs)]
        if self.shuffle == "batch":
            blocks = [np.arange(i, min(i + bs, n)) for i in range(0, n, bs)]
            return [self.generator.permutation(b) for b in blocks]
        return [slice(i, min(i + bs, n)) for i in range(0, n, bs)]


def outputs_to_numpy(outputs):
    """A model's output Tensor(s) as numpy: an array, or the same (nested) list / tuple / dict
    of arrays (a layer returning a tuple among a model's outputs stays a tuple, as in Keras)."""
    return map_structure(lambda v: v.data, outputs)


def concatenate_outputs(batches):
    """``predict``'s result: the per-batch outputs (one structure each) joined along the
    batch axis, leaf by leaf."""
    return map_structure(lambda *parts: np.concatenate(parts, axis=0), *batches)


def align_targets(value, names, name):
    """``y`` or ``sample_weight`` for a model with outputs ``names``: with several outputs a
    list in output order (see ``align_outputs``); with one, that output's array (a one-entry
    list or dict of it is accepted)."""
    if len(names) > 1:
        value = align_outputs(value, names, name)
        if name == "y" and not isinstance(value, list):
            raise ValueError(f"The model has {len(names)} outputs {names}; give `y` as a "
                             "list in that order or a dict keyed by output name.")
        return value
    if isinstance(value, dict):
        if len(value) != 1 or (names != ["output"] and next(iter(value)) not in names):
            raise ValueError(f"The model has one output {names}; `{name}` must be an array, "
                             f"a one-entry list or a dict keyed by that name. Received keys: "
                             f"{list(value)}")
        value = next(iter(value.values()))
    elif isinstance(value, (list, tuple)) and value and hasattr(value[0], "shape"):
        if len(value) != 1:
            raise ValueError(f"The model has one output, but `{name}` is a list of "
                             f"{len(value)} arrays.")
        value = value[0]
    return check_array(value, name)
