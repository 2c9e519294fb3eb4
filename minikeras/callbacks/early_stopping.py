"""keras.callbacks.EarlyStopping: stop training when a monitored value stops improving."""
from .callback import CALLBACKS
from ..arguments import check_number, warn_user
from .monitor import MonitorCallback
from ..io_utils import print_msg


@CALLBACKS.register("EarlyStopping")
class EarlyStopping(MonitorCallback):
    """Stop training when ``monitor`` has not improved for ``patience`` epochs.

    At each epoch end (from ``start_from_epoch`` on, and only if ``monitor`` is in the
    logs): ``wait += 1``; an improvement (see ``MonitorCallback``) records the best value
    and epoch and resets ``wait`` to 0 unless a ``baseline`` is set and not beaten;
    otherwise, once ``wait >= patience`` (and epoch > 0), ``model.stop_training`` is set.

    Args:
        monitor: logs key to watch. Default ``"val_loss"``.
        min_delta: a change smaller than this is no improvement. Default 0.
        patience: epochs without improvement before stopping. Default 0.
        verbose: 1 prints ``Epoch N: early stopping`` (and the restore message).
        mode: ``"auto"``, ``"min"`` or ``"max"``.
        baseline: value the monitor must beat for ``wait`` to be reset.
        restore_best_weights: at the end of training, set the weights of the best epoch
            (even if training did not stop early). The first epoch considered is
            remembered even before any improvement.
        start_from_epoch: epochs to skip (warm-up) before monitoring.
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience = check_number("EarlyStopping", "patience", patience, low=0)
        self.verbose = verbose
        self.baseline = check_number("EarlyStopping", "baseline", baseline, allow_none=True)
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = check_number("EarlyStopping", "start_from_epoch",
                                             start_from_epoch, low=0)
        self.wait = 0
        self.stopped_epoch = 0
        self.best_epoch = 0
        self.best_weights = None

    def on_train_begin(self, logs=None):
        # Reset so that one instance can serve several fit() calls.
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()  # the metrics are built by now
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print_msg(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print_msg("Restoring model weights from the end of the best epoch: "
                          f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        """``logs[monitor]``, or None with a warning listing the available keys."""
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warn_user(f"Early stopping conditioned on metric `{self.monitor}` which is not "
                      f"available. Available metrics are: {','.join(logs)}")
        return value
