"""keras.callbacks.LearningRateScheduler and ReduceLROnPlateau: change the optimizer's rate."""
import numpy as np

from .callback import CALLBACKS, Callback
from ..arguments import check_number, warn_user
from .monitor import MonitorCallback
from ..io_utils import print_msg


def _current_lr(model):
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "learning_rate"):
        raise ValueError('Optimizer must have a "learning_rate" attribute.')
    return float(optimizer.learning_rate)


@CALLBACKS.register("LearningRateScheduler")
class LearningRateScheduler(Callback):
    """Set the learning rate at each epoch start to ``schedule(epoch, lr)``.

    ``epoch`` is 0-based and ``lr`` the current rate as a float; a schedule that takes
    only ``epoch`` (Keras 2 style) is called as ``schedule(epoch)``. The result must be a
    float (python, ``np.float32`` or ``np.float64``). The rate in use is added to the
    epoch logs as ``"learning_rate"`` (so it appears in ``History``).

    Args:
        schedule: the function ``(epoch, lr) -> new lr`` (or ``epoch -> new lr``).
        verbose: 1 prints ``Epoch N: LearningRateScheduler setting learning rate to X.``
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError("LearningRateScheduler: `schedule` must be a function "
                            "`schedule(epoch, lr)` returning the new learning rate (a float). "
                            f"Received: {schedule!r} ({type(schedule).__name__})")
        self.schedule = schedule
        self.verbose = verbose

    def _call_schedule(self, epoch, lr):
        try:
            return self.schedule(epoch, lr)
        except TypeError as two_arguments_error:
            try:
                return self.schedule(epoch)
            except TypeError:
                raise two_arguments_error from None

    def on_epoch_begin(self, epoch, logs=None):
        lr = self._call_schedule(epoch, _current_lr(self.model))
        if not isinstance(lr, (float, np.float32, np.float64)):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: {lr}")
        self.model.optimizer.learning_rate = lr
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                      f"{lr}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = _current_lr(self.model)


@CALLBACKS.register("ReduceLROnPlateau")
class ReduceLROnPlateau(MonitorCallback):
    """Multiply the learning rate by ``factor`` when ``monitor`` stops improving.

    Each epoch end first writes the rate used in the epoch to ``logs["learning_rate"]``.
    Then, if ``monitor`` is in the logs: during a cooldown the counter goes down and
    ``wait`` stays 0; an improvement (see ``MonitorCallback``) resets ``wait``; otherwise,
    outside a cooldown, ``wait += 1`` and once ``wait >= patience`` and ``lr > min_lr``:

        lr <- max(lr * factor, min_lr)

    after which the cooldown starts and ``wait`` is reset.

    Args:
        monitor: logs key to watch. Default ``"val_loss"``.
        factor: ``new_lr = lr * factor``; must be below 1. Default 0.1.
        patience: epochs without improvement before reducing. Default 10.
        verbose: 1 prints ``Epoch N: ReduceLROnPlateau reducing learning rate to X.``
        mode: ``"auto"``, ``"min"`` or ``"max"``.
        min_delta: a change smaller than this is no improvement. Default 1e-4.
        cooldown: epochs to wait after a reduction before counting again. Default 0.
        min_lr: lower bound of the rate. Default 0.
        **kwargs: Keras 2's ``epsilon`` (= ``min_delta``) is accepted with a warning;
            anything else is ignored (as Keras 3 does) with a warning.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0, **kwargs):
        if "epsilon" in kwargs:
            min_delta = kwargs.pop("epsilon")
            warn_user("`epsilon` argument is deprecated (Keras 2); use `min_delta` instead.")
        if kwargs:
            warn_user(f"ReduceLROnPlateau ignores the unknown argument(s) {sorted(kwargs)}.")
        super().__init__(monitor, mode, min_delta=min_delta)
        factor = check_number("ReduceLROnPlateau", "factor", factor, low=0)
        if factor >= 1.0:
            raise ValueError(
                f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}")
        self.factor = factor
        self.patience = check_number("ReduceLROnPlateau", "patience", patience, low=0)
        self.verbose = verbose
        self.cooldown = check_number("ReduceLROnPlateau", "cooldown", cooldown, low=0)
        self.min_lr = check_number("ReduceLROnPlateau", "min_lr", min_lr, low=0)
        self.cooldown_counter = 0
        self.wait = 0

    def _reset(self):
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()  # the metrics are built by now
        logs = {} if logs is None else logs
        logs["learning_rate"] = _current_lr(self.model)
        current = logs.get(self.monitor)
        if current is None:
            warn_user(f"Learning rate reduction is conditioned on metric `{self.monitor}` which "
                      f"is not available. Available metrics are: {','.join(logs)}.")
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = _current_lr(self.model)
                if old_lr > np.float32(self.min_lr):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    self.model.optimizer.learning_rate = new_lr
                    if self.verbose > 0:
                        print_msg(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning "
                                  f"rate to {new_lr}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0
