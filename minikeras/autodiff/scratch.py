"""Scratch arrays reused across training steps, keyed by shape and dtype.

A primitive that needs a large temporary (an im2col matrix, a masked gradient) takes it with
``hold(owner, shape, dtype)``: the array comes back to the free list when ``owner`` (the
Function) is garbage collected, which happens once its graph is freed after the backward pass
(or right after the call under ``no_grad``). The next step of the same shape then writes into
memory that is already mapped and cached instead of a fresh allocation: a fresh 10-20 MB
array costs its page faults and the kernel's zeroing on every step.

Never hand a held array (or a view of it) to the caller: it is reused once its owner is gone.
Free arrays are kept up to ``FREE_LIMIT_BYTES`` in total, least recently released dropped first.

The arrays a step hands on (layer outputs, gradients) cannot be reused that way, so the C
allocator is asked to keep freed memory instead (``keep_freed_memory``, on at import, glibc
only): by default glibc gives every freed block over a few MB back to the kernel, and the
next step's array of the same size page-faults on each 4 kB page again (about 5,000 faults,
8-10% of a Keras mnist_convnet training step). Blocks under 16 MB now come from the heap and
stay mapped, so memory is not returned between steps; heap fragmentation raises the peak a
little (bn_gap in benchmarks/cnn.py: growth 538 MiB against 535 at 16 MB, 636 at 32 MB). A user
who sets ``MALLOC_TRIM_THRESHOLD_`` or ``MALLOC_MMAP_THRESHOLD_`` keeps their own policy.
"""
import ctypes
import os
import sys
import threading
import weakref
from collections import OrderedDict

import numpy as np

FREE_LIMIT_BYTES = 64 * 2 ** 20

_free = OrderedDict()    # (shape, dtype) -> list of free arrays, least recently released first
_free_bytes = [0]
_lock = threading.Lock()   # primitives split by batch parts take and give from several threads


def take(shape, dtype):
    """A free array of ``shape`` and ``dtype`` (contents undefined), or a new one."""
    key = (tuple(shape), np.dtype(dtype))
    with _lock:
        stack = _free.get(key)
        if stack:
            array = stack.pop()
            if not stack:
                del _free[key]
            _free_bytes[0] -= array.nbytes
            return array
    return np.empty(key[0], key[1])


def give_back(array):
    """Return ``array`` to the free list (its contents are dead)."""
    key = (array.shape, array.dtype)
    with _lock:
        _free.setdefault(key, []).append(array)
        _free.move_to_end(key)
        _free_bytes[0] += array.nbytes
        while _free_bytes[0] > FREE_LIMIT_BYTES:
            oldest_key, stack = next(iter(_free.items()))
            _free_bytes[0] -= stack.pop(0).nbytes
            if not stack:
                del _free[oldest_key]


def hold(owner, shape, dtype):
    """``take(shape, dtype)``, given back automatically when ``owner`` is collected."""
    array = take(shape, dtype)
    weakref.finalize(owner, give_back, array)
    return array


def hold_again(owner, shape, dtype):
    """``hold(owner, shape, dtype)``, or the array the owner's previous call held when it
    has that shape and dtype (``owner.held``): a Function run again (a replayed step,
    replay.py) reuses its array instead of holding one more at each run until it is
    collected."""
    kept = owner.__dict__.get("held")
    if kept is None or kept.shape != tuple(shape) or kept.dtype != dtype:
        kept = owner.held = hold(owner, shape, dtype)
    return kept


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3      # glibc's mallopt parameter numbers
MMAP_THRESHOLD_BYTES = 16 * 2 ** 20                # 32 MB (glibc's ceiling) fragmented more


def keep_freed_memory():
    """Ask glibc to keep freed blocks up to ``MMAP_THRESHOLD_BYTES`` mapped for reuse.

    Returns True when the policy was applied; False off glibc or when the user chose one."""
    if not sys.platform.startswith("linux") or any(
            name in os.environ for name in ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_")):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):              # musl or another C library
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
                and mallopt(_M_TRIM_THRESHOLD, 2 ** 31 - 1))


keep_freed_memory()
