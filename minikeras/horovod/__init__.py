"""Horovod's Keras API on minikeras: ``import minikeras.horovod as hvd``.

Scripts written for ``horovod.keras`` / ``horovod.tensorflow.keras`` run here with that
one import changed, on MPI ranks started by ``mpiexec -n N`` (``horovodrun -np N`` is
Horovod's own launcher; ``mpiexec`` takes its place). As in Horovod, each process reads
its own part of the data (shard it by ``hvd.rank()``), ``DistributedOptimizer`` averages
the gradients of all ranks before every update (one Allreduce of the flat gradient
buffer), and ``hvd.callbacks`` broadcasts the initial state and averages metrics.

Without ``mpiexec`` the script runs as one process: ``hvd.size()`` is 1.
"""
import numpy as np

from ..distribution.world import world
from . import callbacks  # noqa: F401  (hvd.callbacks.*)

Average, Sum = "average", "sum"
_OPS = (Average, Sum)
_STARTED = [False]


def init(comm=None, process_sets=None):
    """Join the MPI job (every process of ``mpiexec``); ``comm`` must be None or COMM_WORLD."""
    del process_sets  # minikeras reduces over all ranks
    group = world()
    if comm is not None and getattr(comm, "Get_size", lambda: None)() not in (None, group.size):
        raise ValueError("minikeras.horovod runs on every MPI rank (COMM_WORLD); a "
                         "sub-communicator was given.")
    _STARTED[0] = True


def is_initialized():
    return _STARTED[0]


def shutdown():
    _STARTED[0] = False


def _started():
    if not _STARTED[0]:
        raise ValueError("Horovod has not been initialized; call hvd.init() first.")
    return world()


def rank():
    """This process's index among all ranks."""
    return _started().rank


def size():
    """The number of ranks."""
    return _started().size


def local_rank():
    """This process's index among the ranks on its machine."""
    return _started().local_rank


def local_size():
    """The number of ranks on this machine."""
    return _started().local_size


def allreduce(value, name=None, average=None, prescale_factor=1.0, postscale_factor=1.0,
              op=None, compression=None):
    """The sum or (default) average of ``value`` over all ranks, as a numpy array."""
    del name, compression
    if average is not None and op is not None:
        raise ValueError("Give either `average` (Horovod's older argument) or `op`, not both.")
    op = (Average if average or average is None else Sum) if op is None else op
    if op not in _OPS:
        raise ValueError(f"`op` must be hvd.Average or hvd.Sum. Received: op={op!r}")
    data = np.asarray(value)
    result = np.array(data, dtype=np.float64 if data.dtype.kind in "iub" else data.dtype)
    result *= prescale_factor
    _started().allreduce_sum(result)
    if op == Average:
        result /= size()
    result *= postscale_factor
    return result.astype(data.dtype, copy=False) if data.dtype.kind == "f" else result


def broadcast(value, root_rank, name=None):
    """Rank ``root_rank``'s ``value`` (a numpy array) on every rank."""
    del name
    result = np.array(value)
    _started().broadcast(result, root=root_rank)
    return result


def broadcast_variables(variables, root_rank):
    """Overwrite ``variables`` on every rank with rank ``root_rank``'s values, in place."""
    group = _started()
    for variable in variables:
        group.broadcast(variable.data, root=root_rank)


def DistributedOptimizer(optimizer, name=None, device_dense="", device_sparse="",  # noqa: N802
                         compression=None, sparse_as_dense=False,
                         gradient_predivide_factor=1.0, op=Average,
                         backward_passes_per_step=1, average_aggregated_gradients=False,
                         num_groups=0, groups=None):
    """A copy of ``optimizer`` that averages (or sums) gradients over all ranks before
    each update, in one Allreduce of its flat gradient buffer."""
    del name, device_dense, device_sparse, compression, sparse_as_dense, num_groups, groups
    if op not in _OPS:
        raise ValueError(f"`op` must be hvd.Average or hvd.Sum. Received: op={op!r}")
    if backward_passes_per_step != 1 or average_aggregated_gradients:
        raise ValueError("minikeras.horovod accumulates gradients through the optimizer's own "
                         "`gradient_accumulation_steps`; use that instead of "
                         f"backward_passes_per_step={backward_passes_per_step}.")
    group = _started()
    wrapped = type(optimizer).from_config(optimizer.get_config())
    scale = 1.0 / gradient_predivide_factor
    post = gradient_predivide_factor / group.size if op == Average else gradient_predivide_factor

    def average_over_ranks(buffer):
        if scale != 1.0:
            buffer *= buffer.dtype.type(scale)
        group.allreduce_sum(buffer)
        if post != 1.0:
            buffer *= buffer.dtype.type(post)

    wrapped.gradient_reducer = average_over_ranks
    return wrapped
