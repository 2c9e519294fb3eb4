"""Differences found by running keras-io examples (nlp, timeseries, generative, vision) beside
Keras 3.15.

The pieces are in tests/fixtures/examples_fidelity_cases.py; the expected values in
tests/fixtures/keras_examples_fidelity.json, written once with real Keras 3.15 (torch
backend) by tools/make_examples_fidelity_fixture.py.
"""
import json

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers
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


def _input_rows(lines):
    """The summary's InputLayer rows as their cells."""
    return [[cell.strip() for cell in line.split("│")[1:4]] for line in lines
            if "(InputLayer)" in line]


def test_summary_prints_a_one_dimension_shape_without_a_comma():
    """keras-io tabtransformer: inputs of shape () show as ``(None)`` in Keras 3.15's
    summary; minikeras printed ``(None,)``."""
    lines = cases.summary_lines(cases.scalar_inputs_model(keras))
    assert _input_rows(lines) == _input_rows(KERAS["scalar_inputs_summary"])
    assert _input_rows(lines)[0] == ["age (InputLayer)", "(None)", "0"]


def test_a_model_called_with_a_mask_sets_it_on_its_input():
    """keras-io tabtransformer's blocks are models called as layers: Keras 3.15 records
    ``mask: None`` for them, their ``call`` takes a mask and sets it on the input. Hand
    check: the masked mean of (1, 2, 3, 10) without the last step is 2."""
    x = np.array([[[1.0], [2.0], [3.0], [10.0]]], "float32")
    mask = np.array([[True, True, True, False]])
    sequential = keras.Sequential([keras.Input((4, 1)), layers.GlobalAveragePooling1D()])
    inputs = keras.Input((4, 1))
    functional = keras.Model(inputs, layers.GlobalAveragePooling1D()(inputs))
    for model in (sequential, functional):
        with pytest.warns(UserWarning, match="does not support masking"):  # as Keras warns
            out = model(x, mask=mask)
        np.testing.assert_allclose(keras.ops.convert_to_numpy(out), [[2.0]])
        np.testing.assert_allclose(keras.ops.convert_to_numpy(model(x)), [[4.0]])


def test_a_given_mask_is_the_one_the_output_mask_comes_from():
    # as Keras 3.15: LSTM(return_sequences=True)(x, mask=m) carries m on its output
    mask = np.array([[True, True, False, True]])
    out = layers.LSTM(2, return_sequences=True)(np.ones((1, 4, 1), "float32"), mask=mask)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(out.mask), mask)


def test_a_tensor_computed_while_building_is_a_constant_of_the_graph():
    """keras-io tabtransformer's column embedding: ``Embedding(...)(ops.arange(n))`` added to
    a KerasTensor. minikeras kept the lookup's autodiff history in the graph and the second
    training step failed (IndexError in Take.backward); in Keras (jax, tensorflow) it is a
    constant: the embedding is not among the model's weights and stays as it is."""
    inputs = keras.Input((3, 2))
    columns = layers.Embedding(3, 2)(keras.ops.arange(3))
    model = keras.Model(inputs, layers.Dense(1)(layers.Flatten()(inputs + columns)))
    model.compile("sgd", "mse")
    rng = np.random.default_rng(0)
    x, y = rng.random((8, 3, 2), dtype=np.float32), rng.random((8, 1), dtype=np.float32)
    before = keras.ops.convert_to_numpy(columns).copy()
    history = model.fit(x, y, batch_size=4, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and len(model.weights) == 2
    constant = next(a for node in model.get_layer(index=1)._inbound_nodes for a in node.args
                    if not isinstance(a, keras.KerasTensor))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(constant), before)


@pytest.mark.parametrize("name", ["array", "list", "number"])
def test_constant_initializer_configs_are_the_ones_keras_writes(name):
    """keras-io pretrained_word_embeddings: ``Constant(embedding_matrix)`` wrote the matrix
    as a plain list; Keras 3.15 writes an array as its "__numpy__" config (values and
    dtype) and reads it back as the array."""
    init = cases.constant_initializers(keras)[name]
    config = init.get_config()
    assert _plain(config) == KERAS["constant_configs"][name]
    again = type(init).from_config(_plain(config))
    np.testing.assert_array_equal(again((3, 2), "float32"), init((3, 2), "float32"))
