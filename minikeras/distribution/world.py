"""The process group a distributed run trains on: MPI ranks through mpi4py, or one process.

``world()`` is the only way the rest of minikeras reaches MPI. A script started without
``mpiexec`` gets a one-process world whose collectives return their input, so the same
script runs unchanged on a laptop; mpi4py is imported only when the process was launched
by an MPI launcher, and its absence then is an error naming the ``mpi`` extra.

Every collective has a deadline (``MINIKERAS_MPI_TIMEOUT`` seconds, default 300): a rank
that stops answering makes the others raise instead of hanging. An exception that escapes
on one rank aborts the whole job (``MPI_Abort``), so the other ranks do not wait forever
in the next collective.
"""
import itertools
import os
import sys
import time

import numpy as np

# Environment variables that MPI launchers (MPICH/Hydra, Open MPI, PMIx, Intel MPI, Slurm's
# PMI) set in every process they start.
_LAUNCHER_VARIABLES = ("PMI_RANK", "PMI_SIZE", "PMIX_RANK", "OMPI_COMM_WORLD_SIZE",
                       "MPI_LOCALNRANKS", "HYDI_CONTROL_FD")
# A collective is polled without pause for its first SPIN_SECONDS (MPI makes progress inside
# Test(), and a 2.5 MB Allreduce between two ranks takes about a millisecond), then every
# POLL_SECONDS until the deadline, so a rank waiting on a slow peer does not hold a core.
SPIN_SECONDS, POLL_SECONDS = 0.05, 1e-3
# While spinning, a waiting rank lets any other runnable process have its core: on a loaded
# machine that is often the rank it waits for (2 ranks on 2 busy cores: +50% steps/s).
_yield_cpu = getattr(os, "sched_yield", lambda: time.sleep(0))
ABORT_GRACE_SECONDS = 0.5
# Where MPICH and Open MPI put shared-memory windows on Linux: a tmpfs, only 64 MB by default
# in a Docker container, and touching window memory beyond its room kills with SIGBUS.
SHARED_MEMORY_DIR = "/dev/shm"


def launched_by_mpi():
    """Whether an MPI launcher (``mpiexec``, ``mpirun``, ``srun``) started this process."""
    return any(name in os.environ for name in _LAUNCHER_VARIABLES)


def collective_timeout():
    """Seconds a collective may wait for the other ranks (``MINIKERAS_MPI_TIMEOUT``)."""
    value = os.environ.get("MINIKERAS_MPI_TIMEOUT", "300")
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError("MINIKERAS_MPI_TIMEOUT must be a number of seconds. "
                         f"Received: {value!r}") from None
    if seconds <= 0:
        raise ValueError(f"MINIKERAS_MPI_TIMEOUT must be positive. Received: {value!r}")
    return seconds


def shared_memory_room():
    """Bytes free in ``SHARED_MEMORY_DIR``, or None where there is no such directory."""
    if not os.path.isdir(SHARED_MEMORY_DIR):
        return None
    stat = os.statvfs(SHARED_MEMORY_DIR)
    return stat.f_bavail * stat.f_frsize


class SingleProcess:
    """The world of a script run without MPI: rank 0 of 1; collectives change nothing."""

    rank, size, local_rank, local_size = 0, 1, 0, 1

    def allreduce_sum(self, buffer):
        return buffer

    def broadcast(self, buffer, root=0):
        return buffer

    def allgather_text(self, text):
        return [text]

    def gather_rows(self, array):
        return array


class MPIWorld:
    """``MPI.COMM_WORLD`` with in-place, deadline-bound collectives on numpy buffers."""

    def __init__(self, mpi):
        self._mpi = mpi
        self.comm = mpi.COMM_WORLD
        self.rank, self.size = self.comm.Get_rank(), self.comm.Get_size()
        self._node = self.comm.Split_type(mpi.COMM_TYPE_SHARED, key=self.rank)
        self.local_rank, self.local_size = self._node.Get_rank(), self._node.Get_size()
        self.timeout = collective_timeout()

    @property
    def on_one_node(self):
        """Whether every rank runs on this machine (so they can share memory)."""
        return self.local_size == self.size

    def _wait(self, request, what):
        start = time.monotonic()
        spin_until, deadline = start + SPIN_SECONDS, start + self.timeout
        while not request.Test():
            now = time.monotonic()
            if now < spin_until:
                _yield_cpu()
                continue
            if now > deadline:
                raise TimeoutError(
                    f"Rank {self.rank}: {what} waited more than {self.timeout:g} s for the other "
                    f"{self.size - 1} rank(s); one of them has failed or stalled "
                    "(MINIKERAS_MPI_TIMEOUT sets the limit).")
            time.sleep(POLL_SECONDS)

    def allreduce_sum(self, buffer):
        """Sum ``buffer`` over all ranks, in place (one message for the whole buffer)."""
        contiguous = np.ascontiguousarray(buffer)
        self._wait(self.comm.Iallreduce(self._mpi.IN_PLACE, contiguous, op=self._mpi.SUM),
                   f"allreduce of {contiguous.size} values")
        if contiguous is not buffer:
            buffer[...] = contiguous
        return buffer

    def reduce_scatter_sum(self, buffer, counts):
        """Sum the flat, contiguous ``buffer`` over all ranks, keeping only this rank's
        range: rank r owns ``counts[r]`` elements after those of the ranks before it, and
        afterwards holds their sum there; the rest of ``buffer`` is left unspecified."""
        mine = counts[self.rank]
        self._wait(self.comm.Ireduce_scatter(self._mpi.IN_PLACE, buffer, list(counts),
                                             op=self._mpi.SUM),
                   f"reduce-scatter of {buffer.size} values")
        start = sum(counts[:self.rank])
        if start:  # MPI leaves an in-place result at the front of the buffer
            buffer[start:start + mine] = buffer[:mine]
        return buffer

    def allgather_ranges(self, buffer, counts):
        """Fill the flat, contiguous ``buffer`` on every rank with each rank's own range
        (as in ``reduce_scatter_sum``), in place."""
        offsets = [0, *itertools.accumulate(counts[:-1])]
        self._wait(self.comm.Iallgatherv(self._mpi.IN_PLACE, [buffer, (list(counts), offsets)]),
                   f"allgather of {buffer.size} values")
        return buffer

    def barrier(self, what):
        """Wait until every rank has called ``barrier`` (``what`` names the wait in errors)."""
        self._wait(self.comm.Ibarrier(), what)

    def shared_memory_fits(self, nbytes):
        """Whether shared memory has room for ``nbytes`` per rank, as every rank sees it
        (``shared_memory_room``; one agreed answer)."""
        room = shared_memory_room()
        short = np.array([room is not None and room < self.size * nbytes], dtype=np.int64)
        return self.allreduce_sum(short)[0] == 0

    def shared_arrays(self, count, dtype):
        """One flat array of ``count`` elements of ``dtype`` per rank, in rank order, in
        memory every rank can read and write: a ``SharedArrays``. Only for ranks on one
        node (``on_one_node``); the memory stays allocated for the life of the process."""
        itemsize = np.dtype(dtype).itemsize
        info = self._mpi.Info.Create()
        info.Set("alloc_shared_noncontig", "true")  # each rank's array on its own pages
        window = self._mpi.Win.Allocate_shared(count * itemsize, itemsize, info=info,
                                               comm=self._node)
        info.Free()
        window.Lock_all(self._mpi.MODE_NOCHECK)  # one passive epoch, for Sync (MPI's memory model)
        _WINDOWS.append(window)
        arrays = [np.frombuffer(window.Shared_query(rank)[0], dtype, count=count)
                  for rank in range(self.size)]
        return SharedArrays(self, window, arrays)

    def broadcast(self, buffer, root=0):
        """Overwrite ``buffer`` on every rank with rank ``root``'s, in place."""
        contiguous = np.ascontiguousarray(buffer)
        self._wait(self.comm.Ibcast(contiguous, root=root), f"broadcast from rank {root}")
        if contiguous is not buffer:
            buffer[...] = contiguous
        return buffer

    def allgather_text(self, text):
        """Every rank's string ``text``, in rank order (for checks, not for data)."""
        encoded = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
        lengths = np.zeros(self.size, dtype=np.int64)
        lengths[self.rank] = encoded.size
        self.allreduce_sum(lengths)
        table = np.zeros((self.size, int(lengths.max())), dtype=np.uint8)
        table[self.rank, :encoded.size] = encoded
        self.allreduce_sum(table)
        return [bytes(row[:n]).decode("utf-8") for row, n in zip(table, lengths)]

    def gather_rows(self, array):
        """Concatenate every rank's ``array`` along axis 0 in rank order, on every rank."""
        array = np.ascontiguousarray(array)
        counts = np.zeros(self.size, dtype=np.int64)
        counts[self.rank] = array.shape[0]
        self.allreduce_sum(counts)
        row = int(np.prod(array.shape[1:], dtype=np.int64))
        out = np.empty((int(counts.sum()),) + array.shape[1:], dtype=array.dtype)
        sizes = counts * row
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        self._wait(self.comm.Iallgatherv(array, [out, (sizes.tolist(), offsets.tolist())]),
            f"gather of {array.shape[0]} rows")
        return out

    def abort(self, code=1):
        sys.stdout.flush()
        sys.stderr.flush()
        time.sleep(ABORT_GRACE_SECONDS)  # let the launcher forward what was just written
        self.comm.Abort(code)


class SharedArrays:
    """Per-rank flat arrays that every rank of a one-node world reads and writes directly
    (``MPIWorld.shared_arrays``).

    Attributes:
        arrays: one array per rank, in rank order; ``arrays[world.rank]`` is this rank's.
    """

    def __init__(self, group, window, arrays):
        self._world, self._window, self.arrays = group, window, arrays

    def synchronize(self, what):
        """A barrier after which every rank sees what every rank wrote before it."""
        self._window.Sync()
        self._world.barrier(what)
        self._window.Sync()


_WORLD = []
_WINDOWS = []  # shared-memory windows: arrays view them until the process ends


def world():
    """The process group of this run (created on first use)."""
    if not _WORLD:
        _WORLD.append(_mpi_world() if launched_by_mpi() else SingleProcess())
    return _WORLD[0]


def _mpi_world():
    try:
        from mpi4py import MPI
    except ImportError as error:
        raise ImportError(
            "This process was started by an MPI launcher, and distributed training needs "
            "mpi4py: install it with `pip install \"minikeras[mpi]\"` (mpi4py and the MPICH "
            "runtime from the package index).") from error
    result = MPIWorld(MPI)
    if result.size > 1:
        _abort_on_uncaught_exception(result)
    return result


def _abort_on_uncaught_exception(mpi_world):
    previous = sys.excepthook

    def hook(kind, value, traceback):
        sys.stderr.write(f"minikeras: rank {mpi_world.rank} failed; aborting all "
                         f"{mpi_world.size} ranks.\n")
        previous(kind, value, traceback)
        mpi_world.abort(1)

    sys.excepthook = hook
