"""Devices, meshes and layouts with Keras 3's names; a device here is one MPI rank.

minikeras keeps a whole copy of every weight on each rank (data parallelism), so a
layout is a description that Keras scripts build and pass around; only its batch axis
changes what training does.
"""
import numpy as np

from .world import world

DEVICE_TYPES = ("cpu", "gpu", "tpu")


def list_devices(device_type=None):
    """One ``"cpu:<rank>"`` entry per MPI rank (``["cpu:0"]`` without MPI).

    minikeras computes on CPUs only, so ``device_type="gpu"`` or ``"tpu"`` lists nothing.
    """
    if device_type is not None and str(device_type).lower() not in DEVICE_TYPES:
        raise ValueError(f"`device_type` must be one of {DEVICE_TYPES} or None. "
                         f"Received: device_type={device_type!r}")
    if device_type is not None and str(device_type).lower() != "cpu":
        return []
    return [f"cpu:{rank}" for rank in range(world().size)]


def get_device_count(device_type=None):
    """How many devices ``list_devices(device_type)`` lists."""
    return len(list_devices(device_type))


def initialize(job_addresses=None, num_processes=None, process_id=None):
    """Join the MPI job and check it is the one the script expects.

    The hosts and the number of processes come from the MPI launcher (``mpiexec -n N``),
    so ``job_addresses`` is not needed; ``num_processes`` and ``process_id``, when
    given, must agree with what the launcher started.
    """
    del job_addresses  # the MPI launcher has already placed the processes
    group = world()
    if num_processes is not None and int(num_processes) != group.size:
        raise ValueError(f"initialize(num_processes={num_processes}) but the MPI launcher "
                         f"started {group.size} process(es): launch with "
                         f"`mpiexec -n {num_processes} python ...`.")
    if process_id is not None and int(process_id) != group.rank:
        raise ValueError(f"initialize(process_id={process_id}) but this process is MPI rank "
                         f"{group.rank}; leave process_id unset under mpiexec.")


class DeviceMesh:
    """Devices arranged in a named grid, e.g. ``DeviceMesh((2,), ["batch"])``.

    Args:
        shape: the grid's shape; its product is the number of devices.
        axis_names: one name per axis of ``shape``.
        devices: device names (default: ``list_devices()``).
    """

    def __init__(self, shape, axis_names, devices=None):
        shape = tuple(int(s) for s in shape)
        axis_names = [str(a) for a in axis_names]
        if len(shape) != len(axis_names):
            raise ValueError("A DeviceMesh needs one axis name per dimension of `shape`. "
                             f"Received: shape={shape}, axis_names={axis_names}")
        devices = list_devices() if devices is None else list(np.asarray(devices).ravel())
        if int(np.prod(shape)) != len(devices):
            raise ValueError(f"A DeviceMesh of shape {shape} needs {int(np.prod(shape))} "
                             f"devices. Received {len(devices)}: {devices}")
        self._shape, self._axis_names = shape, axis_names
        self._devices = np.array(devices, dtype=object).reshape(shape)

    @property
    def shape(self):
        return self._shape

    @property
    def axis_names(self):
        return self._axis_names

    @property
    def devices(self):
        return self._devices

    def __repr__(self):
        return f"<DeviceMesh shape={self.shape}, axis_names={self.axis_names}>"


class TensorLayout:
    """Which mesh axis, if any, each dimension of a tensor is split over (None: whole)."""

    def __init__(self, axes, device_mesh=None):
        self._axes = tuple(axes)
        self._device_mesh = None
        if device_mesh is not None:
            self.device_mesh = device_mesh

    @property
    def axes(self):
        return self._axes

    @property
    def device_mesh(self):
        return self._device_mesh

    @device_mesh.setter
    def device_mesh(self, device_mesh):
        if self._device_mesh is not None:
            raise ValueError("This TensorLayout already has a device mesh; it cannot be "
                             "replaced.")
        unknown = [a for a in self._axes if a is not None and a not in device_mesh.axis_names]
        if unknown:
            raise ValueError(f"TensorLayout axes {unknown} are not axes of the device mesh "
                             f"{device_mesh.axis_names}.")
        self._device_mesh = device_mesh

    def __repr__(self):
        return f"<TensorLayout axes={self.axes}, device_mesh={self.device_mesh}>"
