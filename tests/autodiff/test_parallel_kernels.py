"""Numpy work split over threads (autodiff/parallel.py): the kernels split into parts of
their batch (``for_parts``) give the one-thread numbers and pass gradcheck with every part
forced (3 threads, any size, BLAS pinned); parts cover the range, the caller takes the
parts no worker started, errors reach the caller, a forked child gets its own pool. Also:
the 1x1-kernel convolution that uses its input as the im2col matrix against the copying
path, depthwise blocks, side tasks, and the allocator policy of scratch.py."""
import concurrent.futures
import os
import threading

import numpy as np
import pytest

from minikeras.autodiff import blas_threads, parallel, scratch
from minikeras.autodiff import primitives as P
from minikeras.autodiff.gradcheck import gradcheck
from minikeras.autodiff.tensor import Tensor, backprop

rng = np.random.default_rng(5)


def r(*shape):
    return rng.uniform(-2.0, 2.0, shape)




@pytest.fixture
def split(monkeypatch):
    """Every for_parts call is split into as many parts as it can (3 threads), at once."""
    if not blas_threads.available():
        pytest.skip("no OpenBLAS loaded in this process: parts never run at once")
    monkeypatch.setattr(parallel, "MIN_PART", 1)
    parallel.set_threads(3)
    with blas_threads.single_threaded():
        yield
    parallel.reset_threads()


def run_and_grads(fn, *arrays):
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    y = fn(*tensors)
    leaves = backprop(y, np.random.default_rng(0).standard_normal(y.shape))
    return [y.data] + [leaves[t] for t in tensors]


CASES = {
    "conv relu, same, strided": (
        lambda x, w, b: P.conv(x, w, b, strides=(2, 1), padding="same", activation="relu"),
        [(5, 7, 6, 3), (3, 3, 3, 4), (4,)]),
    "conv tanh, dilated": (
        lambda x, w, b: P.conv(x, w, b, dilation_rate=(1, 2), activation="tanh"),
        [(4, 6, 7, 2), (2, 2, 2, 3), (3,)]),
    "conv 2 groups": (lambda x, w: P.conv(x, w, padding="same"), [(5, 5, 4, 4), (3, 2, 2, 6)]),
    "conv 1x1": (lambda x, w, b: P.conv(x, w, b), [(5, 4, 3, 6), (1, 1, 6, 4), (4,)]),
    "conv 1-D causal": (lambda x, w: P.conv(x, w, padding="causal"), [(5, 9, 3), (3, 3, 2)]),
    "conv_transpose": (lambda x, w, b: P.conv_transpose(x, w, b, strides=2, padding="same"),
                       [(5, 4, 3, 2), (3, 3, 4, 2), (4,)]),
    "max_pool tiled": (lambda x: P.max_pool(P.relu(x), 2), [(5, 6, 8, 3)]),
    "max_pool overlapping": (lambda x: P.max_pool(x, 3, 2, "same"), [(5, 7, 7, 3)]),
    "average_pool": (lambda x: P.average_pool(x, 2, 1), [(5, 5, 6, 2)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_split_kernels_give_the_one_thread_numbers(name, split):
    fn, shapes = CASES[name]
    arrays = [r(*s).astype("float32") for s in shapes]
    arrays[0] = np.round(arrays[0], 1)           # ties in max pooling, zeros in relu
    pieces = run_and_grads(fn, *arrays)
    parallel.set_threads(1)
    whole = run_and_grads(fn, *arrays)
    for a, b in zip(whole, pieces):
        # a kernel gradient sums its parts last: another order of float32 additions, so
        # round-off at the size of the largest terms (a few units in the last place)
        atol = 16 * np.finfo(np.float32).eps * max(np.abs(a).max(), 1.0)
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=atol)


@pytest.mark.parametrize("name", ["conv relu, same, strided", "conv 2 groups", "conv 1x1",
                                  "max_pool overlapping", "conv_transpose"])
def test_split_kernels_pass_gradcheck(name, split):
    fn, shapes = CASES[name]
    arrays = [r(*s) for s in shapes]
    x = arrays[0][:2, :4, :4]                    # 2 samples: one per piece, few differences
    arrays[0] = rng.permutation(x.size).reshape(x.shape) / x.size - 0.4     # no ties, no kinks
    assert gradcheck(fn, *arrays)


def test_one_by_one_conv_without_a_copy_equals_the_copying_path():
    x, w, b = r(3, 5, 4, 12), r(1, 1, 6, 5), r(5)
    strided = x[..., ::2]                    # not contiguous: im2col copies it
    contiguous = np.ascontiguousarray(strided)
    copied = run_and_grads(lambda x, w, b: P.conv(x, w, b, padding="same"), strided, w, b)
    viewed = run_and_grads(lambda x, w, b: P.conv(x, w, b, padding="same"), contiguous, w, b)
    for a, c in zip(copied, viewed):
        np.testing.assert_allclose(c, a, rtol=1e-12, atol=1e-12)
    expected = np.einsum("nhwc,cf->nhwf", contiguous, w[0, 0]) + b
    np.testing.assert_allclose(viewed[0], expected, rtol=1e-12)


def test_parts_cover_the_range_in_order_and_respect_the_minimum(monkeypatch):
    monkeypatch.setattr(parallel, "MIN_PART", 10)
    parallel.set_threads(3)
    try:
        for n, work, want in ((9, 100, [(0, 3), (3, 6), (6, 9)]), (9, 25, [(0, 4), (4, 9)]),
                              (9, 9, [(0, 9)]), (2, 100, [(0, 1), (1, 2)])):
            done = []
            parallel.for_parts(lambda a, b: done.append((a, b)), n, work)   # in turn
            assert done == want
        parallel.set_threads(1)
        done = []
        parallel.for_parts(lambda a, b: done.append((a, b)), 9, 100)
        assert done == [(0, 9)]
    finally:
        parallel.reset_threads()


def test_thread_parts_are_one_per_thread_and_respect_the_minimum():
    parallel.set_threads(2)
    try:
        for n, min_part, want in ((64, 16, [(0, 32), (32, 64)]), (31, 16, [(0, 31)]),
                                  (5, 1, [(0, 2), (2, 5)])):
            done = []
            parallel.for_thread_parts(lambda a, b: done.append((a, b)), n, min_part)
            assert sorted(done) == want
        parallel.set_threads(1)
        done = []
        parallel.for_thread_parts(lambda a, b: done.append((a, b)), 64, 16)
        assert done == [(0, 64)]
    finally:
        parallel.reset_threads()


def test_caller_does_every_piece_when_no_worker_gets_to_run(split, monkeypatch):
    class StalledPool:                           # a worker that never starts
        def submit(self, fn, *args):
            return concurrent.futures.Future()   # pending: cancel() succeeds

        def shutdown(self, wait):
            pass

    monkeypatch.setitem(parallel._state, "pool", StalledPool())
    done = []
    parallel.for_parts(lambda a, b: done.append((a, b)), 6, 6)
    assert done == [(0, 2), (2, 4), (4, 6)]


def test_for_parts_raises_what_a_part_raised(split):
    def fail_on_the_last(start, stop):
        if stop == 9:
            raise RuntimeError("part failed")

    with pytest.raises(RuntimeError, match="part failed"):
        parallel.for_parts(fail_on_the_last, 9, 9)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_splits_work_on_a_pool_of_its_own(split):
    parallel.for_parts(lambda a, b: None, 4, 4)          # the parent's pool now exists
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:                                         # child: must not wait on dead threads
        out = np.zeros(8)
        parallel.for_parts(lambda a, b: out.__setitem__(slice(a, b), 1.0), 8, 8)
        os.write(write, b"ok" if out.sum() == 8 and parallel._state["pool"] is not None
                 else b"no")
        os._exit(0)
    os.close(write)
    answer = os.read(read, 2)
    os.waitpid(pid, 0)
    assert answer == b"ok"


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "2"])
def test_set_threads_rejects_what_is_not_a_positive_int(bad):
    with pytest.raises(ValueError, match="positive int"):
        parallel.set_threads(bad)


def test_thread_count_comes_from_the_blas_environment(monkeypatch):
    monkeypatch.setattr(parallel, "_state", {"threads": None, "pool": None})
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")
    assert parallel.threads() == 3


def test_allocator_policy_is_applied_unless_the_user_set_one(monkeypatch):
    assert scratch.keep_freed_memory()            # glibc on Linux, as in this test machine
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "131072")
    assert not scratch.keep_freed_memory()


@pytest.mark.parametrize("shape, strides, mult, padding, dilation", [
    ((2, 9, 8, 3), (1, 1), 1, "same", 1),
    ((1, 9, 7, 2), (2, 2), 2, "same", 1),
    ((1, 10, 7, 2), (1, 1), 1, "same", (2, 1)),
    ((2, 9, 8, 3), (2, 1), 1, "valid", 1),
    ((2, 11, 3), (1,), 2, "same", 1)])
def test_depthwise_sum_in_blocks_over_threads_equals_one_block(monkeypatch, shape, strides,
                                                                mult, padding, dilation):
    # no gradient to come: the depthwise sum runs in blocks of output rows, each padding
    # only the input rows it reads; every element sees the same operations in the same
    # order whatever the blocks and threads, and equals the im2col path
    from minikeras.autodiff import conv as C
    from minikeras.autodiff import no_grad
    x = r(*shape).astype(np.float32)
    channels, kernel = shape[-1], (3,) * (len(shape) - 2)
    w = r(*kernel, 1, channels * mult).astype(np.float32)
    b = r(channels * mult).astype(np.float32)

    def run():
        with no_grad():
            return P.conv(x, w, b, strides, padding, dilation, groups=channels,
                          activation="relu").data

    parallel.set_threads(1)
    whole = run()
    recorded = P.conv(Tensor(x, requires_grad=True), w, b, strides, padding, dilation,
                      groups=channels, activation="relu").data
    np.testing.assert_allclose(whole, recorded, rtol=1e-5, atol=1e-5)
    monkeypatch.setattr(C, "DEPTHWISE_BLOCK_BYTES", 2 * whole[0, 0].nbytes + 1)  # 2 rows
    monkeypatch.setattr(parallel, "MIN_PART", 1)
    parallel.set_threads(3)
    try:
        with blas_threads.single_threaded():
            blocks = run()
    finally:
        parallel.reset_threads()
    np.testing.assert_array_equal(blocks, whole)


@pytest.fixture
def two_threads():
    parallel.set_threads(2)
    yield
    parallel.reset_threads()


def test_side_tasks_run_each_task_once_and_wait_for_them(two_threads):
    ran = []
    with parallel.SideTasks() as side:
        for i in range(5):
            side.add(lambda i=i: ran.append(i))
        side.wait(3)
        assert 3 in ran
        side.wait(3)  # done already: not run again
    assert sorted(ran) == [0, 1, 2, 3, 4]


def test_a_side_task_no_thread_has_started_runs_on_the_caller(two_threads):
    """The pool's one thread is held by the first task: waiting for the second runs it here."""
    release, ran_on = threading.Event(), []
    with parallel.SideTasks() as side:
        side.add(lambda: release.wait(10))
        side.add(lambda: ran_on.append(threading.get_ident()))
        side.wait(1)
        assert ran_on == [threading.get_ident()]
        release.set()
    assert len(ran_on) == 1


def test_side_tasks_not_started_when_the_block_fails_never_run(two_threads):
    """The pool's thread is held by the first task until 0.2 s after the block fails: the
    second, not started, is cancelled; leaving the block waits for the first."""
    release, ran = threading.Event(), []
    threading.Timer(0.2, release.set).start()
    with pytest.raises(RuntimeError, match="stop"):
        with parallel.SideTasks() as side:
            side.add(lambda: (release.wait(10), ran.append("first")))
            side.add(lambda: ran.append("second"))
            raise RuntimeError("stop")
    assert ran == ["first"]
