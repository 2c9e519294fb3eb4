"""Compute the items of a sequence ahead of the consumer, on worker threads or processes.

Two pieces, both bounded and both cleaned up when the consumer stops early:

- ``ordered_results(fetch, keys, workers, use_multiprocessing, max_queue_size)`` yields
  ``fetch(key)`` for each key in order while up to ``max_queue_size`` later keys are already
  being computed by ``workers`` threads (or forked processes). ``PyDataset`` batches and
  ``Dataset.map(num_parallel_calls=...)`` go through it; the trainer can too.
- ``prefetched(iterable, buffer_size)`` runs an iterator on one background thread, up to
  ``buffer_size`` items ahead (``Dataset.prefetch``).

An exception raised by ``fetch`` or by the iterator reaches the consumer at the item where
it happened, with the original traceback chained.
"""
import collections
import concurrent.futures
import multiprocessing
import queue
import threading

AUTOTUNE = -1  # tf.data.AUTOTUNE: "pick for me" -> as many workers as CPUs
_DONE = object()
_POLL_SECONDS = 0.1


def resolve_workers(workers):
    """``AUTOTUNE`` (or None) -> the CPU count; otherwise the positive int given."""
    if workers is None or workers == AUTOTUNE:
        return multiprocessing.cpu_count()
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ValueError(f"workers must be a positive integer (or AUTOTUNE = -1); "
                         f"received {workers!r}.")
    return workers


def ordered_results(fetch, keys, workers=1, use_multiprocessing=False, max_queue_size=10):
    """Yield ``fetch(key)`` for every key, in order, computed ahead by a pool.

    Args:
        fetch: Function of one key. With processes it must be reachable after a fork
            (a bound method of an object that exists before the call is fine: workers
            are forked, nothing is sent to them but the key).
        keys: Iterable of keys (batch indices, elements).
        workers: Number of threads or processes; 1 without multiprocessing computes in
            the calling thread, with no pool.
        use_multiprocessing: Use forked processes instead of threads (for Python code
            that holds the GIL). Results travel back through a pipe, so they must be
            plain data (numpy arrays, tuples, dicts).
        max_queue_size: How many results may be computed ahead of the consumer.

    Yields:
        ``fetch(key)`` for each key, in the order of ``keys``.
    """
    if max_queue_size < 1:
        raise ValueError(f"max_queue_size must be at least 1; received {max_queue_size!r}.")
    if workers == 1 and not use_multiprocessing:
        for key in keys:
            yield fetch(key)
        return
    executor = _executor(fetch, workers, use_multiprocessing)
    pending = collections.deque()
    keys = iter(keys)
    try:
        for key in keys:
            pending.append(executor.submit(_call_fetch if use_multiprocessing else fetch, key))
            if len(pending) >= max_queue_size:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()
        executor.shutdown(wait=True, cancel_futures=True)


# The process pool's fetch: set in each forked worker by the initializer (processes share
# no memory, so this global is per process; in the parent it stays None).
_worker_fetch = None


def _install_fetch(fetch):
    global _worker_fetch
    _worker_fetch = fetch


def _call_fetch(key):
    return _worker_fetch(key)


def _executor(fetch, workers, use_multiprocessing):
    if not use_multiprocessing:
        return concurrent.futures.ThreadPoolExecutor(max_workers=workers)
    if "fork" not in multiprocessing.get_all_start_methods():
        raise ValueError("use_multiprocessing=True needs the 'fork' start method, which this "
                         "platform lacks; use threads (use_multiprocessing=False).")
    return concurrent.futures.ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("fork"),
        initializer=_install_fetch, initargs=(fetch,))


def prefetched(iterable, buffer_size):
    """Yield the items of ``iterable``, produced up to ``buffer_size`` ahead on a thread.

    Args:
        iterable: Any iterable; it is iterated on the background thread only.
        buffer_size: Items produced ahead (at least 1).

    Yields:
        The items, in order.
    """
    items = queue.Queue(maxsize=buffer_size)
    stop = threading.Event()

    def produce():
        try:
            for item in iterable:
                if not _put(items, (item, None), stop):
                    return
            _put(items, (_DONE, None), stop)
        except BaseException as exc:  # handed to the consumer, raised there
            _put(items, (_DONE, exc), stop)

    thread = threading.Thread(target=produce, daemon=True)
    thread.start()
    try:
        while True:
            item, error = items.get()
            if error is not None:
                raise error
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()
        thread.join()


def _put(items, entry, stop):
    """Put ``entry`` unless the consumer has gone; False when it has."""
    while not stop.is_set():
        try:
            items.put(entry, timeout=_POLL_SECONDS)
            return True
        except queue.Full:
            continue
    return False
