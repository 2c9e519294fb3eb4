"""Keras guide "Introduction to Keras for engineers" patterns, run side by side with Keras
3.15 (torch backend): the summary of a Sequential model before it is built."""
import pytest

import minikeras as keras
from minikeras import layers


def test_unbuilt_summary_shows_layers_keras_builds_at_init_with_0_params(monkeypatch):
    # Keras 3.15 builds Dropout (and pooling, activation layers) in __init__: its row reads
    # "0" where an unbuilt Dense reads "0 (unbuilt)". minikeras showed "0 (unbuilt)" for both.
    monkeypatch.setenv("COLUMNS", "80")
    model = keras.Sequential([layers.Dense(2, name="dense"), layers.Dropout(0.1, name="dropout"),
                              layers.Dense(1, name="dense_1")])
    lines = []
    model.summary(print_fn=lines.append)
    rows = [line for line in "".join(lines).splitlines() if line.startswith("│")]
    assert rows == [
        "│ dense (Dense)                   │ ?                      │   0 (unbuilt) │",
        "│ dropout (Dropout)               │ ?                      │             0 │",
        "│ dense_1 (Dense)                 │ ?                      │   0 (unbuilt) │"]


def test_count_params_of_a_layer_keras_builds_at_init_is_0_before_any_call():
    assert layers.Dropout(0.5).count_params() == 0
    assert layers.MaxPooling2D().count_params() == 0
    with pytest.raises(ValueError, match="isn't built"):  # as Keras: Dense is not built yet
        layers.Dense(2).count_params()
