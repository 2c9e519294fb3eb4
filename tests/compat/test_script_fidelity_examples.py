"""Differences found by running keras-io examples (nlp, timeseries, generative, vision) beside
Keras 3.15.

The pieces are in tests/fixtures/examples_fidelity_cases.py; the expected values in
tests/fixtures/keras_examples_fidelity.json, written once with real Keras 3.15 (torch
backend) by tools/make_examples_fidelity_fixture.py.
"""
import json

import pytest

import minikeras as keras
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples_fidelity_cases", "keras_examples_fidelity.json")


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


@pytest.mark.parametrize("name", ["Bidirectional", "TimeDistributed", "RNN", "StackedRNNCells"])
def test_wrappers_write_and_rebuild_their_sublayers_build_configs(name):
    """keras-io bidirectional_lstm_imdb: the Bidirectional layers in the .keras file had a
    one-entry shapes_dict build config and their forward/backward layers none (Keras 3.15
    writes {"input_shape": ...} for all three); from_config left the sublayers unbuilt."""
    want = KERAS["nested_build_configs"][name]
    layer = cases.wrapper_layers(keras)[name]
    layer(keras.Input((5, 3)))
    config = layer.get_config()
    assert _plain(layer.get_build_config()) == want["build_config"]
    assert _plain(_nested_build_configs(config)) == _nested_build_configs(want["config"])
    again = type(layer).from_config(layer.get_config())
    assert (again.get_config() == config) is want["again_config_equal"]


def test_bidirectional_given_initial_states_writes_a_shapes_dict():
    both = cases.bidirectional_given_states(keras)
    want = KERAS["nested_build_configs"]["Bidirectional_with_states"]["build_config"]
    assert _plain(both.get_build_config()) == want


def test_nodes_record_the_call_arguments_keras_fills_in():
    """keras-io timeseries_classification_from_scratch / bidirectional_lstm_imdb /
    lstm_seq2seq: Keras 3.15's files hold ``training`` (the call's default when not None) and
    ``mask: None`` for a layer called on one tensor alone, and keep ``initial_state`` as a
    keyword; minikeras wrote {} and joined initial_state into the first argument."""
    model, names = cases.recorded_call_arguments(keras)
    config = _plain(model.get_config())
    assert cases.node_kwargs(config, names) == KERAS["recorded_call_arguments"]
    # the file round-trips, and the filled-in values are not passed on the runs
    again = keras.Model.from_config(model.get_config())
    assert _plain(again.get_config())["layers"] == config["layers"]
    node = model.get_layer("batch_norm")._inbound_nodes[0]
    assert node.kwargs == {} and node.filled == {"mask": None}
