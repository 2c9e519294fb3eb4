"""Split large numpy work (elementwise passes, copies, scatter-adds) over worker threads.

OpenBLAS runs every GEMM on all its threads, but numpy's ufuncs and copies run on the
calling thread alone; in a convolutional network those passes (im2col copies, bias +
activation, the col2im scatter-add, pooling) are half the step. numpy releases the GIL
inside such loops, so running the same call on disjoint batch slices from several Python
threads divides their wall time. ``for_slices(fn, n, work)`` calls ``fn(start, stop)`` on
contiguous pieces of ``range(n)``, taken in turn by the calling thread and a persistent
pool; it splits only when each piece gets at least ``MIN_PIECE`` elements of work (below
that, waking a thread costs more than it saves). Pieces must write disjoint
memory; results are then bit-identical to one call on the whole range.

Thread count: ``set_threads(n)``, else the first of OMP_NUM_THREADS, OPENBLAS_NUM_THREADS,
MKL_NUM_THREADS that is set (the BLAS budget the user gave), else the CPUs this process
may run on. Never call BLAS from ``fn``: the GEMMs already use every thread.

``for_slices`` splits only after an explicit ``set_threads(n)``: by default its passes run
on the calling thread. Its users (convolution, pooling, the inference fusion) run those
passes between GEMMs, while OpenBLAS's workers still spin on the other cores; measured on
2 cores (quiet machine), splitting made mnist_convnet training 22% slower and ResNet50 /
MobileNetV2 inference 5-13% slower. ``for_thread_parts`` (a recurrence per part, with BLAS
pinned to one thread) uses every thread by default.
"""
import concurrent.futures
import os

MIN_PIECE = 1 << 16        # elements of work per piece below which no split is made
PIECES_PER_THREAD = 4      # finer pieces let a late thread still take a share
_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_state = {"threads": None, "pool": None, "split_passes": False}


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
        return len(os.sched_getaffinity(0))
    except AttributeError:        # not Linux
        return os.cpu_count() or 1


def threads():
    """The thread budget (``set_threads`` or the environment): ``for_thread_parts``'s parts,
    and ``for_slices``'s pieces once ``set_threads`` asked for them."""
    if _state["threads"] is None:
        _state["threads"] = _default_threads()
    return _state["threads"]


def set_threads(count):
    """Use ``count`` threads (>= 1) for split numpy work from now on, ``for_slices``'s
    passes included."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"set_threads expects a positive int. Received: {count!r}")
    _shutdown_pool()
    _state["threads"], _state["split_passes"] = count, True


def reset_threads():
    """Back to the default: the environment's thread count, ``for_slices`` unsplit."""
    _shutdown_pool()
    _state["threads"], _state["split_passes"] = None, False


def _shutdown_pool():
    """Stop the pool (its size follows the thread count); the next split starts a new one."""
    if _state["pool"] is not None:
        _state["pool"].shutdown(wait=True)
        _state["pool"] = None


def pieces(n, work):
    """Contiguous (start, stop) pieces of range(n) for ``work`` elements in all: up to
    ``PIECES_PER_THREAD`` per thread, each at least ``MIN_PIECE`` elements of work (one
    piece unless ``set_threads`` asked for passes to be split)."""
    split = _state["split_passes"] and threads() > 1
    count = max(1, min(threads() * PIECES_PER_THREAD if split else 1, n, work // MIN_PIECE))
    return _even_parts(n, count)


def _even_parts(n, count):
    bounds = [n * i // count for i in range(count + 1)]
    return list(zip(bounds[:-1], bounds[1:]))


def for_slices(fn, n, work):
    """``fn(start, stop)`` over pieces of range(n), in parallel when ``work`` is large.

    Every thread, the caller included, takes the next untaken piece until none is left
    (taking one is a single ``next`` on a shared iterator, atomic under the GIL), and a
    worker that has not started when the caller runs out is cancelled: on a busy machine,
    where a woken worker may wait for a core, the caller simply does the pieces itself
    instead of waiting for it.
    """
    _run(fn, pieces(n, work))


def for_thread_parts(fn, n, min_part):
    """``fn(start, stop)`` on one contiguous part of range(n) per thread (each part at least
    ``min_part`` long; fewer parts when n is short), for work that is one long sequential
    computation per part (a recurrence over time) rather than many small passes. Taken the
    same way as ``for_slices``'s pieces. ``fn`` may call BLAS only where BLAS runs on one
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
        self.tasks.append(fn)
        self.futures.append(_pool().submit(fn))

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

    helpers = [pool.submit(drain) for _ in range(min(threads(), len(parts)) - 1)]
    try:
        drain()
    finally:
        for helper in helpers:
            if not helper.cancel():
                helper.result()
