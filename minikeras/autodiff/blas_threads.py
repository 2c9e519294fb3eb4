"""Run BLAS on one thread for a while, so several Python threads can each run their own GEMMs.

A long sequential computation (a recurrence: one small product per timestep) gains little
from a multithreaded GEMM, and its elementwise numpy passes run on one thread only. Split by
batch rows over Python threads instead, each thread's products should run on that thread
alone: ``single_threaded()`` sets the BLAS library's thread count to 1 for the duration of
a ``with`` block and restores it after.

The count is the library's global setting (OpenBLAS has no per-thread count in its pthreads
builds), so for the duration of the block every BLAS call in the process runs on its calling
thread. Only OpenBLAS is controlled, found by its exported ``*_set_num_threads`` /
``*_get_num_threads`` functions among the shared libraries this process has loaded (Linux's
/proc/self/maps); elsewhere ``available()`` is False and callers keep one thread of work
with the library's own threading.
"""
import contextlib
import ctypes
import os
import threading

_PREFIXES = ("scipy_openblas", "openblas")
_SUFFIXES = ("64_", "_64", "")
_state = {"funcs": None, "depth": 0, "saved": None}
_lock = threading.Lock()


def _loaded_openblas_paths():
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:
        return []
    return sorted(p for p in paths if os.path.isabs(p) and ".so" in os.path.basename(p))


def _find():
    """(set_num_threads, get_num_threads) of the loaded OpenBLAS, or None."""
    for path in _loaded_openblas_paths():
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in _PREFIXES:
            for suffix in _SUFFIXES:
                setter = getattr(library, f"{prefix}_set_num_threads{suffix}", None)
                getter = getattr(library, f"{prefix}_get_num_threads{suffix}", None)
                if setter is not None and getter is not None:
                    setter.argtypes, setter.restype = (ctypes.c_int,), None
                    getter.argtypes, getter.restype = (), ctypes.c_int
                    return setter, getter
    return None


def _funcs():
    if _state["funcs"] is None:
        import numpy  # noqa: F401  (loads the BLAS library numpy links)
        _state["funcs"] = _find() or ()
    return _state["funcs"]


def available():
    """Whether this process's BLAS thread count can be set (OpenBLAS found)."""
    return bool(_funcs())


def pinned():
    """Whether BLAS runs on one thread now (inside a ``single_threaded`` block)."""
    return _state["depth"] > 0


@contextlib.contextmanager
def single_threaded():
    """BLAS on one thread inside the block (nested blocks and threads share one setting:
    the count in force before the outermost block comes back when the last one leaves).
    Yields whether the count is controlled (``available()``)."""
    funcs = _funcs()
    if not funcs:
        yield False
        return
    setter, getter = funcs
    with _lock:
        if _state["depth"] == 0:
            _state["saved"] = getter()
            setter(1)
        _state["depth"] += 1
    try:
        yield True
    finally:
        with _lock:
            _state["depth"] -= 1
            if _state["depth"] == 0:
                setter(_state["saved"])
