"""Run once with real Keras 3 (torch backend): configs from keras-io examples (nlp, timeseries,
generative, vision) run side by side with minikeras.

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_examples_fidelity_fixture.py

Writes tests/fixtures/keras_examples_fidelity.json, read by
tests/compat/test_script_fidelity_examples.py (which never imports Keras). Each case is a
small piece of an example's model.
"""
import json
import os

import keras
import numpy as np
from keras import layers

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures",
                   "keras_examples_fidelity.json")
cases = {}


def nested_build_configs():
    """bidirectional_lstm_imdb (and wrappers like it): the build configs Keras writes for a
    wrapper and for the sublayers nested in its config, and after from_config."""
    x = keras.Input((5, 3))
    wrappers = {
        "Bidirectional": layers.Bidirectional(layers.LSTM(2, return_sequences=True)),
        "TimeDistributed": layers.TimeDistributed(layers.Dense(2)),
        "RNN": layers.RNN(layers.LSTMCell(2)),
        "StackedRNNCells": layers.RNN(layers.StackedRNNCells([layers.LSTMCell(2),
                                                              layers.GRUCell(2)])),
    }
    out = {}
    for name, layer in wrappers.items():
        layer(x)
        written = json.loads(json.dumps(layer.get_config()))  # from_config pops from its dict
        again = type(layer).from_config(layer.get_config())
        out[name] = {"build_config": layer.get_build_config(), "config": written,
                     "again_config_equal": again.get_config() == layer.get_config()}
    # Bidirectional given initial states: two shapes, written as a shapes dict
    states = [keras.Input((2,)) for _ in range(4)]
    both = layers.Bidirectional(layers.LSTM(2))
    both(keras.Input((5, 4)), initial_state=states)
    out["Bidirectional_with_states"] = {"build_config": both.get_build_config()}
    return out


cases["nested_build_configs"] = nested_build_configs()

with open(OUT, "w") as f:
    json.dump(cases, f, indent=1, sort_keys=True)
print("wrote", OUT)
