"""keras.distribution on MPI: data-parallel training where each device is one MPI rank.

Launch with ``mpiexec -n N python train.py``; without ``mpiexec`` a script runs as one
process and nothing here imports mpi4py. See docs/distributed.md.
"""
from .data_parallel import (DataParallel, ModelParallel, distribute_tensor, distribution,
                            set_distribution)
from .mesh import DeviceMesh, TensorLayout, get_device_count, initialize, list_devices

__all__ = ["DataParallel", "DeviceMesh", "ModelParallel", "TensorLayout", "distribute_tensor",
           "distribution", "get_device_count", "initialize", "list_devices", "set_distribution"]
