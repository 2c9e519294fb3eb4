"""Run once with real Keras 3.15: the get_config of a few layers, as Keras writes them.

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_keras_layer_configs_fixture.py

Writes tests/fixtures/keras_layer_configs.json ({class name: config}). The tests read it to
check that minikeras loads these configs and writes the same keys and values back; they
never import Keras.
"""
import json
import os

import keras
from keras import layers

LAYERS = [
    layers.Dense(3, activation="relu"),
    layers.EinsumDense("abc,cd->abd", output_shape=(None, 4), bias_axes="d"),
    layers.Embedding(10, 3, mask_zero=True),
]

configs = {type(layer).__name__: layer.get_config() for layer in LAYERS}
configs["_keras_version"] = keras.__version__
path = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures",
                    "keras_layer_configs.json")
with open(path, "w") as f:
    json.dump(configs, f, indent=1, sort_keys=True)
