"""Every Keras layer class, built with the same small arguments in minikeras, writes the
config keys and default values Keras 3.15 writes (tests/fixtures/keras_layer_config_keys.json,
made by tools/make_keras_layer_config_keys_fixture.py)."""
import json
import os

import pytest

import minikeras as keras

with open(os.path.join(os.path.dirname(__file__), "..", "fixtures",
                       "keras_layer_config_keys.json")) as f:
    KERAS = json.load(f)
KERAS.pop("_keras_version")

# Keys minikeras writes beyond Keras's, on purpose (Keras's __init__ takes them too).
EXTRA = {
    "MaxNumBoundingBoxes": {"fill_value"},  # Keras omits it: a reloaded layer pads with -1
    "RandomGrayscale": {"seed"},  # Keras omits it: a reloaded layer draws the same images
}
VARIES = {"name", "seed"}  # Keras draws a seed when none is given; names are numbered


@pytest.mark.parametrize("class_name", sorted(KERAS))
def test_layer_config_has_the_keys_and_defaults_keras_writes(class_name):
    row = KERAS[class_name]
    ours = json.loads(json.dumps(getattr(keras.layers, class_name)(**row["kwargs"]).get_config(),
                                 default=str))
    assert set(ours) - EXTRA.get(class_name, set()) == set(row["config"])
    for key in set(row["config"]) - VARIES:
        assert ours[key] == row["config"][key], key


def test_activity_regularizer_sits_among_the_weight_regularizers_as_keras_writes_it():
    # Keras 3.15's key order: None among the regularizers; a set one from the base Layer first
    for layer in (keras.layers.Conv2D(2, 3), keras.layers.LSTM(2)):
        keys = list(layer.get_config())
        assert keys[keys.index("bias_regularizer") + 1] == "activity_regularizer"
    keys = list(keras.layers.Conv2D(2, 3, activity_regularizer="l2").get_config())
    assert keys[:4] == ["name", "trainable", "dtype", "activity_regularizer"]
