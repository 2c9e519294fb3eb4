"""``keras.utils.PyDataset`` (and its Keras 2 name ``Sequence``): batches by index.

A subclass implements ``__len__`` (batches per epoch) and ``__getitem__(index)``
(one batch: ``x``, ``(x, y)`` or ``(x, y, sample_weight)``), and may override
``on_epoch_begin`` / ``on_epoch_end`` (e.g. to reshuffle). ``workers``,
``use_multiprocessing`` and ``max_queue_size`` are honoured by ``epoch_batches``, which
``fit`` uses (in a random batch order when ``fit`` shuffles, as Keras does): with
``workers > 1`` (or processes) the next ``max_queue_size`` batches are computed by a pool
while the model trains on the current one (``worker_pool``).
"""
import itertools
import random
import warnings

from .worker_pool import ordered_results

DEFAULTS = {"_workers": 1, "_use_multiprocessing": False, "_max_queue_size": 10}


class PyDataset:
    """Base class for datasets that build their batches in Python, one index at a time.

    Args:
        workers: Threads (or processes) computing batches ahead; 1 computes each batch
            when it is needed, in the training thread.
        use_multiprocessing: Use forked processes instead of threads (for ``__getitem__``
            code that holds the GIL). The batches must then be plain arrays.
        max_queue_size: Batches computed ahead at most.

    Example:

    >>> class Squares(PyDataset):
    ...     def __init__(self, n, batch_size, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.x = np.arange(n, dtype="float32")
    ...         self.batch_size = batch_size
    ...     def __len__(self):
    ...         return -(-len(self.x) // self.batch_size)
    ...     def __getitem__(self, index):
    ...         x = self.x[index * self.batch_size:(index + 1) * self.batch_size]
    ...         return x, x ** 2
    >>> [y.tolist() for _, y in Squares(5, 2)]
    [[0.0, 1.0], [4.0, 9.0], [16.0]]
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers must be a positive integer; received {workers!r}.")
        if isinstance(max_queue_size, bool) or not isinstance(max_queue_size, int) \
                or max_queue_size < 1:
            raise ValueError(f"max_queue_size must be a positive integer; received "
                             f"{max_queue_size!r}.")
        self._workers = workers
        self._use_multiprocessing = bool(use_multiprocessing)
        self._max_queue_size = max_queue_size

    def _setting(self, name):
        """A pool setting; a subclass that forgot ``super().__init__()`` gets the defaults
        (with one warning, as in Keras)."""
        if name not in self.__dict__:
            warnings.warn("Your `PyDataset` class should call `super().__init__(**kwargs)` "
                          "in its constructor. `**kwargs` can include `workers`, "
                          "`use_multiprocessing`, `max_queue_size`. Do not pass these "
                          "arguments to `fit()`, as they will be ignored.", stacklevel=3)
            for key, value in DEFAULTS.items():
                self.__dict__.setdefault(key, value)
        return self.__dict__[name]

    @property
    def workers(self):
        return self._setting("_workers")

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        return self._setting("_use_multiprocessing")

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        return self._setting("_max_queue_size")

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

    def __getitem__(self, index):
        """Return batch number ``index``: ``x``, ``(x, y)`` or ``(x, y, sample_weight)``."""
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index), "
                                  f"returning batch number `index`.")

    @property
    def num_batches(self):
        """Batches per epoch: ``len(self)``; None means infinite (give ``steps_per_epoch``)."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(  # Keras's words, then ours
            "You need to implement the `num_batches` property:\n\n@property\ndef "
            "num_batches(self):\n  return ...\n\n"
            f"({type(self).__name__} must implement __len__ (or the num_batches property), "
            "the number of batches per epoch.)")

    def on_epoch_begin(self):
        """Called at the start of every epoch; override to prepare one."""

    def on_epoch_end(self):
        """Called at the end of every epoch; override to reshuffle, for example."""

    def __iter__(self):
        """One pass over the batches, in index order, computed by the pool settings."""
        return epoch_batches(self)


Sequence = PyDataset  # the Keras 2 name, which Keras 3 keeps as an alias


def epoch_batches(dataset, steps=None, shuffle=False):
    """Yield one epoch of batches of ``dataset``, computed ahead as its settings ask.

    Args:
        dataset: A ``PyDataset``.
        steps: Batches to take (at most ``num_batches``); None: ``dataset.num_batches``
            (an infinite dataset then yields until the consumer stops).
        shuffle: Visit a finite dataset's batches in an order drawn with Python's
            ``random.shuffle``, as Keras's PyDataset adapter does for ``fit(shuffle=True)``
            (``keras.utils.set_random_seed`` seeds it).

    Yields:
        ``dataset[0]``, ``dataset[1]``, ... in order, or in the shuffled order.
    """
    num_batches = dataset.num_batches
    if steps is None:
        indices = itertools.count() if num_batches is None else range(num_batches)
    else:
        indices = range(steps if num_batches is None else min(steps, num_batches))
    if shuffle and num_batches is not None:
        indices = list(indices)
        random.shuffle(indices)
    return ordered_results(lambda index: _get_batch(dataset, index), indices,
                           workers=dataset.workers,
                           use_multiprocessing=dataset.use_multiprocessing,
                           max_queue_size=dataset.max_queue_size)


def _get_batch(dataset, index):
    try:
        return dataset[index]
    except Exception as exc:
        if hasattr(exc, "add_note"):  # Python 3.11+: keep the type, say where it happened
            exc.add_note(f"(raised by {type(dataset).__name__}.__getitem__({index}))")
        raise
