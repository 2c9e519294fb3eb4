"""``hvd.callbacks``: Horovod's Keras callbacks, with Horovod's semantics."""
import numpy as np

from ..callbacks.callback import Callback
from ..distribution.world import world
from ..io_utils import print_msg


class BroadcastGlobalVariablesCallback(Callback):
    """Start every rank from rank ``root_rank``'s weights and optimizer state.

    Horovod broadcasts after the first batch; minikeras builds the optimizer first and
    broadcasts before it, so the first step already starts from identical values.
    """

    def __init__(self, root_rank, device=""):
        super().__init__()
        del device
        self.root_rank = int(root_rank)

    def on_train_begin(self, logs=None):
        model, group = self.model, world()
        model._build_optimizer()
        for variable in list(model.variables) + list(model.optimizer.variables):
            group.broadcast(variable.data, root=self.root_rank)


class MetricAverageCallback(Callback):
    """Replace each epoch's logs by their average over all ranks (for later callbacks)."""

    def __init__(self, device=""):
        super().__init__()
        del device

    def on_epoch_end(self, epoch, logs=None):
        if not logs:
            return
        names = sorted(logs)
        values = np.array([float(logs[k]) for k in names], dtype=np.float64)
        world().allreduce_sum(values)
        values /= world().size
        for key, value in zip(names, values):
            logs[key] = float(value)


class LearningRateScheduleCallback(Callback):
    """Set the learning rate to ``initial_lr * multiplier(epoch)`` from ``start_epoch`` to
    ``end_epoch`` (per epoch with ``staircase``, else per batch with a fractional epoch);
    with ``momentum_correction`` the momentum is scaled by new_lr / old_lr for the batch."""

    def __init__(self, initial_lr, multiplier, start_epoch=0, end_epoch=None, staircase=True,
                 momentum_correction=True, steps_per_epoch=None):
        super().__init__()
        if initial_lr is None:
            raise ValueError("`initial_lr` is required.")
        self.initial_lr = float(initial_lr)
        self.multiplier = multiplier if callable(multiplier) else (lambda e: multiplier ** e)
        self.start_epoch, self.end_epoch = start_epoch, end_epoch
        self.staircase, self.momentum_correction = staircase, momentum_correction
        self.steps_per_epoch = steps_per_epoch
        self._epoch, self._restore_momentum = 0, None

    def on_train_begin(self, logs=None):
        if not self.staircase and not self.steps_per_epoch:
            self.steps_per_epoch = self.params.get("steps")
            if not self.steps_per_epoch:
                raise ValueError(f"{type(self).__name__} could not find the number of steps "
                                 "per epoch; pass `steps_per_epoch`.")

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if self._epoch < self.start_epoch or (self.end_epoch is not None
                                              and self._epoch >= self.end_epoch):
            return
        if self.staircase:
            if batch == 0:
                self._set_rate(self._epoch)
        else:
            self._set_rate(self._epoch + batch / self.steps_per_epoch)

    def _set_rate(self, epoch):
        optimizer = self.model.optimizer
        old = float(optimizer.learning_rate)
        new = self.initial_lr * self.multiplier(epoch)
        optimizer.learning_rate = new
        if self.momentum_correction and getattr(optimizer, "momentum", None) and old > 0:
            self._restore_momentum = optimizer.momentum
            optimizer.momentum = optimizer.momentum * new / old

    def on_train_batch_end(self, batch, logs=None):
        if self._restore_momentum is not None:
            self.model.optimizer.momentum = self._restore_momentum
            self._restore_momentum = None

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


class LearningRateWarmupCallback(LearningRateScheduleCallback):
    """Ramp the learning rate from ``initial_lr / size`` to ``initial_lr`` over
    ``warmup_epochs`` epochs, batch by batch (Goyal et al., 2017), as Horovod does."""

    def __init__(self, initial_lr, warmup_epochs=5, momentum_correction=True,
                 steps_per_epoch=None, verbose=0):
        def multiplier(epoch):
            epoch += 1.0 / self.steps_per_epoch  # reach round values at epoch ends
            n = world().size
            return (epoch * (n - 1) / warmup_epochs + 1) / n

        super().__init__(initial_lr, multiplier, start_epoch=0, end_epoch=warmup_epochs,
                         staircase=False, momentum_correction=momentum_correction,
                         steps_per_epoch=steps_per_epoch)
        self.verbose = verbose

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        if epoch == self.end_epoch - 1 and self.verbose and world().rank == 0:
            print_msg(f"\nEpoch {epoch + 1}: finished gradual learning rate warmup to "
                      f"{float(self.model.optimizer.learning_rate):g}.")
