"""TerminateOnNaN, LambdaCallback, SwapEMAWeights and the callbacks registry / exports."""
import math

import numpy as np
import pytest
from cb_helpers import X, Y, tiny_model

import minikeras as keras
from minikeras import ops

# Targets 9 give sqrt(9 - 5) = 2, targets 1 give sqrt(-4) = NaN; the 0 * y_pred term only
# makes the loss depend on the weights (its gradient is 0, so the weights stay finite).
Y_NAN_SECOND_BATCH = np.array([[9.0], [9.0], [1.0], [1.0]], "float32")


def sqrt_loss(y_true, y_pred):
    return ops.sqrt(y_true - 5.0) + 0.0 * y_pred


def inverse_loss(y_true, y_pred):
    return 1.0 / (y_true - 1.0) + 0.0 * y_pred   # y_true = 1 -> +inf


def nan_model(loss):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss=loss)
    return model


# ---- TerminateOnNaN ---------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_terminate_on_nan_stops_after_the_bad_batch(capsys):
    ended = []
    model = nan_model(sqrt_loss)
    history = model.fit(X, Y_NAN_SECOND_BATCH, epochs=3, batch_size=2, shuffle=False, verbose=0,
                        callbacks=[keras.callbacks.TerminateOnNaN(),
                                   keras.callbacks.LambdaCallback(
                                       on_train_end=lambda logs: ended.append(True))])
    assert capsys.readouterr().out == "Batch 1: Invalid loss, terminating training\n"
    assert history.epoch == [0]
    assert math.isnan(history.history["loss"][0])
    assert ended == [True]                  # a graceful stop still runs on_train_end
    assert model.stop_training is True


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_terminate_on_inf():
    model = nan_model(inverse_loss)
    history = model.fit(X, Y, epochs=3, batch_size=4, verbose=0,
                        callbacks=[keras.callbacks.TerminateOnNaN()])
    assert history.epoch == [0] and history.history["loss"] == [math.inf]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_terminate_on_nan_raise_error():
    model = nan_model(sqrt_loss)
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 1"):
        model.fit(X, Y_NAN_SECOND_BATCH, epochs=3, batch_size=2, shuffle=False, verbose=0,
                  callbacks=[keras.callbacks.TerminateOnNaN(raise_error=True)])


def test_finite_loss_trains_all_epochs(capsys):
    history = tiny_model().fit(X, Y, epochs=3, verbose=0,
                               callbacks=[keras.callbacks.TerminateOnNaN()])
    assert history.epoch == [0, 1, 2] and capsys.readouterr().out == ""


# ---- LambdaCallback ---------------------------------------------------------------------------
def test_lambda_callback_hooks_in_order():
    events = []
    cb = keras.callbacks.LambdaCallback(
        on_train_begin=lambda logs: events.append("train_begin"),
        on_epoch_begin=lambda epoch, logs: events.append(f"epoch_begin {epoch}"),
        on_train_batch_begin=lambda batch, logs: events.append(f"batch_begin {batch}"),
        on_train_batch_end=lambda batch, logs: events.append(f"batch_end {batch} {sorted(logs)}"),
        on_epoch_end=lambda epoch, logs: events.append(f"epoch_end {epoch} {sorted(logs)}"),
        on_train_end=lambda logs: events.append("train_end"))
    tiny_model().fit(X, Y, epochs=2, batch_size=2, verbose=0, callbacks=[cb])
    one_epoch = ["batch_begin 0", "batch_end 0 ['loss']", "batch_begin 1",
                 "batch_end 1 ['loss']"]
    assert events == (["train_begin", "epoch_begin 0"] + one_epoch + ["epoch_end 0 ['loss']",
                      "epoch_begin 1"] + one_epoch + ["epoch_end 1 ['loss']", "train_end"])


def test_lambda_callback_extra_kwargs_are_hooks():
    batches, tests = [], []
    cb = keras.callbacks.LambdaCallback(on_batch_end=lambda batch, logs: batches.append(batch),
                                        on_test_end=lambda logs: tests.append(sorted(logs)))
    model = tiny_model()
    model.fit(X, Y, epochs=2, batch_size=2, verbose=0, validation_data=(X, Y), callbacks=[cb])
    assert batches == [0, 1, 0, 1]
    assert tests == [["loss"], ["loss"]]
    model.evaluate(X, Y, verbose=0, callbacks=[cb])
    assert len(tests) == 3


def test_lambda_callback_given_train_batch_end_replaces_on_batch_end():
    calls = []
    cb = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: calls.append("new"),
                                        on_batch_end=lambda b, logs: calls.append("old"))
    tiny_model().fit(X, Y, epochs=1, batch_size=4, verbose=0, callbacks=[cb])
    assert calls == ["new"]


def test_lambda_callback_can_add_logs_keys_seen_by_history():
    cb = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: logs.update(double=2 * epoch))
    history = tiny_model().fit(X, Y, epochs=2, verbose=0, callbacks=[cb])
    assert history.history["double"] == [0, 2]


def test_lambda_callback_bad_arguments():
    with pytest.raises(TypeError, match="`on_epoch_end` must be a function"):
        keras.callbacks.LambdaCallback(on_epoch_end=3)
    with pytest.raises(TypeError, match="`on_test_end` must be a function"):
        keras.callbacks.LambdaCallback(on_test_end="x")
    with pytest.warns(UserWarning, match="Did you mean 'on_epoch_end'"):
        cb = keras.callbacks.LambdaCallback(on_epoch_ends=print)
    assert cb.on_epoch_ends is print      # still set as an attribute, as in Keras


# ---- SwapEMAWeights ---------------------------------------------------------------------------
def ema_model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5),
                  loss="mse")
    return model


def test_swap_ema_weights_during_evaluate_and_predict():
    model = ema_model()
    model.fit(X, Y, epochs=1, batch_size=1, verbose=0)   # ends with weights = averages
    model.train_on_batch(X, Y)                           # one more step moves them apart
    trained = model.get_weights()
    averages = [a.numpy() for a in model.optimizer._averages]
    assert not np.array_equal(trained[0], averages[0])
    seen = []
    spy = keras.callbacks.LambdaCallback(on_test_batch_begin=lambda b, logs: seen.append(
        model.get_weights()), on_predict_batch_begin=lambda b, logs: seen.append(
        model.get_weights()))
    swap = keras.callbacks.SwapEMAWeights()
    model.evaluate(X, Y, verbose=0, callbacks=[swap, spy])
    model.predict(X, verbose=0, callbacks=[swap, spy])
    for weights in seen:
        for got, want in zip(weights, averages):
            np.testing.assert_array_equal(got, want)
    for got, want in zip(model.get_weights(), trained):     # swapped back afterwards
        np.testing.assert_array_equal(got, want)
    # evaluating with the averages in the model gives the same loss as evaluate with swap
    with_swap = model.evaluate(X, Y, verbose=0, callbacks=[swap])
    model.set_weights(averages)
    assert model.evaluate(X, Y, verbose=0) == with_swap


def test_swap_on_epoch_holds_averages_between_epochs():
    model = ema_model()
    seen = []
    swap = keras.callbacks.SwapEMAWeights(swap_on_epoch=True)
    spy = keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: seen.append(
        (model.get_weights(), [a.numpy() for a in model.optimizer._averages])))
    model.fit(X, Y, epochs=2, batch_size=1, shuffle=False, verbose=0, callbacks=[swap, spy])
    for weights, averages in seen:
        for got, want in zip(weights, averages):
            np.testing.assert_array_equal(got, want)
    # fit ends by copying the averages into the weights: the model holds the averages
    for got, want in zip(model.get_weights(), seen[-1][1]):
        np.testing.assert_array_equal(got, want)


def test_swap_ema_weights_needs_use_ema():
    model = tiny_model()
    with pytest.raises(ValueError, match="use_ema=True"):
        model.fit(X, Y, epochs=1, verbose=0, validation_data=(X, Y),
                  callbacks=[keras.callbacks.SwapEMAWeights()])


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
