"""keras.config.disable_interactive_logging: messages and progress lines go to Python's
logging instead of stdout (Keras 3.15 probed: stdout stays empty and the log holds the
epoch lines, each progress line with its own line break, and the summary)."""
import logging

import numpy as np
import pytest

import minikeras as keras


@pytest.fixture
def logged(caplog):
    keras.config.disable_interactive_logging()
    caplog.set_level(logging.INFO, logger="minikeras")
    yield caplog
    keras.config.enable_interactive_logging()


def test_fit_progress_and_summary_go_to_the_log(logged, capsys):
    assert not keras.config.is_interactive_logging_enabled()
    assert not keras.utils.is_interactive_logging_enabled()
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, name="d")])
    model.compile("sgd", "mse")
    model.fit(np.ones((8, 3), "float32"), np.ones((8, 1), "float32"), epochs=2, verbose=2)
    model.summary()
    assert capsys.readouterr().out == ""
    messages = [r.getMessage() for r in logged.records]
    assert messages[0] == "Epoch 1/2" and messages[2] == "Epoch 2/2"
    assert messages[1].startswith("1/1 - ") and messages[1].endswith("\n")
    assert "loss: " in messages[1]
    assert messages[4].startswith('Model: "sequential')


def test_enabled_again_prints(capsys):
    keras.config.enable_interactive_logging()
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.summary()
    assert capsys.readouterr().out.startswith('Model: "sequential')
