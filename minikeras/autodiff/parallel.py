"""Spread large numpy work over threads: parts of a batch, and recurrences.

OpenBLAS runs every GEMM on all its threads, but numpy's ufuncs and copies run on the
calling thread alone; in a convolutional network those passes (im2col copies, bias +
activation, the col2im scatter-add, pooling) are half the step. numpy releases the GIL
inside its loops and BLAS calls, so the same call on disjoint batch slices from several
Python threads divides their wall time. Two ways, on one persistent pool, the caller
taking parts too (parts must write disjoint memory):

* ``for_parts(fn, n, work)``: one part of ``range(n)`` per thread for a primitive whose
  computation, GEMMs included, splits by samples (convolution, pooling, the inference
  fusion's passes). Its parts run at once only while BLAS is pinned to one thread, which
  ``StepThreading`` decides per training / evaluation / prediction loop from the products
  of its first step: between GEMMs on OpenBLAS's threads its workers spin on the other
  cores, and passes split there ran slower (2 cores, quiet machine: mnist_convnet training
  22% slower, ResNet50 / MobileNetV2 inference 5-13% slower).
* ``for_passes(fn, n, elements, passes)``: ``for_parts`` for plain numpy passes (an
  elementwise op, a copy), which need larger parts to gain.
* ``for_thread_parts(fn, n, min_part)``: a recurrence per part, BLAS pinned by the
  caller; uses every thread by default.

Each splits only when each part gets enough work (``MIN_PART`` elements, ``min_part``
rows): below that, waking a thread costs more than it saves.

Thread count: ``set_threads(n)``, else the first of OMP_NUM_THREADS, OPENBLAS_NUM_THREADS,
MKL_NUM_THREADS that is set (the BLAS budget the user gave), else the CPUs this process
may run on, capped by its cgroup's CPU quota (a container's CPU limit, such as Docker's
``--cpus`` or a Kubernetes limit, which the CPU affinity does not show).
"""
import concurrent.futures
import contextvars
import os
import threading

import numpy as np

from . import blas_threads

MIN_PART = 1 << 17         # elements of work per thread part below which a primitive runs whole
PASS_PARTS = 4             # MIN_PARTs of element passes a part of plain numpy passes needs
_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# a cgroup's CPU quota: v2 one file "quota period" ("max" without one), v1 two files (-1)
_CGROUP_V2 = "/sys/fs/cgroup/cpu.max"
_CGROUP_V1 = ("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "/sys/fs/cgroup/cpu/cpu.cfs_period_us")
_state = {"threads": None, "pool": None, "blas_warm": False}
_products = {"owned": 0, "blas": 0}  # multiply-adds counted by count_products
_in_part = threading.local()   # .active: this thread is running a part of ``for_parts``


def _forget_pool():
    """In a forked child the pool's threads do not exist: start a new pool when needed."""
    _state["pool"] = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _default_threads():
    for name in _ENV:
        value = os.environ.get(name, "").strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:        # not Linux
        return os.cpu_count() or 1
    quota = _cpu_quota()
    return cpus if quota is None else min(cpus, quota)


def _cpu_quota():
    """The whole CPUs this process's cgroup may use (at least 1), or None without a quota
    (or off Linux). A container limited to 1.5 CPUs gets 1: a second thread there only
    takes turns with the first."""
    try:
        with open(_CGROUP_V2) as f:
            fields = f.read().split()
    except OSError:
        try:
            fields = []
            for path in _CGROUP_V1:
                with open(path) as f:
                    fields.append(f.read().strip())
        except OSError:
            return None
    try:
        quota, period = int(fields[0]), int(fields[1])
    except (IndexError, ValueError):  # "max": no quota
        return None
    return max(1, quota // period) if quota > 0 and period > 0 else None


def threads():
    """The thread budget (``set_threads`` or the environment): how many parts
    ``for_parts`` and ``for_thread_parts`` make at most."""
    if _state["threads"] is None:
        _state["threads"] = _default_threads()
    return _state["threads"]


def set_threads(count):
    """Use ``count`` threads (>= 1) for split numpy work from now on (with 1, training,
    evaluation and prediction steps run BLAS on one thread too: ``StepThreading``)."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"set_threads expects a positive int. Received: {count!r}")
    _shutdown_pool()
    _state["threads"] = count


def reset_threads():
    """Back to the default: the environment's thread count."""
    _shutdown_pool()
    _state["threads"] = None


def _shutdown_pool():
    """Stop the pool (its size follows the thread count); the next split starts a new one."""
    if _state["pool"] is not None:
        _state["pool"].shutdown(wait=True)
        _state["pool"] = None


class StepThreading:
    """How one loop's steps (a model's train, test or predict steps) use the cores: with
    minikeras owning the threads (BLAS pinned to one thread, the primitives that split by
    samples through ``for_parts`` running one part per thread, their GEMMs and numpy passes
    alike), or with BLAS's own threads for the GEMMs and everything else on the caller.

    Which is faster depends on where the step's products are: a convolutional network's
    step is half numpy passes (im2col copies, col2im adds, pooling) that only the parts
    spread over the cores (Keras's mnist_convnet, 2 cores: 5,700 samples/s owned against
    4,600), while large GEMMs run best on OpenBLAS's spinning workers: an MLP's (10,300
    samples/s against 7,300 owned at batch 128: two Python threads' 64-row halves of a
    product ran no faster than the whole on one), and a network's whose Dense layers have
    more multiply-adds than its convolutions (a Conv2D(16) under a Dense(256) on its 2,704
    features: 4,000 against 3,000), and with no product large enough to be threaded (nine
    Dense(32) at batch 32: 41,000-42,600 against 38,000-40,800). So the first step runs
    owned and counts the multiply-adds of its products (``count_products``): the loop stays
    owned when those that gain from owned steps (products by samples, or whole ones
    that OpenBLAS threads poorly: ``linear.count_whole_products``) are at least as many as
    those that gain from BLAS's threads, and some are counted; else its later steps run on
    BLAS's threads.

    The rule reads the step's sizes, not its time, so a run repeats bit for bit: OpenBLAS's
    float32 products differ in the last bits between thread counts (a 128 x 784 x 512
    product on one thread and on two), and a choice made by timing the first steps both
    ways reached the weights (two fits of the benchmarks' MLP with the same seed differed,
    one run in three).

    With a budget of one thread every step runs with BLAS pinned to one thread, as BLAS's
    own count may be every CPU the process sees (a container limited by a CPU quota), and
    its workers would take turns with the caller on the one CPU."""

    def __init__(self):
        self.owned = None             # undecided; then True or False

    def run(self, step, *args):
        """``step(*args)`` in the chosen way (the first step owned, to choose)."""
        if self.owned is None:
            warm_blas()
            if not blas_threads.available():
                self.owned = False
            elif threads() < 2:  # BLAS on one thread too (its own count may be every CPU)
                self.owned = True
            else:
                before = dict(_products)
                with blas_threads.single_threaded():
                    result = step(*args)
                owned, blas = (_products[way] - before[way] for way in ("owned", "blas"))
                self.owned = owned > 0 and owned >= blas
                return result
        if self.owned:
            with blas_threads.single_threaded():
                return step(*args)
        return step(*args)


def count_products(multiply_adds, way):
    """Count a primitive's matrix products for ``StepThreading``'s choice: their
    ``multiply_adds`` and the way they run faster, "owned" (products by parts of the batch:
    a convolution's, an attention's) or "blas" (a large product run whole, a Dense
    layer's)."""
    _products[way] += multiply_adds


def warm_blas():
    """Once per process, where OpenBLAS is found: one float32 product on each thread at once,
    BLAS pinned to one thread (about a millisecond), so that every work buffer OpenBLAS
    hands to concurrent callers has its pages touched. The first step of a fit / evaluate /
    predict loop and the first ``grad`` (a custom training loop) call it.

    OpenBLAS maps its work buffers lazily, in 4 KB pages unless transparent huge pages are
    "always" on, and its kernels prefetch beyond the data they packed. Until a large enough
    product has touched the pages there, small and skinny products run about half as fast
    (measured on a 2-core AMD EPYC VM, OpenBLAS 0.3.31: a 32 x 32 x 32 sgemm 9.7 -> 4.6 us,
    12800 x 288 x 64 28 -> 15 ms; with huge pages "always" both are fast from the start).
    A network of small layers makes no product large enough itself, and each thread running
    products at once (parts of an owned step) takes a buffer of its own: 3200 x 288 x 64 on
    two threads at once 7.3 ms each, 5.2 after one thread's warm-up, 3.9 after both."""
    if _state["blas_warm"] or not blas_threads.available():
        return
    _state["blas_warm"] = True
    count = threads()
    meet = threading.Barrier(count, timeout=1.0)  # all at once, so each takes its own buffer

    def product(start, stop):
        try:
            meet.wait()
        except threading.BrokenBarrierError:  # a pool thread busy elsewhere: warm what we can
            pass
        np.ones((64, 288), np.float32) @ np.ones((288, 1024), np.float32)

    with blas_threads.single_threaded():
        _run(product, _even_parts(count, count))


def for_parts(fn, n, work):
    """``fn(start, stop)`` on contiguous parts of range(n), one per thread, for a primitive
    whose whole computation, its GEMMs and its numpy passes alike, splits by samples (a
    convolution, a pooling). Each part gets at least ``MIN_PART`` of ``work``.

    The parts run on the threads at once only while BLAS is pinned to one thread
    (``StepThreading``'s owned steps) and not inside another part; else one after another
    on the caller. The parts are the same either way (they depend on n, work and the thread
    budget alone), so a primitive that sums over parts (a kernel gradient) gives the same
    bits whether its steps ran owned or not.

    One part per thread, not many small pieces: a handoff costs tens of microseconds
    (measured on 2 cores, mnist_convnet's second conv forward and backward: 10.4 ms in two
    parts against 15.2 ms on the whole batch with OpenBLAS's own 2 threads)."""
    parts = _even_parts(n, part_count(n, work))
    if len(parts) == 1 or not parts_run_at_once():
        for start, stop in parts:
            fn(start, stop)
        return

    def part(start, stop):
        _in_part.active = True
        try:
            fn(start, stop)
        finally:
            _in_part.active = False

    _run(part, parts)


def part_count(n, work):
    """How many parts ``for_parts(fn, n, work)`` makes (whether they run at once or not)."""
    return max(1, min(threads(), n, work // MIN_PART))


def pass_parts(n, elements, passes=1):
    """How many parts ``for_passes(fn, n, elements, passes)`` makes."""
    return part_count(n, elements * passes // PASS_PARTS)


def parts_run_at_once():
    """Whether parts run on the threads at once here: BLAS pinned to one thread (an owned
    step) and not inside another part. A caller whose result does not depend on the parts
    (an elementwise op) may then skip splitting when they would run in turn."""
    return blas_threads.pinned() and not getattr(_in_part, "active", False)


def summed_parts(fn, n, work):
    """The sum of ``fn(start, stop)`` (fresh arrays) over ``for_parts``'s parts of range(n),
    added in part order: the same parts, so the same bits, whether they ran at once or not."""
    sums = {}
    for_parts(lambda a, b: sums.__setitem__(a, fn(a, b)), n, work)
    parts = [sums[start] for start in sorted(sums)]
    total = parts[0]
    for part in parts[1:]:
        total += part
    return total


def for_passes(fn, n, elements, passes=1):
    """``for_parts`` for plain numpy passes over ``elements`` (an elementwise op, a copy, a
    reduction), ``passes`` of them per element. A pass costs about a nanosecond an element,
    so each part needs ``PASS_PARTS * MIN_PART`` element passes (2 cores, one multiply of
    float32 arrays owned: 512K elements 0.19 ms in one part and in two, 1M 0.48 -> 0.37 ms,
    2M 0.96 -> 0.60 ms)."""
    for_parts(fn, n, elements * passes // PASS_PARTS)   # a part gets PASS_PARTS x MIN_PART


def passes_split(n, elements, passes=1):
    """Whether ``for_passes(fn, n, elements, passes)`` would run more than one part at once."""
    return parts_run_at_once() and pass_parts(n, elements, passes) > 1


# Elements per block of rows for a primitive's passes over a large array: a block's passes
# run one after another on data still in L2 (training BatchNormalization, 64 x 16 x 16 x 128
# float32 on one core, forward + backward: 7.1 ms in whole passes, 5.4 ms in blocks of 64K
# elements; 5.7 at 32K, 5.6 at 128K).
BLOCK_ELEMENTS = 1 << 16


def row_blocks(start, stop, width):
    """(a, b) blocks of consecutive rows covering range(start, stop), each at most
    ``BLOCK_ELEMENTS`` elements of ``width`` per row (at least one row); the first is the
    longest; one empty block for an empty range."""
    rows = max(1, BLOCK_ELEMENTS // max(width, 1))
    return [(a, min(a + rows, stop)) for a in range(start, stop, rows)] or [(start, stop)]


def block_buffer(blocks, width, dtype):
    """A scratch array for the longest of ``row_blocks``'s ``blocks``; a block takes its
    first rows."""
    return np.empty((blocks[0][1] - blocks[0][0], width), dtype)


def _even_parts(n, count):
    bounds = [n * i // count for i in range(count + 1)]
    return list(zip(bounds[:-1], bounds[1:]))


def for_thread_parts(fn, n, min_part):
    """``fn(start, stop)`` on one contiguous part of range(n) per thread (each part at least
    ``min_part`` long; fewer parts when n is short), for work that is one long sequential
    computation per part (a recurrence over time) rather than many small passes. Taken the
    same way as ``for_parts``'s parts. ``fn`` may call BLAS only where BLAS runs on one
    thread (``blas_threads.single_threaded``)."""
    _run(fn, _even_parts(n, max(1, min(threads(), n // max(min_part, 1)))))


class SideTasks:
    """Work handed to the pool while the caller goes on with a long sequential computation
    (a recurrence hands off the products of the timesteps it has finished, or will need).

    Used as ``with SideTasks() as side:``. ``side.add(fn)`` queues ``fn()`` (the pool takes
    tasks in order); ``side.wait(i)`` returns once task ``i`` has run: a task no thread has
    started yet runs on the caller (on a busy machine the pool's thread may wait for a
    core), so waiting never idles. Leaving the block waits for every task (cancels those
    not started when the block ends by an exception). Tasks must write disjoint memory and
    call BLAS only where it runs on one thread (``blas_threads.single_threaded``)."""

    def __enter__(self):
        self.tasks, self.futures = [], []
        return self

    def add(self, fn):
        self.tasks.append(fn)  # in the caller's context (numpy's errstate included), as parts
        self.futures.append(_pool().submit(contextvars.copy_context().run, fn))

    def wait(self, i):
        if self.tasks[i] is None:  # waited for before
            return
        if self.futures[i].cancel():  # not started: run it here
            self.tasks[i]()
        else:
            self.futures[i].result()
        self.tasks[i] = None

    def __exit__(self, kind, error, traceback):
        if kind is None:
            for i in range(len(self.futures)):
                self.wait(i)
            return
        for future in self.futures:  # first cancel every task not started, then wait
            future.cancel()
        concurrent.futures.wait(self.futures)


def _pool():
    if _state["pool"] is None:
        _state["pool"] = concurrent.futures.ThreadPoolExecutor(
            max_workers=threads() - 1, thread_name_prefix="minikeras-numpy")
    return _state["pool"]


def _run(fn, parts):
    """``fn(start, stop)`` for every part: the caller and the pool's threads take them in turn."""
    if len(parts) == 1:
        fn(*parts[0])
        return
    pool = _pool()
    queue = iter(parts)

    def drain():
        for start, stop in queue:
            fn(start, stop)

    # each helper runs in a copy of the caller's context (numpy's errstate, minikeras's
    # scoped settings), as the caller's own parts do
    helpers = [pool.submit(contextvars.copy_context().run, drain)
               for _ in range(min(threads(), len(parts)) - 1)]
    try:
        drain()
    finally:
        for helper in helpers:
            if not helper.cancel():
                helper.result()
