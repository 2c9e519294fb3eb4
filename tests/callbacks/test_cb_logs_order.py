"""Logs as Keras 3 hands them around (pythonify_logs): keys sorted, one shared copy per hook
call. Expected key orders checked side by side with Keras 3.15."""
import numpy as np

import minikeras as keras

X = np.linspace(-1, 1, 24, dtype="float32").reshape(12, 2)
Y = (np.arange(12) % 2).astype("float32")


class ExtraLogs(keras.Model):
    def train_step(self, data):
        logs = dict(super().train_step(data))
        logs.update(zz=2.0, aa=1.0)
        return logs

    def test_step(self, data):
        logs = dict(super().test_step(data))
        logs.update(zz=2.0, aa=1.0)
        return logs


def extra_logs_model():
    i = keras.Input((2,))
    model = ExtraLogs(i, keras.layers.Dense(1, activation="sigmoid")(i))
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def test_custom_step_logs_are_sorted_everywhere():
    model = extra_logs_model()
    seen = []
    history = model.fit(X, Y, epochs=1, verbose=0, validation_data=(X, Y), callbacks=[
        keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(list(logs)))])
    assert seen[0] == ["aa", "accuracy", "loss", "zz"]
    assert list(history.history) == ["aa", "accuracy", "loss", "val_aa", "val_accuracy",
                                     "val_loss", "val_zz", "zz"]
    assert list(model.evaluate(X, Y, verbose=0, return_dict=True)) == ["aa", "accuracy",
                                                                      "loss", "zz"]


def test_keys_a_callback_adds_reach_the_next_callbacks_but_not_train_end():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    epoch_keys, end_keys = [], []
    model.fit(X, Y, epochs=1, verbose=0, callbacks=[
        keras.callbacks.ReduceLROnPlateau(monitor="loss"),
        keras.callbacks.LambdaCallback(
            on_epoch_end=lambda epoch, logs: epoch_keys.append(list(logs)),
            on_train_end=lambda logs: end_keys.append(list(logs)))])
    assert epoch_keys == [["loss", "learning_rate"]]  # added after the sorted copy was made
    assert end_keys == [["loss"]]
