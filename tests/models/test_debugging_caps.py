"""keras.config.set_max_epochs / set_max_steps_per_epoch: Keras 3.15's debugging caps (probed
with a scratch install: the same script gives 2 epochs, 6 then 8 optimizer steps, 3 predict
batches and these warnings)."""
import subprocess
import sys
import warnings

import numpy as np
import pytest

import minikeras as keras
from minikeras import config

X, Y = np.ones((100, 3), "float32"), np.ones((100, 1), "float32")


@pytest.fixture(autouse=True)
def no_caps():
    yield
    keras.config.set_max_epochs(None)
    keras.config.set_max_steps_per_epoch(None)


def test_caps_limit_fit_evaluate_and_predict_with_keras_warnings():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    keras.config.set_max_epochs(2)
    keras.config.set_max_steps_per_epoch(3)
    assert (keras.config.max_epochs(), keras.config.max_steps_per_epoch()) == (2, 3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(X, Y, epochs=5, batch_size=10, verbose=0)
        assert len(history.history["loss"]) == 2 and int(model.optimizer.iterations) == 6
        model.fit(X, Y, epochs=1, steps_per_epoch=2, verbose=0)  # under the cap: kept
        assert int(model.optimizer.iterations) == 8
        batches = []
        callback = keras.callbacks.LambdaCallback(
            on_predict_batch_end=lambda batch, logs: batches.append(batch))
        assert model.predict(X, batch_size=10, verbose=0, callbacks=[callback]).shape == (30, 1)
        assert batches == [0, 1, 2]
    assert [str(w.message) for w in caught] == [
        "Limiting epochs to 2", "Limiting steps_per_epoch to 3", "Limiting steps_per_epoch to 3"]
    assert all(w.filename == __file__ for w in caught)


def test_caps_come_from_the_environment_and_refuse_non_ints():
    code = "import minikeras as k; print(k.config.max_epochs(), k.config.max_steps_per_epoch())"
    env = {"KERAS_MAX_EPOCHS": "4", "KERAS_MAX_STEPS_PER_EPOCH": "7", "PYTHONPATH": "."}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["4", "7"]
    with pytest.raises(ValueError, match=r"`max_epochs` must be an int or None.*'2'"):
        keras.config.set_max_epochs("2")
    with pytest.raises(ValueError, match=r"`max_steps_per_epoch` must be an int.*2.5"):
        config.set_max_steps_per_epoch(2.5)
