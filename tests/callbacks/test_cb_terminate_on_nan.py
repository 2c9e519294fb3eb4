"""TerminateOnNaN: stops after the bad batch, or raises."""
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
