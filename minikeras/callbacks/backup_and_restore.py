"""BackupAndRestore: resume an interrupted fit from the last backed-up epoch."""
import json
import os
import shutil

from .callback import CALLBACKS, Callback


@CALLBACKS.register("BackupAndRestore")
class BackupAndRestore(Callback):
    """Back up the model's weights (with the optimizer's state) and the epoch reached, and
    restore them when a new ``fit`` starts, so an interrupted run continues where it stopped.

    Files in ``backup_dir``: ``latest.weights.h5`` and ``training_metadata.json``
    (``{"epoch": next epoch, "batch": last batch seen}``), as Keras 3 writes them.

    Args:
        backup_dir: directory of the backup (created when first needed).
        save_freq: ``"epoch"`` (back up at every epoch end) or an integer N (every N
            training batches).
        double_checkpoint: keep the previous backup as ``*.bkp`` files, used when the latest
            weights file cannot be read.
        delete_checkpoint: remove ``backup_dir`` when training ends normally.
    """

    writes_files = True

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False,
                 delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int)):
            raise ValueError("Invalid value for argument `save_freq`. "
                             f"Received: save_freq={save_freq}. "
                             "Expected either 'epoch' or an integer value.")
        self.backup_dir, self.save_freq = backup_dir, save_freq
        self.double_checkpoint, self.delete_checkpoint = double_checkpoint, delete_checkpoint
        self._weights_path = os.path.join(backup_dir, "latest.weights.h5")
        self._metadata_path = os.path.join(backup_dir, "training_metadata.json")
        self._current_epoch = 0
        self._last_batch_seen = 0
        self._batches_since_saving = 0

    def on_train_begin(self, logs=None):
        try:
            self._restore()
        except OSError:
            previous = self._weights_path + ".bkp"
            if not os.path.exists(previous):
                raise
            shutil.copyfile(previous, self._weights_path)
            if os.path.exists(self._metadata_path + ".bkp"):
                shutil.copyfile(self._metadata_path + ".bkp", self._metadata_path)
            elif os.path.exists(self._metadata_path):
                os.remove(self._metadata_path)
            self._restore()

    def _restore(self):
        if os.path.exists(self._weights_path):
            if not self.model.built:  # fit builds it before this hook, unless it is stateful
                raise ValueError(
                    "To restore the backup in "
                    f"{self.backup_dir!r}, the BackupAndRestore callback needs a built model, "
                    f"but model {self.model.name!r} is unbuilt. Build it before `fit()` "
                    "(start it with `keras.Input(shape)`, or call it on a batch of data).")
            self.model._build_optimizer()  # its slots are in the file
            self.model.load_weights(self._weights_path)
        if os.path.exists(self._metadata_path):
            with open(self._metadata_path, encoding="utf-8") as f:
                self.model._initial_epoch = json.load(f)["epoch"]

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        if self.save_freq == "epoch":
            self._back_up()

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        # a batch index not above the last one seen starts a new epoch
        self._batches_since_saving += batch + 1 if batch <= self._last_batch_seen \
            else batch - self._last_batch_seen
        self._last_batch_seen = batch
        if self._batches_since_saving >= self.save_freq:
            self._batches_since_saving = 0
            self._back_up()

    def _back_up(self):
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint:
            for path in (self._weights_path, self._metadata_path):
                if os.path.exists(path):
                    shutil.copyfile(path, path + ".bkp")
        self.model.save_weights(self._weights_path, overwrite=True)
        with open(self._metadata_path, "w", encoding="utf-8") as f:
            f.write(json.dumps({"epoch": self._current_epoch, "batch": self._last_batch_seen}))

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)
