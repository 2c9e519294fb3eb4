"""Functional models: Keras 3 config format, get_config/from_config, JSON, .keras and .h5 files."""
import json

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers
from minikeras.models.functional import Functional

X = np.linspace(-1, 1, 12, dtype="float32").reshape(4, 3)


def shared_branch_model():
    inp = keras.Input((3,), name="x")
    shared = layers.Dense(3, activation="tanh", name="shared")
    once = shared(inp)
    twice = shared(once)
    out = layers.Dense(2, name="head")(layers.concatenate([once, twice], name="cat"))
    return keras.Model(inp, out, name="net")


def test_config_has_keras_3_layout():
    config = shared_branch_model().get_config()
    assert list(config) == ["name", "trainable", "layers", "input_layers", "output_layers"]
    assert config["input_layers"] == ["x", 0, 0] and config["output_layers"] == ["head", 0, 0]
    by_name = {entry["name"]: entry for entry in config["layers"]}
    assert [e["name"] for e in config["layers"]] == ["x", "shared", "cat", "head"]
    assert by_name["x"]["inbound_nodes"] == [] and by_name["x"]["class_name"] == "InputLayer"
    shared_nodes = by_name["shared"]["inbound_nodes"]
    assert [n["args"][0]["config"]["keras_history"] for n in shared_nodes] == [
        ["x", 0, 0], ["shared", 0, 0]]
    assert shared_nodes[0] == {"args": [{"class_name": "__keras_tensor__", "config": {
        "shape": [None, 3], "dtype": "float32", "keras_history": ["x", 0, 0]}}], "kwargs": {}}
    cat_args = by_name["cat"]["inbound_nodes"][0]["args"][0]
    assert [a["config"]["keras_history"] for a in cat_args] == [["shared", 0, 0],
                                                                ["shared", 1, 0]]
    assert by_name["head"]["module"] == "keras.layers"
    assert by_name["head"]["build_config"] == {"input_shape": (None, 6)}  # a tuple, as in Keras 3


def test_from_config_rebuilds_the_same_graph():
    model = shared_branch_model()
    clone = Functional.from_config(model.get_config())
    assert [l.name for l in clone.layers] == [l.name for l in model.layers]
    assert len(clone.weights) == 4  # the shared layer's weights once
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(X, verbose=0), model.predict(X, verbose=0))
    assert json.dumps(clone.get_config()) == json.dumps(model.get_config())


def test_json_round_trip_and_top_level_keys():
    model = shared_branch_model()
    text = model.to_json()
    top = json.loads(text)
    assert top["class_name"] == "Functional" and top["module"] == "keras.src.models.functional"
    assert top["registered_name"] == "Functional"
    clone = keras.models.model_from_json(text)
    assert isinstance(clone, Functional) and clone.name == "net"
    assert json.loads(clone.to_json())["config"] == top["config"]


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_file_round_trip_keeps_weights_and_training_state(tmp_path, suffix):
    model = shared_branch_model()
    model.compile(keras.optimizers.Adam(0.01), "mse")
    y = np.ones((4, 2), "float32")
    model.fit(X, y, epochs=2, verbose=0)
    path = tmp_path / f"m{suffix}"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, Functional)
    assert [l.name for l in loaded.layers] == ["x", "shared", "cat", "head"]
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    # same optimizer state: one more step gives the same weights
    model.fit(X, y, epochs=1, shuffle=False, verbose=0)
    loaded.fit(X, y, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-7)


def test_weights_file_round_trip(tmp_path):
    model = shared_branch_model()
    model.save_weights(tmp_path / "w.weights.h5")
    other = shared_branch_model()
    other.load_weights(tmp_path / "w.weights.h5")
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_multi_input_and_output_config_round_trip():
    a, b = keras.Input((2,), name="a"), keras.Input((2,), name="b")
    total = layers.add([a, b], name="total")
    model = keras.Model({"a": a, "b": b}, [total, layers.Dense(1, name="d")(total)])
    config = model.get_config()
    assert config["input_layers"] == {"a": ["a", 0, 0], "b": ["b", 0, 0]}
    assert config["output_layers"] == [["total", 0, 0], ["d", 0, 0]]
    clone = Functional.from_config(config)
    clone.set_weights(model.get_weights())
    feed = {"a": np.ones((2, 2), "float32"), "b": np.full((2, 2), 2.0, "float32")}
    for got, want in zip(clone(feed), model(feed)):
        np.testing.assert_allclose(got.numpy(), want.numpy())


def test_keras_2_config_with_legacy_nodes_loads():
    config = {"class_name": "Model", "config": {
        "name": "old", "layers": [
            {"class_name": "InputLayer", "name": "input_1",
             "config": {"batch_input_shape": [None, 2], "dtype": "float32", "name": "input_1"},
             "inbound_nodes": []},
            {"class_name": "Dense", "name": "dense_9",
             "config": {"name": "dense_9", "units": 3, "activation": "relu"},
             "inbound_nodes": [[["input_1", 0, 0, {}]]]},
            {"class_name": "Add", "name": "add_9", "config": {"name": "add_9"},
             "inbound_nodes": [[["dense_9", 0, 0, {}], ["dense_9", 0, 0, {}]]]}],
        "input_layers": [["input_1", 0, 0]], "output_layers": [["add_9", 0, 0]]}}
    model = keras.models.model_from_json(json.dumps(config))
    assert [l.name for l in model.layers] == ["input_1", "dense_9", "add_9"]
    assert model.output_shape == (None, 3)


def test_config_naming_an_unknown_layer_is_an_error():
    config = shared_branch_model().get_config()
    config["output_layers"] = ["nope", 0, 0]
    with pytest.raises(ValueError, match="unknown layer 'nope'"):
        Functional.from_config(config)
