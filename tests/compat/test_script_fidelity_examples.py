"""Differences found by running keras-io examples (nlp, timeseries, generative, vision) beside
Keras 3.15.

Expected values come from tests/fixtures/keras_examples_fidelity.json, written once with real
Keras 3.15 (torch backend) by tools/make_examples_fidelity_fixture.py.
"""
import json
import os

import pytest

import minikeras as keras
from minikeras import layers

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "keras_examples_fidelity.json")


@pytest.fixture(scope="module")
def expected():
    with open(FIXTURE) as f:
        return json.load(f)


def _plain(value):
    return json.loads(json.dumps(value))


def _nested_build_configs(config):
    """The build configs of the sublayers a wrapper's config nests, by their key."""
    found = {}
    for key in ("layer", "backward_layer", "cell"):
        if isinstance(config.get(key), dict):
            found[key] = config[key].get("build_config")
            cells = config[key]["config"].get("cells")
            if cells is not None:
                found[key + "/cells"] = [c.get("build_config") for c in cells]
    return found


@pytest.mark.parametrize("name,make", [
    ("Bidirectional", lambda: layers.Bidirectional(layers.LSTM(2, return_sequences=True))),
    ("TimeDistributed", lambda: layers.TimeDistributed(layers.Dense(2))),
    ("RNN", lambda: layers.RNN(layers.LSTMCell(2))),
    ("StackedRNNCells", lambda: layers.RNN(layers.StackedRNNCells([layers.LSTMCell(2),
                                                                   layers.GRUCell(2)]))),
])
def test_wrappers_write_and_rebuild_their_sublayers_build_configs(expected, name, make):
    """keras-io bidirectional_lstm_imdb: the Bidirectional layers in the .keras file had a
    one-entry shapes_dict build config and their forward/backward layers none (Keras 3.15
    writes {"input_shape": ...} for all three); from_config left the sublayers unbuilt."""
    want = expected["nested_build_configs"][name]
    layer = make()
    layer(keras.Input((5, 3)))
    config = layer.get_config()
    assert _plain(layer.get_build_config()) == want["build_config"]
    assert _plain(_nested_build_configs(config)) == _nested_build_configs(want["config"])
    again = type(layer).from_config(layer.get_config())
    assert (again.get_config() == config) is want["again_config_equal"]


def test_bidirectional_given_initial_states_writes_a_shapes_dict(expected):
    both = layers.Bidirectional(layers.LSTM(2))
    both(keras.Input((5, 4)), initial_state=[keras.Input((2,)) for _ in range(4)])
    want = expected["nested_build_configs"]["Bidirectional_with_states"]["build_config"]
    assert _plain(both.get_build_config()) == want
