"""keras.callbacks.ModelCheckpoint: save the model or its weights during training."""
import os

import numpy as np

from .callback import CALLBACKS
from ..arguments import check_number, warn_user
from .monitor import MonitorCallback
from ..io_utils import print_msg


def _check_filepath(filepath, save_weights_only):
    if isinstance(filepath, os.PathLike):
        filepath = os.fspath(filepath)
    if not isinstance(filepath, str):
        raise TypeError("ModelCheckpoint: `filepath` must be a string or a path. "
                        f"Received: filepath={filepath!r} ({type(filepath).__name__})")
    if save_weights_only:
        if not filepath.endswith(".weights.h5"):
            raise ValueError(
                "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath "
                "provided must end in `.weights.h5` (Keras weights format). Received: "
                f"filepath={filepath}")
    elif not filepath.endswith((".keras", ".h5")):
        raise ValueError(
            "The filepath provided must end in `.keras` (Keras model format). Received: "
            f"filepath={filepath}" + (
                " (Keras 2's `.hdf5` is no longer accepted: use `.keras`, `.h5`, or "
                "`.weights.h5` with save_weights_only=True)" if filepath.endswith(".hdf5")
                else ""))
    return filepath


@CALLBACKS.register("ModelCheckpoint")
class ModelCheckpoint(MonitorCallback):
    """Save the model (``model.save``) or its weights (``model.save_weights``) as it trains.

    The path is ``filepath.format(epoch=epoch + 1, **logs)`` (plus ``batch=batch + 1``
    when saving every N batches), so ``"ck-{epoch:02d}-{val_loss:.2f}.keras"`` names each
    file after its epoch and validation loss. Missing folders are created.

    Args:
        filepath: must end in ``.weights.h5`` with ``save_weights_only=True``, else in
            ``.keras`` (or legacy ``.h5``).
        monitor: logs key compared when ``save_best_only``. Default ``"val_loss"``.
        verbose: 1 prints a line for each decision and each save.
        save_best_only: save only when ``monitor`` improves (see ``MonitorCallback``); if
            ``monitor`` is not in the logs, warn and save anyway.
        save_weights_only: save the weights only.
        mode: ``"auto"``, ``"min"`` or ``"max"``.
        save_freq: ``"epoch"`` (at each epoch end) or an integer number of batches.
        initial_value_threshold: the initial ``best`` value for ``save_best_only``.
        period: Keras 2 only (deprecated): save at every ``period``-th epoch end.
    """

    writes_files = True  # under keras.distribution only rank 0 runs it

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None, **kwargs):
        period = kwargs.pop("period", None)
        if kwargs:
            raise TypeError("ModelCheckpoint.__init__() got unexpected keyword argument(s): "
                            f"{sorted(kwargs)}")
        initial_value_threshold = check_number("ModelCheckpoint", "initial_value_threshold",
                                               initial_value_threshold, allow_none=True)
        super().__init__(monitor, mode, baseline=initial_value_threshold)
        self.verbose = verbose
        self.filepath = _check_filepath(filepath, save_weights_only)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        if save_freq != "epoch" and (not isinstance(save_freq, int) or isinstance(save_freq, bool)):
            raise ValueError(f"Unrecognized save_freq: {save_freq}. Expected save_freq are "
                             "'epoch' or integer values")  # Keras's words
        if save_freq != "epoch" and save_freq < 1:
            raise ValueError(f"Unrecognized save_freq: {save_freq}. Expected save_freq are "
                             "'epoch' or integer values >= 1 (a number of batches)")
        self.save_freq = save_freq
        self.period = 1
        if period is not None:
            warn_user("The `period` argument of ModelCheckpoint is deprecated (Keras 2): it "
                      "saves every `period` epochs. In Keras 3 use `save_freq` (a number of "
                      "batches) instead.")
            self.period = int(check_number("ModelCheckpoint", "period", period, low=1))
        self._epochs_since_last_save = 0
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        self._current_epoch = 0

    # ---- when ------------------------------------------------------------------------------
    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()  # the metrics are built by now
        if self.save_freq == "epoch":
            self._epochs_since_last_save += 1
            if self._epochs_since_last_save >= self.period:
                self._epochs_since_last_save = 0
                self._save_model(epoch, None, logs)

    def _should_save_on_batch(self, batch):
        """Count batches across epochs; true every ``save_freq`` batches."""
        if self.save_freq == "epoch":
            return False
        # A batch index that does not grow means a new epoch started (indices are 0-based).
        added = batch + 1 if batch <= self._last_batch_seen else batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    # ---- whether and where -----------------------------------------------------------------
    def _get_file_path(self, epoch, batch, logs):
        logs = logs or {}
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". '
                           f"Reason: {e}") from None

    def _should_save_model(self, epoch, logs, filepath):
        logs = logs or {}
        if not self.save_best_only:
            self._say(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warn_user(f"Can save best model only with {self.monitor} available.")
            return True
        if isinstance(current, np.ndarray) and current.ndim > 0:
            warn_user("Can save best model only when `monitor` is a scalar value. Received: "
                      f"{current}. Falling back to `save_best_only=False`.")
            return True
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            self._say(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to "
                      f"{current:.5f}, saving model to {filepath}")
            self.best = current
            return True
        self._say(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False

    def _save_model(self, epoch, batch, logs):
        filepath = self._get_file_path(epoch, batch, logs)
        if not self._should_save_model(epoch, logs, filepath):
            return
        if os.path.isdir(filepath):
            raise IOError("Please specify a non-directory filepath for ModelCheckpoint. "
                          f"Filepath used is an existing directory: {filepath}")
        dirname = os.path.dirname(filepath)
        if dirname:
            os.makedirs(dirname, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
        self._say(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")

    def _say(self, message):
        if self.verbose > 0:
            print_msg(message)
