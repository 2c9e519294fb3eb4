"""SwapEMAWeights: evaluate and predict with the optimizer's moving averages."""
import numpy as np
import pytest
from cb_helpers import X, Y, tiny_model

import minikeras as keras

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
