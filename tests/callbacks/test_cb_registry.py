"""The callbacks registry and exports; hooks always receive a logs dict."""
import pytest
from cb_helpers import X, Y, tiny_model

import minikeras as keras

# ---- registry and exports ---------------------------------------------------------------------
EXPORTED = ["Callback", "CallbackList", "History", "ProgbarLogger", "EarlyStopping",
            "ModelCheckpoint", "ReduceLROnPlateau", "LearningRateScheduler", "CSVLogger",
            "TerminateOnNaN", "LambdaCallback", "SwapEMAWeights"]


@pytest.mark.parametrize("name", EXPORTED)
def test_exported_and_registered(name):
    cls = getattr(keras.callbacks, name)
    if name != "CallbackList":
        assert keras.callbacks.CALLBACKS.lookup(name) is cls
        assert issubclass(cls, keras.callbacks.Callback)


def test_every_registered_callback_is_exported():
    for name in keras.callbacks.CALLBACKS.names():
        assert getattr(keras.callbacks, name) is keras.callbacks.CALLBACKS.lookup(name)
        assert name in keras.callbacks.__all__


def test_hooks_always_receive_a_logs_dict():
    received = []

    class Strict(keras.callbacks.Callback):   # no default for logs, as many scripts write it
        def on_train_begin(self, logs):
            received.append(logs)

        def on_epoch_begin(self, epoch, logs):
            received.append(logs)

        def on_train_batch_begin(self, batch, logs):
            received.append(logs)

    tiny_model().fit(X, Y, epochs=1, batch_size=4, verbose=0, callbacks=[Strict()])
    assert received == [{}, {}, {}]


def test_callback_list_sets_model_and_params_and_calls_keras2_batch_hooks():
    seen = []

    class Recorder(keras.callbacks.Callback):
        def on_batch_begin(self, batch, logs=None):
            seen.append(("begin", batch, self.params, self.model is model))

        def on_batch_end(self, batch, logs=None):
            seen.append(("end", batch, logs))

    model, history = tiny_model(), keras.callbacks.History()
    callbacks = keras.callbacks.CallbackList([Recorder(), history])
    assert callbacks.model is None
    callbacks.set_model(model)
    callbacks.set_params({"epochs": 1, "steps": 2, "verbose": 0})
    callbacks.on_batch_begin(0)
    callbacks.on_batch_end(0, {"loss": 1.5})
    assert callbacks.model is model and model.history is history
    assert seen == [("begin", 0, {"epochs": 1, "steps": 2, "verbose": 0}, True),
                    ("end", 0, {"loss": 1.5})]
