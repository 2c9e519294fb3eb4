"""keras.distribution.DataParallel over MPI, and the distribution the trainer consults.

With a ``DataParallel`` distribution set, ``fit`` splits every global batch into one
contiguous shard per rank and each rank runs forward and backward on its shard. Then,
for an elementwise optimizer (SGD, Adam, RMSprop, ...: ``optimizer.elementwise``), a
sharded update: a Reduce-scatter of the flat gradient buffer, each rank updates its
1/N of the weights, an Allgather gives every rank all of them (sharded_update.py). For
the others (Adafactor, Lamb, Muon, custom ``update_step`` optimizers), whose update
needs whole variables, one in-place Allreduce gives every rank the gradient of the
whole batch and each rank applies the same update to the same weights. Either way the
weights stay bit-identical across ranks.

Shard gradients are weighted by their share of the batch (``n_rank / n_batch``), so a
last batch that does not split evenly gives exactly the gradient one process would
compute on it.
"""
import contextlib
import hashlib

import numpy as np

from .mesh import DeviceMesh, TensorLayout, list_devices
from ..autodiff import no_grad
from ..callbacks.callback import Callback, flat_logs
from ..tree import flatten, map_structure
from .sharded_update import ShardedUpdate, saves_mid_epoch
from .world import SingleProcess, world

_CURRENT = [None]


class DataParallel:
    """Replicate the model on every device (MPI rank) and split each batch among them.

    Args:
        device_mesh: a one-dimensional ``DeviceMesh`` over all ranks; its axis names the
            batch dimension.
        devices: device names (default: every rank, ``list_devices()``).
        auto_shard_dataset: accepted with Keras's meaning: each rank reads its own shard
            of every batch.
    """

    def __init__(self, device_mesh=None, devices=None, auto_shard_dataset=True):
        if device_mesh is None:
            devices = list_devices() if devices is None else list(devices)
            device_mesh = DeviceMesh((len(devices),), ["batch"], devices)
        elif len(device_mesh.shape) != 1:
            raise ValueError("DataParallel needs a one-dimensional DeviceMesh. Received a mesh "
                             f"of shape {device_mesh.shape}.")
        ranks = list_devices()
        if sorted(device_mesh.devices.ravel().tolist()) != ranks:
            raise ValueError(f"DataParallel over MPI trains on every rank: expected the devices "
                             f"{ranks}, received {device_mesh.devices.ravel().tolist()}. Start "
                             "as many processes as devices (`mpiexec -n N`).")
        self._device_mesh = device_mesh
        self._auto_shard_dataset = bool(auto_shard_dataset)

    @property
    def device_mesh(self):
        return self._device_mesh

    @property
    def batch_dim_name(self):
        return self._device_mesh.axis_names[0]

    @property
    def auto_shard_dataset(self):
        return self._auto_shard_dataset

    @property
    def num_processes(self):
        return world().size

    def get_data_layout(self, data_shape):
        """Inputs are split along their first (batch) axis."""
        return TensorLayout([self.batch_dim_name] + [None] * (len(data_shape) - 1),
                            self._device_mesh)

    def get_variable_layout(self, variable):
        """Every weight is whole on every rank."""
        return TensorLayout([None] * len(variable.shape), self._device_mesh)

    def get_tensor_layout(self, path):
        return None

    @contextlib.contextmanager
    def scope(self):
        """Make this the distribution inside a ``with`` block."""
        previous = _CURRENT[0]
        _CURRENT[0] = self
        try:
            yield
        finally:
            _CURRENT[0] = previous

    def __repr__(self):
        return f"<DataParallel device_mesh={self._device_mesh}>"


class ModelParallel:
    """Not offered: minikeras keeps every weight whole on each rank."""

    def __init__(self, *args, **kwargs):
        raise NotImplementedError(
            "minikeras distributes training by data parallelism only (every rank holds the "
            "whole model); ModelParallel, which splits weights across devices, is not "
            "supported. Use keras.distribution.DataParallel().")


def set_distribution(value):
    """Make ``value`` (a ``DataParallel`` or None) the distribution of later models."""
    if value is not None and not isinstance(value, DataParallel):
        raise ValueError("set_distribution() takes a keras.distribution.DataParallel or None. "
                         f"Received: {value!r}")
    _CURRENT[0] = value


def distribution():
    """The distribution set by ``set_distribution`` or a ``scope()``, or None."""
    return _CURRENT[0]


def distribute_tensor(tensor, layout):
    """Each rank already holds whole tensors under data parallelism: ``tensor`` unchanged."""
    del layout
    return tensor


class ReplicaGroup:
    """What ``fit``, ``evaluate`` and ``predict`` do differently on several ranks.

    The trainer holds one for every call; in a single process (no distribution set, or
    one rank) each method returns its input and the training loop is the same code.
    """

    def __init__(self, group):
        self.world = group
        self.rank, self.size = group.rank, group.size
        self._share, self._uniform = 1.0, True
        self._rows = 0  # rows this rank has stepped on since the epoch began
        self._log_names = None  # the names of custom step logs, once checked on every rank
        self._optimizer = self._sharded = None  # and its ShardedUpdate, if it has one

    @property
    def is_chief(self):
        """Rank 0: the one rank that prints progress and writes files."""
        return self.rank == 0

    def start_training(self, model, batch_size, sample):
        """Check the ranks agree, start them from rank 0's weights, and make the optimizer
        sum the ranks' gradients: a sharded update for an elementwise optimizer, else an
        Allreduce before each update. ``sample`` (one input row) builds a model that has
        no weights yet, so there are weights to broadcast."""
        for layer in model._flatten_layers():  # BatchNormalization(synchronized=True)
            if getattr(layer, "synchronized", False):
                layer.replica_group = self if self.size > 1 else None
        if self.size == 1:
            model.optimizer.update_shard = None  # left by an earlier fit on several ranks
            return
        if batch_size % self.size:
            raise ValueError(f"DataParallel over {self.size} ranks splits each batch evenly: "
                             f"batch_size must be a multiple of {self.size}. Received: "
                             f"batch_size={batch_size}")
        if not model.weights:
            with no_grad():
                model(sample, training=False)
        self._check_same_model(model)
        for variable in model.weights:
            self.world.broadcast(variable.data, root=0)
        optimizer = model.optimizer
        if hasattr(optimizer, "inner_optimizer"):
            raise ValueError("DataParallel does not train with a LossScaleOptimizer: it decides "
                             "to skip a step from each rank's own gradients, so the ranks could "
                             "disagree. Compile with its inner optimizer (float32 training does "
                             "not need loss scaling; a model made under the 'mixed_float16' "
                             "policy gets one unless compiled with auto_scale_loss=False).")
        if optimizer.elementwise:
            self._sharded = ShardedUpdate(self)
            optimizer.gradient_reducer, optimizer.update_shard = None, self._sharded
        else:
            optimizer.gradient_reducer, optimizer.update_shard = self._reduce_gradients, None
        self._optimizer = optimizer

    def callbacks_for_this_rank(self, callbacks):
        """All ``callbacks`` on rank 0; on the others, those that write no files. On several
        ranks, first the group's own ``ReplicaCallback``."""
        if self.size == 1:
            return callbacks
        own = [ReplicaCallback(self, every_batch=saves_mid_epoch(callbacks))]
        if self.is_chief:
            return own + callbacks
        return own + [cb for cb in callbacks if not getattr(cb, "writes_files", False)]

    def start_epoch(self):
        self._rows = 0

    def gather_state(self):
        """Give every rank the whole state of a sharded optimizer (see sharded_update.py)."""
        if self._sharded is not None:
            self._sharded.gather_state(self._optimizer)

    def agree(self, flag):
        """Rank 0's value of a boolean ``flag``, on every rank."""
        value = np.array([flag], dtype=np.uint8)
        self.world.broadcast(value, root=0)
        return bool(value[0])

    def shard(self, batch):
        """This rank's contiguous rows of every array in ``batch`` (a tuple of structures).

        A batch with fewer rows than ranks is not split: every rank takes all of it with a
        share of ``1 / size``, so the summed gradient is still the batch's, and metric sums,
        counted ``size`` times in both numerator and denominator, keep their value.
        """
        if self.size == 1:
            return batch
        n = len(next(leaf for leaf in flatten(batch) if leaf is not None))
        if n < self.size:
            self._share, self._uniform = 1.0 / self.size, True
            self._rows += n
            return batch
        start, stop = n * self.rank // self.size, n * (self.rank + 1) // self.size
        self._share, self._uniform = (stop - start) / n, n % self.size == 0
        self._rows += stop - start
        return map_structure(lambda a: None if a is None else a[start:stop], batch)

    def batch_share(self):
        """This rank's share of the current batch, and whether every rank has that share."""
        return self._share, self._uniform

    def mean_logs(self, logs):
        """A custom ``train_step`` / ``test_step``'s ``logs`` ({name: float}, the same names
        on every rank) averaged over the ranks, each weighted by the rows it has stepped on
        since the epoch (or evaluation) began: a running mean over every rank's rows, as the
        built-in logs are."""
        if self.size == 1 or not logs:
            return dict(logs)
        logs = flat_logs(logs)  # a custom step's nested "compile_metrics" entries
        names = list(logs)
        if names != self._log_names:
            self._check_same_names(names)
        values = np.array([logs[name] for name in names] + [1.0], dtype=np.float64)
        total = self.world.allreduce_sum(values * self._rows)
        return {name: float(value / total[-1]) for name, value in zip(names, total[:-1])}

    def sum_values(self, array):
        """Every rank's ``array`` summed (a new array): synchronized batch statistics."""
        return self.world.allreduce_sum(np.array(array, copy=True))

    def sum_gradients(self, gradient):
        """The backward of ``sum_values``: every rank's upstream gradient weighted by its share
        of the batch, divided by this rank's share (``_reduce_gradients`` multiplies it back)."""
        total = self.world.allreduce_sum(gradient * gradient.dtype.type(self._share))
        total /= total.dtype.type(self._share)
        return total

    def _reduce_gradients(self, buffer):
        """Weight this rank's gradient by its share of the batch, then sum over ranks."""
        if self._share != 1.0:
            buffer *= buffer.dtype.type(self._share)
        self.world.allreduce_sum(buffer)

    def gather(self, outputs):
        """Every rank's rows of ``outputs`` (a structure of arrays), concatenated in order."""
        if self.size == 1:
            return outputs
        return map_structure(self.world.gather_rows, outputs)

    @contextlib.contextmanager
    def global_metrics(self, metrics):
        """Inside the block each metric holds the sum of its state over all ranks."""
        states = [v for metric in metrics for v in metric.variables] if self.size > 1 else []
        local = [v.data.copy() for v in states]
        if states:
            flat = np.concatenate([v.data.ravel().astype(np.float64) for v in states])
            self.world.allreduce_sum(flat)
            offset = 0
            for v in states:
                v.data[...] = flat[offset:offset + v.data.size].reshape(v.data.shape)
                offset += v.data.size
        try:
            yield
        finally:
            for v, value in zip(states, local):
                v.data[...] = value

    def _check_same_names(self, names):
        everyone = [text.split("\n") for text in self.world.allgather_text("\n".join(names))]
        differing = [r for r, theirs in enumerate(everyone) if theirs != everyone[0]]
        if differing:
            raise ValueError(f"The ranks' train_step / test_step returned different logs: rank "
                             f"0 returned {everyone[0]}, rank {differing[0]} returned "
                             f"{everyone[differing[0]]}. Every rank must return the same "
                             "names, so that their values can be averaged.")
        self._log_names = names

    def _check_same_model(self, model):
        fingerprints = self.world.allgather_text(model_fingerprint(model))
        differing = [r for r, f in enumerate(fingerprints) if f != fingerprints[0]]
        if differing:
            raise ValueError(f"The ranks built different models: ranks {differing} differ from "
                             "rank 0 in their layers or weight shapes. Every rank must run the "
                             "same model-building code.")


class ReplicaCallback(Callback):
    """What a ``ReplicaGroup`` does at ``fit``'s callback points, before the user's callbacks:
    restart the epoch's row count, and give every rank the whole state of a sharded
    optimizer before anything may read it: before validation, at each epoch end (so before
    ``ModelCheckpoint`` and the end of ``fit``) and, with ``every_batch``, after each batch."""

    def __init__(self, group, every_batch):
        super().__init__()
        self._group, self._every_batch = group, every_batch

    def wants_batch_logs(self):
        return False

    def on_epoch_begin(self, epoch, logs=None):
        self._group.start_epoch()

    def on_train_batch_end(self, batch, logs=None):
        if self._every_batch:
            self._group.gather_state()

    def on_test_begin(self, logs=None):
        self._group.gather_state()

    def on_epoch_end(self, epoch, logs=None):
        self._group.gather_state()


def model_fingerprint(model):
    """A short hash of a model's layer classes and weight shapes."""
    text = ";".join(f"{type(layer).__name__}:" + ",".join(str(tuple(w.shape)) for w in layer.weights)
                    for layer in model._flatten_layers())
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def replica_group(model):
    """The ranks a training call of ``model`` spreads over (one, without a distribution)."""
    if _CURRENT[0] is None:
        return ReplicaGroup(SingleProcess())
    if getattr(model, "_distribution", None) is not _CURRENT[0]:
        raise ValueError("The distribution was set after this model was created. Call "
                         "keras.distribution.set_distribution(...) (or enter its scope) before "
                         "building the model, so every rank builds it the same way.")
    return ReplicaGroup(world())
