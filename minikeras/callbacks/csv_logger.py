"""keras.callbacks.CSVLogger: one CSV row of epoch logs per epoch."""
import collections.abc
import csv
import os

import numpy as np

from .callback import CALLBACKS, Callback


def _cell(value):
    """Strings as they are; a list or array as ``"[a, b]"`` (quotes included); numbers as is."""
    if isinstance(value, str):
        return value
    if isinstance(value, collections.abc.Iterable) and not (
            isinstance(value, np.ndarray) and value.ndim == 0):
        return f'"[{", ".join(map(str, value))}]"'
    return value


@CALLBACKS.register("CSVLogger")
class CSVLogger(Callback):
    """Stream the epoch logs to a CSV file, one row per epoch, flushed after each row.

    The columns are ``epoch`` (0-based) and the sorted logs keys of the first epoch.
    When the first epoch has no ``val_`` key (no validation, or ``validation_freq > 1``),
    a ``val_<key>`` column is added for every key. Missing values are written ``NA``.
    Rows use the csv module's Excel dialect (``\\r\\n`` line ends, as Keras writes them).

    Args:
        filename: path of the CSV file.
        separator: the field separator. Default ``","``.
        append: append to an existing file (the header is written only if the file is
            empty or missing) instead of overwriting it.
    """

    writes_files = True  # under keras.distribution only rank 0 runs it

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        if isinstance(filename, os.PathLike):
            filename = os.fspath(filename)
        if not isinstance(filename, str):
            raise TypeError("CSVLogger: `filename` must be a string or a path. Received: "
                            f"filename={filename!r} ({type(filename).__name__})")
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError("CSVLogger: `separator` must be a one-character string. "
                             f"Received: separator={separator!r}")
        self.sep = separator
        self.filename = filename
        self.append = append
        self.append_header = True
        self.keys = None
        self.writer = None
        self.csv_file = None

    def on_train_begin(self, logs=None):
        mode = "w"
        self.append_header = True
        if self.append:
            mode = "a"
            if os.path.exists(self.filename):
                with open(self.filename, encoding="utf-8", newline="") as f:
                    self.append_header = not f.readline()
        self._close()
        self.csv_file = open(self.filename, mode, encoding="utf-8", newline="")
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if not any(key.startswith("val_") for key in self.keys):
                self.keys += ["val_" + key for key in self.keys]
        if self.writer is None:
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         delimiter=self.sep)
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, _cell(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        self._close()
        self.writer = None

    def _close(self):
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
