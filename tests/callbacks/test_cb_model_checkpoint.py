"""ModelCheckpoint: file names, best-only decisions, messages, frequencies and path checks.

The model's `save` / `save_weights` are replaced by recorders, so these tests check what the
callback decides and asks for; `test_real_weights_file` writes an actual file.
"""
import os

import numpy as np
import pytest
from cb_helpers import X, Y, Inject, WeightRecorder, tiny_model

import minikeras as keras


def recording_model(metrics=None):
    model = tiny_model(metrics=metrics)
    model.saved = []
    model.save = lambda path, overwrite=True: model.saved.append(("model", path, overwrite))
    model.save_weights = lambda path, overwrite=True: model.saved.append(
        ("weights", path, overwrite))
    return model


def fit(checkpoint, sequences=None, epochs=3, metrics=None, **kwargs):
    model = recording_model(metrics)
    callbacks = ([Inject(**sequences)] if sequences else []) + [checkpoint]
    model.fit(X, Y, epochs=epochs, verbose=0, callbacks=callbacks, **kwargs)
    return model.saved


def test_filename_is_formatted_with_epoch_and_logs(tmp_path):
    pattern = str(tmp_path / "ck-{epoch:02d}-{val_loss:.2f}.keras")
    saved = fit(keras.callbacks.ModelCheckpoint(pattern), {"val_loss": [0.5, 0.25, 0.125]})
    assert saved == [("model", str(tmp_path / name), True) for name in
                     ("ck-01-0.50.keras", "ck-02-0.25.keras", "ck-03-0.12.keras")]


def test_save_weights_only_calls_save_weights(tmp_path):
    path = str(tmp_path / "w-{epoch}.weights.h5")
    saved = fit(keras.callbacks.ModelCheckpoint(path, save_weights_only=True), epochs=2)
    assert saved == [("weights", str(tmp_path / "w-1.weights.h5"), True),
                     ("weights", str(tmp_path / "w-2.weights.h5"), True)]


def test_save_best_only_min_mode(tmp_path):
    path = str(tmp_path / "best-{epoch}.keras")
    # ep0 improves on None; ep1 0.7 no; ep2 0.3 < 0.5 yes; ep3 0.3 not < 0.3.
    cb = keras.callbacks.ModelCheckpoint(path, save_best_only=True)
    saved = fit(cb, {"val_loss": [0.5, 0.7, 0.3, 0.3]}, epochs=4)
    assert [p for _, p, _ in saved] == [str(tmp_path / "best-1.keras"),
                                         str(tmp_path / "best-3.keras")]
    assert cb.best == 0.3


def test_save_best_only_accuracy_is_maximised(tmp_path):
    path = str(tmp_path / "best-{epoch}.keras")
    cb = keras.callbacks.ModelCheckpoint(path, monitor="val_accuracy", save_best_only=True)
    saved = fit(cb, {"val_accuracy": [0.5, 0.75, 0.25]}, metrics=["accuracy"])
    assert [p for _, p, _ in saved] == [str(tmp_path / "best-1.keras"),
                                         str(tmp_path / "best-2.keras")]


def test_verbose_messages_best_only(capsys):
    cb = keras.callbacks.ModelCheckpoint("m.keras", save_best_only=True, verbose=1)
    fit(cb, {"val_loss": [0.5, 0.7, 0.25]})
    assert capsys.readouterr().out == (
        "\nEpoch 1: val_loss improved from None to 0.50000, saving model to m.keras\n"
        "\nEpoch 1: finished saving model to m.keras\n"
        "\nEpoch 2: val_loss did not improve from 0.50000\n"
        "\nEpoch 3: val_loss improved from 0.50000 to 0.25000, saving model to m.keras\n"
        "\nEpoch 3: finished saving model to m.keras\n")


def test_verbose_messages_every_epoch(capsys):
    fit(keras.callbacks.ModelCheckpoint("m-{epoch}.keras", verbose=1), epochs=2)
    assert capsys.readouterr().out == ("\nEpoch 1: saving model to m-1.keras\n"
                                       "\nEpoch 1: finished saving model to m-1.keras\n"
                                       "\nEpoch 2: saving model to m-2.keras\n"
                                       "\nEpoch 2: finished saving model to m-2.keras\n")


def test_initial_value_threshold(tmp_path, capsys):
    cb = keras.callbacks.ModelCheckpoint("m-{epoch}.keras", save_best_only=True, verbose=1,
                                         initial_value_threshold=0.5)
    saved = fit(cb, {"val_loss": [0.6, 0.4, 0.45]})
    assert [p for _, p, _ in saved] == ["m-2.keras"]
    out = capsys.readouterr().out
    assert "\nEpoch 1: val_loss did not improve from 0.50000\n" in out
    assert "\nEpoch 2: val_loss improved from 0.50000 to 0.40000" in out


def test_missing_monitor_with_best_only_warns_and_saves():
    cb = keras.callbacks.ModelCheckpoint("m.keras", save_best_only=True)
    with pytest.warns(UserWarning, match="Can save best model only with val_loss available"):
        saved = fit(cb, epochs=2)
    assert len(saved) == 2


def test_save_freq_in_batches(tmp_path):
    # 4 samples, batch_size 1: 4 batches per epoch, 8 in all; every 3rd batch -> global
    # batches 3 and 6 = epoch 1 batch 3, epoch 2 batch 2 ({batch} is 1-based).
    cb = keras.callbacks.ModelCheckpoint("m-{epoch}-{batch}.keras", save_freq=3)
    saved = fit(cb, epochs=2, batch_size=1)
    assert [p for _, p, _ in saved] == ["m-1-3.keras", "m-2-2.keras"]


def test_keras2_period_saves_every_n_epochs():
    with pytest.warns(UserWarning, match="`period` argument of ModelCheckpoint is deprecated"):
        cb = keras.callbacks.ModelCheckpoint("m-{epoch}.keras", period=2)
    assert [p for _, p, _ in fit(cb, epochs=5)] == ["m-2.keras", "m-4.keras"]


def test_missing_directories_are_created(tmp_path):
    path = tmp_path / "runs" / "a" / "m.keras"
    fit(keras.callbacks.ModelCheckpoint(str(path)), epochs=1)
    assert os.path.isdir(tmp_path / "runs" / "a")


def test_existing_directory_as_filepath(tmp_path):
    (tmp_path / "m.keras").mkdir()
    with pytest.raises(OSError, match="non-directory filepath"):
        fit(keras.callbacks.ModelCheckpoint(str(tmp_path / "m.keras")), epochs=1)


def test_missing_format_key():
    cb = keras.callbacks.ModelCheckpoint("m-{val_acc:.2f}.keras")
    with pytest.raises(KeyError, match="Failed to format this callback filepath"):
        fit(cb, epochs=1)


def test_pathlike_filepath(tmp_path):
    saved = fit(keras.callbacks.ModelCheckpoint(tmp_path / "m.keras"), epochs=1)
    assert saved == [("model", str(tmp_path / "m.keras"), True)]


@pytest.mark.parametrize("path", ["best.hdf5", "model", "model.weights.h5.bak", "m.json"])
def test_full_model_needs_keras_or_h5(path):
    with pytest.raises(ValueError, match=r"must end in `\.keras`.*Received: filepath="):
        keras.callbacks.ModelCheckpoint(path)


@pytest.mark.parametrize("path", ["w.h5", "w.keras", "w.weights.hdf5"])
def test_weights_only_needs_weights_h5(path):
    with pytest.raises(ValueError, match=r"save_weights_only=True.*must end in `\.weights\.h5`"):
        keras.callbacks.ModelCheckpoint(path, save_weights_only=True)


@pytest.mark.parametrize("path", ["m.keras", "m.h5", "m.weights.h5"])
def test_accepted_full_model_paths(path):
    assert keras.callbacks.ModelCheckpoint(path).filepath == path


@pytest.mark.parametrize("freq", ["batch", 0, -3, 1.5, True])
def test_bad_save_freq(freq):
    with pytest.raises(ValueError, match="Unrecognized save_freq"):
        keras.callbacks.ModelCheckpoint("m.keras", save_freq=freq)


def test_bad_filepath_type_and_unknown_kwarg():
    with pytest.raises(TypeError, match="`filepath` must be a string"):
        keras.callbacks.ModelCheckpoint(3)
    with pytest.raises(TypeError, match="unexpected keyword"):
        keras.callbacks.ModelCheckpoint("m.keras", save_format="h5")


def test_bad_initial_value_threshold():
    with pytest.raises(ValueError, match="initial_value_threshold"):
        keras.callbacks.ModelCheckpoint("m.keras", initial_value_threshold="0.5")


def test_invalid_mode_warns():
    with pytest.warns(UserWarning, match="ModelCheckpoint mode 'best' is unknown"):
        cb = keras.callbacks.ModelCheckpoint("m.keras", mode="best")
    assert cb.mode == "auto"


def test_real_weights_file(tmp_path):
    model = tiny_model()
    recorder = WeightRecorder()
    path = tmp_path / "ck" / "w-{epoch}.weights.h5"
    model.fit(X, Y, epochs=2, verbose=0, shuffle=False, callbacks=[
        recorder, keras.callbacks.ModelCheckpoint(str(path), save_weights_only=True)])
    assert sorted(os.listdir(tmp_path / "ck")) == ["w-1.weights.h5", "w-2.weights.h5"]
    for epoch in (1, 2):   # each file holds the weights at the end of its epoch
        fresh = tiny_model()
        fresh.load_weights(str(tmp_path / "ck" / f"w-{epoch}.weights.h5"))
        for got, want in zip(fresh.get_weights(), recorder.weights[epoch - 1]):
            np.testing.assert_array_equal(got, want)
    assert not np.array_equal(recorder.weights[0][0], recorder.weights[1][0])
