"""BackupAndRestore: backup files, resuming an interrupted fit, batch-level saving."""
import json
import os

import numpy as np
import pytest

import minikeras as keras

X = np.sin(np.arange(40 * 4, dtype="float32") * 0.7).reshape(40, 4)
Y = (np.arange(40) % 3).astype("int32")


def model():
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5, activation="relu"),
                          keras.layers.Dense(3, activation="softmax")])
    m.set_weights([(np.cos(np.arange(w.size) * 0.3 + i) * 0.3).reshape(w.shape).astype("float32")
                   for i, w in enumerate(m.get_weights())])
    m.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    return m


class Interrupt(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 2:
            raise RuntimeError("Interrupting!")


def test_interrupted_fit_resumes_at_the_backed_up_epoch_with_weights_and_optimizer(tmp_path):
    backup = str(tmp_path / "backup")
    callback = keras.callbacks.BackupAndRestore(backup)
    first = model()
    with pytest.raises(RuntimeError, match="Interrupting"):
        first.fit(X, Y, batch_size=16, epochs=5, verbose=0, shuffle=False,
                  callbacks=[callback, Interrupt()])
    assert sorted(os.listdir(backup)) == ["latest.weights.h5", "training_metadata.json"]
    with open(os.path.join(backup, "training_metadata.json")) as f:
        assert json.load(f) == {"epoch": 2, "batch": 0}  # two epochs done

    resumed = model()
    history = resumed.fit(X, Y, batch_size=16, epochs=5, verbose=0, shuffle=False,
                          callbacks=[callback])
    assert history.epoch == [2, 3, 4]
    assert not os.path.exists(backup)  # delete_checkpoint=True
    straight = model()
    straight.fit(X, Y, batch_size=16, epochs=5, verbose=0, shuffle=False)
    # the same run as one without interruption: weights and Adam's state were restored
    assert int(resumed.optimizer.iterations.numpy()) == 15
    for ours, reference in zip(resumed.get_weights(), straight.get_weights()):
        np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-7)


def test_integer_save_freq_counts_batches_across_epochs_and_keeps_previous(tmp_path):
    backup = str(tmp_path / "b")
    callback = keras.callbacks.BackupAndRestore(backup, save_freq=2, double_checkpoint=True,
                                                delete_checkpoint=False)
    model().fit(X, Y, batch_size=8, epochs=2, verbose=0, shuffle=False, callbacks=[callback])
    # 5 batches per epoch, a backup every 2 batches: the last two of epoch 1 are after
    # batches 2 and 4 (Keras 3.15 writes the same two files)
    with open(os.path.join(backup, "training_metadata.json")) as f:
        assert json.load(f) == {"epoch": 1, "batch": 4}
    with open(os.path.join(backup, "training_metadata.json.bkp")) as f:
        assert json.load(f) == {"epoch": 1, "batch": 2}
    assert os.path.exists(os.path.join(backup, "latest.weights.h5.bkp"))


def test_unreadable_weights_fall_back_to_the_previous_backup(tmp_path):
    backup = str(tmp_path / "b")
    model().fit(X, Y, batch_size=8, epochs=3, verbose=0, shuffle=False, callbacks=[
        keras.callbacks.BackupAndRestore(backup, double_checkpoint=True,
                                         delete_checkpoint=False)])
    with open(os.path.join(backup, "latest.weights.h5"), "wb") as f:
        f.write(b"not hdf5")
    history = model().fit(X, Y, batch_size=8, epochs=3, verbose=0, callbacks=[
        keras.callbacks.BackupAndRestore(backup, delete_checkpoint=False)])
    assert history.epoch == [2]  # the .bkp pair was written at the end of epoch index 1


@pytest.mark.parametrize("kwargs, message", [
    ({"backup_dir": ""}, "Empty `backup_dir` argument passed"),
    ({"backup_dir": None}, "Empty `backup_dir` argument passed"),
    ({"backup_dir": "b", "save_freq": "batch"},
     "Expected either 'epoch' or an integer value"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        keras.callbacks.BackupAndRestore(**kwargs)


def test_fit_builds_an_unbuilt_model_before_restoring_into_it(tmp_path):
    # as Keras: fit builds the model (and its optimizer) from the first batch before the
    # callbacks' on_train_begin, so the backup restores into a model without an Input
    backup = str(tmp_path / "b")
    saved = model()
    saved.fit(X, Y, epochs=2, verbose=0, callbacks=[
        keras.callbacks.BackupAndRestore(backup, delete_checkpoint=False)])
    lazy = keras.Sequential([keras.layers.Dense(5, activation="relu"),
                             keras.layers.Dense(3, activation="softmax")])
    lazy.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    seen = []
    probe = keras.callbacks.LambdaCallback(
        on_train_begin=lambda logs: seen.append([w.numpy().copy() for w in lazy.weights]))
    history = lazy.fit(X, Y, epochs=2, verbose=0,
                       callbacks=[keras.callbacks.BackupAndRestore(backup), probe])
    assert history.epoch == []  # the backup's two epochs were done
    for restored, kept in zip(seen[0], saved.get_weights(), strict=True):
        np.testing.assert_array_equal(restored, kept)


def test_restoring_into_a_model_of_other_shapes_fails(tmp_path):
    backup = str(tmp_path / "b")
    model().fit(X, Y, epochs=1, verbose=0, callbacks=[
        keras.callbacks.BackupAndRestore(backup, delete_checkpoint=False)])
    other = keras.Sequential([keras.layers.Dense(3)])
    other.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="do not match model"):
        other.fit(X, Y, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(backup)])
