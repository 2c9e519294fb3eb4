"""The dataset object the ``keras.utils.*_dataset_from_*`` functions return.

Keras returns a ``tf.data.Dataset``; minikeras returns this class, which offers the part
of ``tf.data`` that Keras scripts call on those results, on numpy arrays:

=======================  ===============================================================
offered                  ``__iter__`` (numpy batches), ``as_numpy_iterator``,
                         ``cardinality``, ``len``, ``batch``, ``padded_batch``,
                         ``unbatch``, ``shuffle``,
                         ``take``, ``skip``, ``map``, ``filter``, ``repeat``, ``cache``,
                         ``prefetch``, ``concatenate``, ``enumerate``, ``zip``,
                         ``from_tensor_slices``, ``from_tensors``, ``class_names`` and
                         ``file_paths`` (on the directory datasets)
not offered              ``interleave``, ``window``, ``rebatch``,
                         ``group_by_window``, ``element_spec``, ``save``/``load``,
                         distribution options (an ``AttributeError`` says so)
=======================  ===============================================================

An element is a numpy array, or a tuple, list or dict of them (``(x, y)``, ``(x, y,
sample_weight)``, ``{"name": x}``). A ``for`` loop over a dataset hands each array out as an
``EagerArray``: a numpy array that also has an EagerTensor's ``.numpy()``, so a script's
``images[0].numpy()`` runs; ``as_numpy_iterator`` (and ``fit``) take plain arrays. A dataset
is re-iterable: each ``for`` loop (each epoch) starts again from the beginning, reshuffled
when ``shuffle`` asked for it.

Differences from ``tf.data`` to know: a seeded ``shuffle`` is reproducible but draws its
own order (TensorFlow's random stream cannot be reproduced without TensorFlow); strings
are Python ``str`` in object arrays, not ``bytes``; ``map`` calls a Python function on
numpy arrays (no graph tracing).
"""
import itertools
import random

import numpy as np

from ..random import global_generator
from ..tree import flatten, map_structure
from .worker_pool import AUTOTUNE, ordered_results, prefetched, resolve_workers

INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2
_PREFETCH_AUTOTUNE_SIZE = 2  # batches kept ready when prefetch(AUTOTUNE)
_NOT_OFFERED = ("interleave", "window", "rebatch", "group_by_window",
                "element_spec", "save", "load", "with_options", "options", "bucket_by_sequence_length",
                "ragged_batch", "sparse_batch", "snapshot", "scan", "flat_map", "shard")


class EagerArray(np.ndarray):
    """A numpy array as a ``for`` loop over a ``Dataset`` hands it out: tf.data gives
    EagerTensors there, and scripts read them with ``.numpy()``."""

    def numpy(self):
        """This array as a plain numpy array (a view)."""
        return self.view(np.ndarray)


def _eager(element):
    """``element`` with its arrays (and numpy scalars, as 0-d arrays) as EagerArrays."""
    return map_structure(lambda a: np.asarray(a).view(EagerArray)
                         if isinstance(a, (np.ndarray, np.generic)) else a, element)


class Dataset:
    """A re-iterable pipeline of numpy elements (``tf.data.Dataset``'s common methods).

    Build one with ``Dataset.from_tensor_slices`` or receive one from a
    ``keras.utils.*_dataset_from_*`` function; every method returns a new dataset.

    Args:
        make_iterator: Function of no argument returning a fresh iterator over the
            elements (called once per pass).
        cardinality: Number of elements, ``INFINITE_CARDINALITY`` (-1) or
            ``UNKNOWN_CARDINALITY`` (-2).

    Example:

    >>> ds = Dataset.from_tensor_slices((np.arange(5), np.arange(5) * 10)).batch(2)
    >>> [y.tolist() for _, y in ds]
    [[0, 10], [20, 30], [40]]
    """

    def __init__(self, make_iterator, cardinality=UNKNOWN_CARDINALITY):
        self._make_iterator = make_iterator
        self._cardinality = int(cardinality)
        self._rows = None  # from_tensor_slices's arrays, which batch() slices directly

    # ------------------------------------------------------------- constructors

    @classmethod
    def from_tensor_slices(cls, tensors):
        """One element per row of ``tensors`` (an array, or a tuple/list/dict of arrays
        of equal length), as ``tf.data.Dataset.from_tensor_slices``."""
        tensors = map_structure(np.asarray, tensors)
        lengths = {len(a) if a.ndim else None for a in flatten(tensors)}
        if None in lengths or len(lengths) != 1:
            raise ValueError(f"from_tensor_slices needs arrays with the same first dimension; "
                             f"received shapes {[a.shape for a in flatten(tensors)]}.")
        (length,) = lengths
        dataset = cls(lambda: (map_structure(lambda a: a[i], tensors) for i in range(length)),
                      length)
        dataset._rows = tensors
        return dataset

    @classmethod
    def from_tensors(cls, tensors):
        """A dataset of one element, ``tensors`` itself."""
        tensors = map_structure(np.asarray, tensors)
        return cls(lambda: iter([tensors]), 1)

    @staticmethod
    def zip(*datasets):
        """Elements are tuples of the given datasets' elements (shortest one decides)."""
        if len(datasets) == 1 and isinstance(datasets[0], (tuple, list)):
            datasets = tuple(datasets[0])
        for ds in datasets:
            _check_dataset(ds, "Dataset.zip")
        known = [ds.cardinality() for ds in datasets if ds.cardinality() >= 0]
        cardinality = (min(known) if known else
                       INFINITE_CARDINALITY if all(ds.cardinality() == INFINITE_CARDINALITY
                                                   for ds in datasets) else UNKNOWN_CARDINALITY)
        return Dataset(lambda: zip(*(ds.as_numpy_iterator() for ds in datasets)), cardinality)

    # ------------------------------------------------------------- reading

    def __iter__(self):
        elements = iter(self._make_iterator())
        try:
            for element in elements:
                yield _eager(element)
        finally:  # a loop left early closes the source too (a prefetch thread stops)
            close = getattr(elements, "close", None)
            if close is not None:
                close()

    def as_numpy_iterator(self):
        """An iterator over the elements as plain numpy arrays."""
        return iter(self._make_iterator())

    def cardinality(self):
        """Number of elements, or -1 (infinite) / -2 (unknown), as ``tf.data``."""
        return self._cardinality

    def __len__(self):
        if self._cardinality == INFINITE_CARDINALITY:
            raise TypeError("The dataset is infinite.")
        if self._cardinality == UNKNOWN_CARDINALITY:
            raise TypeError("The dataset length is unknown.")
        return self._cardinality

    def __getattr__(self, name):
        if name in _NOT_OFFERED:
            raise AttributeError(f"minikeras's Dataset does not offer tf.data's {name!r}; see "
                                 f"docs/data.md for the methods it offers.")
        raise AttributeError(f"'Dataset' object has no attribute {name!r}")

    # ------------------------------------------------------------- transformations

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None,
              deterministic=None):
        """Stack ``batch_size`` consecutive elements into one (the last may be smaller).

        ``num_parallel_calls`` and ``deterministic`` are tf.data performance hints;
        stacking is one numpy call per batch, so they change nothing here.
        """
        batch_size = _positive_int(batch_size, "batch_size")
        if self._rows is not None:
            # Slicing the arrays gives the same batches as stacking single rows, without a
            # Python step per row: fit from from_tensor_slices(...).batch(64) ran at 0.68x
            # the speed of fit on the arrays when stacking, 0.9x+ when slicing.
            return self._sliced(batch_size, drop_remainder)
        return self._grouped(batch_size, drop_remainder, _stack)

    def _sliced(self, batch_size, drop_remainder):
        rows, n = self._rows, self._cardinality
        stop = n - n % batch_size if drop_remainder else n

        def batches():
            for start in range(0, stop, batch_size):
                yield map_structure(lambda a: a[start:start + batch_size], rows)
        return Dataset(batches, -(-stop // batch_size))

    def _grouped(self, batch_size, drop_remainder, combine):
        """Consecutive groups of ``batch_size`` elements, each combined into one."""
        def batches():
            source = self.as_numpy_iterator()
            while True:
                chunk = list(itertools.islice(source, batch_size))
                if not chunk or (drop_remainder and len(chunk) < batch_size):
                    return
                yield combine(chunk)

        n = self._cardinality
        cardinality = n if n < 0 else (n // batch_size if drop_remainder
                                       else -(-n // batch_size))
        return Dataset(batches, cardinality)

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None,
                     drop_remainder=False, name=None):
        """Batch elements of different shapes, padding each array at its end.

        Args:
            batch_size: Elements per batch.
            padded_shapes: None (pad every axis to the longest in the batch) or a structure
                like the elements' of shapes whose None entries mean "longest in the
                batch" and whose ints fix that axis's length.
            padding_values: Value to pad with (one for all arrays); default 0.
            drop_remainder: Drop a last, smaller batch.
        """
        batch_size = _positive_int(batch_size, "batch_size")
        fill = 0 if padding_values is None else padding_values

        def padded(elements):
            return _pad_stack(elements, padded_shapes, fill)
        return self._grouped(batch_size, drop_remainder, padded)

    def unbatch(self):
        """Split each element along its first axis into single elements."""
        def elements():
            for batch in self.as_numpy_iterator():
                parts = flatten(batch)
                size = len(parts[0])
                for i in range(size):
                    yield map_structure(lambda a: a[i], batch)
        return Dataset(elements, UNKNOWN_CARDINALITY if self._cardinality >= 0
                       else self._cardinality)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=True, name=None):
        """Shuffle through a buffer of ``buffer_size`` elements, as ``tf.data`` does.

        Each output is drawn at random from the buffer, which is refilled from the input;
        a buffer at least as large as the dataset gives a full shuffle. With a ``seed`` the
        orders are reproducible: pass ``k`` of the dataset uses the generator
        ``np.random.default_rng([seed, k])`` (or the same order every pass when
        ``reshuffle_each_iteration=False``); without a seed, one is drawn from minikeras's
        global generator, so ``keras.utils.set_random_seed`` makes the orders repeat.
        """
        buffer_size = _positive_int(buffer_size, "buffer_size")
        base_seed = global_generator().integers(0, 2**63 - 1) if seed is None else seed
        passes = itertools.count()

        def shuffled():
            rng = np.random.default_rng([base_seed, next(passes) if reshuffle_each_iteration
                                         else 0])
            buffer = []
            for element in self.as_numpy_iterator():
                if len(buffer) < buffer_size:
                    buffer.append(element)
                    continue
                i = rng.integers(len(buffer))
                yield buffer[i]
                buffer[i] = element
            while buffer:
                yield buffer.pop(rng.integers(len(buffer)))
        return Dataset(shuffled, self._cardinality)

    def take(self, count):
        """The first ``count`` elements (all of them when ``count`` is -1)."""
        count = int(count)
        if count < 0:
            return self
        n = self._cardinality
        return Dataset(lambda: itertools.islice(self.as_numpy_iterator(), count),
                       min(n, count) if n >= 0 else count if n == INFINITE_CARDINALITY else n)

    def skip(self, count):
        """All but the first ``count`` elements."""
        count = int(count)
        n = self._cardinality
        return Dataset(lambda: itertools.islice(self.as_numpy_iterator(), max(count, 0), None),
                       max(n - count, 0) if n >= 0 else n)

    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """Apply ``map_func`` to each element; a tuple element is passed as ``*args``.

        ``num_parallel_calls`` > 1 (or ``AUTOTUNE``) runs the calls on that many threads,
        results in order (``deterministic`` is accepted; the order is always kept).
        """
        def call(element):
            return map_func(*element) if isinstance(element, tuple) else map_func(element)

        def mapped():
            if num_parallel_calls is None:
                return map(call, self.as_numpy_iterator())
            workers = resolve_workers(num_parallel_calls)
            return ordered_results(call, self.as_numpy_iterator(), workers=workers,
                                   max_queue_size=2 * workers)
        return Dataset(mapped, self._cardinality)

    def filter(self, predicate, name=None):
        """Keep the elements for which ``predicate`` (tuple elements as ``*args``) is true."""
        def kept():
            for element in self.as_numpy_iterator():
                keep = predicate(*element) if isinstance(element, tuple) else predicate(element)
                if bool(np.asarray(keep)):
                    yield element
        return Dataset(kept, UNKNOWN_CARDINALITY if self._cardinality >= 0
                       else self._cardinality)

    def repeat(self, count=None, name=None):
        """The elements ``count`` times over (forever when ``count`` is None or -1)."""
        forever = count is None or count == -1
        n = self._cardinality
        if n == 0:
            cardinality = 0
        elif forever:
            cardinality = INFINITE_CARDINALITY
        else:
            cardinality = n * int(count) if n >= 0 else n

        def repeated():
            passes = itertools.count() if forever else range(int(count))
            return itertools.chain.from_iterable(self.as_numpy_iterator() for _ in passes)
        return Dataset(repeated, cardinality)

    def cache(self, filename=""):
        """Keep the elements in memory after the first complete pass (no file cache)."""
        if filename:
            raise ValueError("Dataset.cache keeps elements in memory only; a file cache "
                             f"(filename={filename!r}) is not offered.")
        store = []

        def cached():
            if store:
                return iter(store[0])
            return _record(self.as_numpy_iterator(), store)
        return Dataset(cached, self._cardinality)

    def prefetch(self, buffer_size, name=None):
        """Produce up to ``buffer_size`` elements ahead on a background thread
        (``AUTOTUNE``: 2), so loading overlaps training."""
        size = _PREFETCH_AUTOTUNE_SIZE if buffer_size == AUTOTUNE else _positive_int(
            buffer_size, "buffer_size")
        return Dataset(lambda: prefetched(self.as_numpy_iterator(), size), self._cardinality)

    def concatenate(self, dataset, name=None):
        """This dataset's elements, then ``dataset``'s."""
        _check_dataset(dataset, "concatenate")
        a, b = self._cardinality, dataset.cardinality()
        cardinality = a + b if a >= 0 and b >= 0 else (
            INFINITE_CARDINALITY if INFINITE_CARDINALITY in (a, b) else UNKNOWN_CARDINALITY)
        return Dataset(lambda: itertools.chain(self.as_numpy_iterator(),
                                               dataset.as_numpy_iterator()), cardinality)

    def enumerate(self, start=0, name=None):
        """Elements ``(i, element)`` with ``i`` an int64 array counting from ``start``."""
        return Dataset(lambda: ((np.int64(i), e)
                               for i, e in enumerate(self.as_numpy_iterator(), start)),
                       self._cardinality)

    def __repr__(self):
        return f"<Dataset cardinality={self._cardinality}>"


def _record(source, store):
    """Yield from ``source``, saving the elements in ``store`` once the pass completes."""
    seen = []
    for element in source:
        seen.append(element)
        yield element
    if not store:
        store.append(seen)


def _check_dataset(value, where):
    if not isinstance(value, Dataset):
        raise TypeError(f"{where} expects Dataset objects; received {type(value).__name__}.")


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer; received {value!r}.")
    return int(value)


def _stack(elements):
    """Stack same-structured elements along a new first axis."""
    first = elements[0]
    if isinstance(first, (tuple, list)):
        return type(first)(_stack([e[i] for e in elements]) for i in range(len(first)))
    if isinstance(first, dict):
        return {key: _stack([e[key] for e in elements]) for key in first}
    try:
        return np.stack(elements)
    except ValueError as exc:
        shapes = sorted({np.shape(e) for e in elements})
        raise ValueError(f"Cannot batch elements of different shapes {shapes}: resize them to "
                         f"one shape first (e.g. with map), or batch with batch_size=1.") from exc


def _pad_stack(elements, padded_shapes, fill):
    """Stack elements after padding each array (at the end of each axis) to a common shape."""
    first = elements[0]
    if isinstance(first, (tuple, list)):
        shapes = padded_shapes if padded_shapes is not None else [None] * len(first)
        return type(first)(_pad_stack([e[i] for e in elements], shapes[i], fill)
                           for i in range(len(first)))
    if isinstance(first, dict):
        shapes = padded_shapes if padded_shapes is not None else {}
        return {key: _pad_stack([e[key] for e in elements], shapes.get(key), fill)
                for key in first}
    arrays = [np.asarray(e) for e in elements]
    longest = np.max([a.shape for a in arrays], axis=0) if arrays[0].ndim else ()
    target = [int(m) if padded_shapes is None or padded_shapes[i] is None
              else int(padded_shapes[i]) for i, m in enumerate(longest)]
    out = np.full((len(arrays), *target), fill, dtype=arrays[0].dtype)
    for i, a in enumerate(arrays):
        if any(size > limit for size, limit in zip(a.shape, target)):
            raise ValueError(f"padded_batch: an element of shape {a.shape} does not fit the "
                             f"padded shape {tuple(target)}.")
        out[(i, *(slice(0, size) for size in a.shape))] = a
    return out


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None,
                  preferred_backend=None):
    """Split a dataset or arrays into a left and a right ``Dataset`` (``keras.utils.split_dataset``).

    Args:
        dataset: A ``Dataset`` (of unbatched elements), an array, or a tuple/list of
            arrays of equal length.
        left_size: Fraction in (0, 1) or number of elements for the left part; None:
            the complement of ``right_size``.
        right_size: Same for the right part, taken from the end.
        shuffle: Shuffle the elements before splitting.
        seed: Seed of that shuffle (Python's ``random.Random(seed).shuffle``, as Keras).
        preferred_backend: Accepted for Keras's signature; only ``None`` or
            ``"tensorflow"``-like values mean this Dataset class (``"torch"`` is refused).

    Returns:
        ``(left, right)`` datasets.

    Example:

    >>> left, right = split_dataset(np.arange(10.0), left_size=0.8)
    >>> int(left.cardinality()), int(right.cardinality())
    (8, 2)
    """
    if preferred_backend == "torch":
        raise ValueError("split_dataset returns minikeras Datasets; preferred_backend='torch' "
                         "(torch.utils.data.Dataset objects) is not offered.")
    if left_size is None and right_size is None:
        raise ValueError("At least one of the `left_size` or `right_size` must be specified. "
                         "Received: left_size=None and right_size=None")
    elements = _elements_of(dataset)
    if shuffle:
        random.Random(random.randint(0, int(1e6)) if seed is None else seed).shuffle(elements)
    left, right = _split_sizes(left_size, right_size, len(elements))
    return (_from_elements(elements[:left]), _from_elements(elements[len(elements) - right:]))


def _elements_of(dataset):
    if isinstance(dataset, Dataset):
        return list(dataset)
    if isinstance(dataset, np.ndarray):
        return list(dataset)
    if isinstance(dataset, list):  # Keras's tf path takes a list of numpy arrays only
        for index, part in enumerate(dataset):
            if not isinstance(part, np.ndarray):
                raise ValueError(f"Expected a list of `numpy.ndarray` objects,Received: "
                                 f"{type(part)} at index {index}.")
    if isinstance(dataset, (tuple, list)) and dataset and all(
            hasattr(a, "__len__") for a in dataset):
        return list(Dataset.from_tensor_slices(tuple(np.asarray(a) for a in dataset)))
    raise TypeError(f"split_dataset expects a Dataset, an array, or a list/tuple of arrays of "
                    f"the same length; received {type(dataset).__name__}.")


def _check_split_size_types(left_size, right_size):
    """Each size is an int, a float or None (Keras's TypeErrors, both sides named at once
    when both are wrong)."""
    def wrong(size):
        return size is not None and type(size) not in (int, float)

    if wrong(left_size) and wrong(right_size):
        raise TypeError(f"Invalid `left_size` and `right_size` Types. Expected: integer or "
                        f"float or None, Received: type(left_size)={type(left_size)} and "
                        f"type(right_size)={type(right_size)}")
    if wrong(left_size):
        raise TypeError(f"Invalid `left_size` Type. Expected: int or float or None, "
                        f"Received: type(left_size)={type(left_size)}.  ")
    if wrong(right_size):
        raise TypeError(f"Invalid `right_size` Type. Expected: int or float or None,"
                        f"Received: type(right_size)={type(right_size)}.")


def _from_elements(elements):
    return Dataset(lambda: iter(elements), len(elements))


def _split_sizes(left_size, right_size, total):
    """Keras's rules, checked in its order (types, both zero, each side's range): floats are
    fractions in (0, 1), ints counts in (0, total)."""
    _check_split_size_types(left_size, right_size)
    if left_size == 0 and right_size == 0:
        raise ValueError("Both `left_size` and `right_size` are zero. At least one of the "
                         "split sizes must be non-zero.")
    # Keras words the two sides' range errors a little differently
    range_errors = {
        "left": f"`left_size` should be either a positive integer smaller than {total}, or "
                f"a float within the range `[0, 1]`. Received: left_size={left_size}",
        "right": f"`right_size` should be either a positive integer and smaller than "
                 f"{total} or a float within the range `[0, 1]`. Received: "
                 f"right_size={right_size}"}
    sizes = {}
    for side, size in (("left", left_size), ("right", right_size)):
        if size is None:
            continue
        if (isinstance(size, int) and not 0 < size < total) or (
                isinstance(size, float) and not 0 < size < 1):
            raise ValueError(range_errors[side])
        sizes[side] = round(size * total) if isinstance(size, float) else size
    if isinstance(left_size, float) and isinstance(right_size, float) and left_size + right_size > 1:
        raise ValueError("The sum of `left_size` and `right_size` is greater than 1. It must "
                         "be less than or equal to 1.")
    left = sizes.get("left", total - sizes.get("right", 0))
    right = sizes.get("right", total - left)
    if left + right > total:
        raise ValueError(f"left_size + right_size = {left + right} is more than the "
                         f"{total} elements of the dataset.")
    if left == 0 or right == 0:
        raise ValueError(f"With a dataset of {total} elements, left_size={left_size} and "
                         f"right_size={right_size} leave the {'left' if left == 0 else 'right'} "
                         f"split empty.")
    return left, right
