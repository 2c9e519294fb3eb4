"""CSVLogger: exact file contents.

The model has all-zero weights and learning rate 0, so it predicts 0 every epoch:
targets 2 give loss (mse) 4.0 and mae 2.0; validation targets 1 give 1.0 and 1.0.
Rows end in \\r\\n (the csv module's Excel dialect, as Keras writes them).
"""
import numpy as np
import pytest
from cb_helpers import X, tiny_model

import minikeras as keras

Y2 = np.full((4, 1), 2.0, "float32")
VAL = (X[:2], np.ones((2, 1), "float32"))


def fit(path, epochs=2, metrics=("mae",), **kwargs):
    model = tiny_model(learning_rate=0.0, metrics=list(metrics), zero=True)
    logger = kwargs.pop("logger", None) or keras.callbacks.CSVLogger(str(path))
    model.fit(X, Y2, epochs=epochs, verbose=0, callbacks=[logger], **kwargs)
    return logger


def read(path):
    with open(path, newline="") as f:
        return f.read()


def test_rows_with_validation(tmp_path):
    path = tmp_path / "log.csv"
    fit(path, validation_data=VAL)
    assert read(path) == ("epoch,loss,mae,val_loss,val_mae\r\n"
                          "0,4.0,2.0,1.0,1.0\r\n"
                          "1,4.0,2.0,1.0,1.0\r\n")


def test_without_validation_val_columns_are_na(tmp_path):
    path = tmp_path / "log.csv"
    fit(path, metrics=())
    assert read(path) == "epoch,loss,val_loss\r\n0,4.0,NA\r\n1,4.0,NA\r\n"


def test_validation_freq_two(tmp_path):
    path = tmp_path / "log.csv"
    fit(path, epochs=2, validation_data=VAL, validation_freq=2)
    assert read(path) == ("epoch,loss,mae,val_loss,val_mae\r\n"
                          "0,4.0,2.0,NA,NA\r\n"
                          "1,4.0,2.0,1.0,1.0\r\n")


def test_separator_and_pathlike(tmp_path):
    path = tmp_path / "log.tsv"
    fit(path, epochs=1, metrics=(), logger=keras.callbacks.CSVLogger(path, separator="\t"))
    assert read(path) == "epoch\tloss\tval_loss\r\n0\t4.0\tNA\r\n"


def test_append_writes_the_header_once(tmp_path):
    path = tmp_path / "log.csv"
    logger = keras.callbacks.CSVLogger(str(path), append=True)
    fit(path, epochs=1, metrics=(), logger=logger)      # file missing: header written
    fit(path, epochs=2, metrics=(), logger=logger)      # file not empty: rows appended
    assert read(path) == ("epoch,loss,val_loss\r\n0,4.0,NA\r\n"
                          "0,4.0,NA\r\n1,4.0,NA\r\n")


def test_append_to_empty_file_writes_header(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("")
    fit(path, epochs=1, metrics=(), logger=keras.callbacks.CSVLogger(str(path), append=True))
    assert read(path) == "epoch,loss,val_loss\r\n0,4.0,NA\r\n"


def test_no_append_overwrites(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("old content\n")
    fit(path, epochs=1, metrics=())
    assert read(path) == "epoch,loss,val_loss\r\n0,4.0,NA\r\n"


def test_row_is_flushed_each_epoch(tmp_path):
    path = tmp_path / "log.csv"
    seen = []
    spy = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(read(path)))
    model = tiny_model(learning_rate=0.0, zero=True)
    model.fit(X, Y2, epochs=2, verbose=0, callbacks=[keras.callbacks.CSVLogger(str(path)), spy])
    assert seen == ["epoch,loss,val_loss\r\n0,4.0,NA\r\n",
                    "epoch,loss,val_loss\r\n0,4.0,NA\r\n1,4.0,NA\r\n"]


def test_later_keys_are_not_columns_and_lists_are_bracketed(tmp_path):
    path = tmp_path / "log.csv"

    class Extra(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["note"] = "a" if epoch == 0 else "b"
            if epoch == 1:
                logs["late"] = 1.0        # not in the first epoch: no column for it

    model = tiny_model(learning_rate=0.0, zero=True)
    model.fit(X, Y2, epochs=2, verbose=0,
              callbacks=[Extra(), keras.callbacks.CSVLogger(str(path))])
    assert read(path) == ("epoch,loss,note,val_loss,val_note\r\n"
                          "0,4.0,a,NA,NA\r\n1,4.0,b,NA,NA\r\n")


@pytest.mark.parametrize("kwargs, error", [({"filename": None}, TypeError),
                                           ({"filename": "a.csv", "separator": ",,"},
                                            ValueError)])
def test_bad_arguments(kwargs, error):
    with pytest.raises(error):
        keras.callbacks.CSVLogger(**kwargs)
