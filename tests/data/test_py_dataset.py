"""keras.utils.PyDataset / Sequence and the worker pool that computes batches ahead."""
import os
import sys
import threading
import time

import numpy as np
import pytest

from minikeras.utils import PyDataset, Sequence
from minikeras.utils.py_dataset import epoch_batches
from minikeras.utils.worker_pool import ordered_results


class Batches(PyDataset):
    """Batch i is (x, y) = (arange of 3 starting at 3i, its double); records who built it."""

    def __init__(self, n=6, delay=0.0, **kwargs):
        super().__init__(**kwargs)
        self.n, self.delay = n, delay
        self.lock = threading.Lock()
        self.active = self.peak = self.started = 0
        self.threads = set()

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        with self.lock:
            self.started += 1
            self.active += 1
            self.peak = max(self.peak, self.active)
            self.threads.add(threading.get_ident())
        time.sleep(self.delay)
        with self.lock:
            self.active -= 1
        x = np.arange(3 * index, 3 * index + 3, dtype="float32")
        return x, 2 * x, np.full(3, os.getpid())


def test_iteration_yields_batches_in_order_in_the_calling_thread():
    ds = Batches()
    batches = list(ds)
    assert [b[0].tolist()[0] for b in batches] == [0, 3, 6, 9, 12, 15]
    assert ds.threads == {threading.get_ident()} and ds.peak == 1
    assert Sequence is PyDataset and ds.num_batches == 6


def test_workers_compute_batches_concurrently_in_order():
    ds = Batches(n=8, delay=0.05, workers=4, max_queue_size=8)
    batches = list(epoch_batches(ds))
    assert [b[0][0] for b in batches] == [0, 3, 6, 9, 12, 15, 18, 21]
    assert ds.peak > 1 and threading.get_ident() not in ds.threads


def test_max_queue_size_bounds_the_batches_computed_ahead():
    ds = Batches(n=50, workers=2, max_queue_size=3)
    iterator = epoch_batches(ds)
    next(iterator)
    time.sleep(0.1)
    assert ds.started <= 4  # the one consumed plus at most 3 ahead
    iterator.close()


def test_use_multiprocessing_builds_batches_in_other_processes():
    ds = Batches(n=4, workers=2, use_multiprocessing=True)
    batches = list(epoch_batches(ds))
    assert [b[1][0] for b in batches] == [0, 6, 12, 18]
    assert {int(b[2][0]) for b in batches} - {os.getpid()}


def test_steps_limit_and_infinite_dataset():
    class Endless(PyDataset):
        @property
        def num_batches(self):
            return None

        def __getitem__(self, index):
            return np.array([index])
    assert [int(b[0]) for b in epoch_batches(Endless(), steps=4)] == [0, 1, 2, 3]
    assert len(list(epoch_batches(Batches(n=3), steps=10))) == 3


def test_getitem_error_reaches_the_consumer_naming_the_batch():
    class Broken(Batches):
        def __getitem__(self, index):
            if index == 2:
                raise KeyError("no such row")
            return super().__getitem__(index)
    for workers in (1, 3):
        with pytest.raises(KeyError, match="no such row") as info:
            list(epoch_batches(Broken(workers=workers)))
        if sys.version_info >= (3, 11):  # exceptions carry notes from 3.11 on
            assert "(raised by Broken.__getitem__(2))" in info.value.__notes__


def test_missing_methods_and_bad_settings():
    with pytest.raises(NotImplementedError, match="must implement __getitem__"):
        PyDataset()[0]
    with pytest.raises(NotImplementedError, match="must implement __len__"):
        PyDataset().num_batches
    with pytest.raises(ValueError, match="workers must be a positive integer"):
        PyDataset(workers=0)
    with pytest.raises(ValueError, match="max_queue_size"):
        PyDataset(max_queue_size=0)


def test_subclass_without_super_init_warns_and_uses_defaults():
    class NoSuper(PyDataset):
        def __init__(self):
            self.n = 2

        def __len__(self):
            return self.n

        def __getitem__(self, index):
            return np.array([index])
    with pytest.warns(UserWarning, match=r"super\(\).__init__"):
        assert NoSuper().workers == 1


def test_ordered_results_stops_its_pool_when_the_consumer_stops():
    before = threading.active_count()
    results = ordered_results(lambda k: k * k, range(1000), workers=3, max_queue_size=4)
    assert [next(results) for _ in range(3)] == [0, 1, 4]
    results.close()
    assert threading.active_count() == before
