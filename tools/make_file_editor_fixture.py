"""Make the keras.saving.KerasFileEditor fixtures with real Keras 3.15 (torch backend):

* tests/fixtures/keras_file_editor.keras and keras_file_editor.weights.h5: a small
  Sequential (Dense 3->4, Dense 4->2) compiled with Adam and trained one step, so both files
  hold layer and optimizer variables;
* tests/fixtures/keras_file_editor_edited.weights.h5: what Keras's editor saves after the
  edit sequence EDITS below (the test runs the same edits with minikeras's editor);
* tests/fixtures/keras_file_editor.json: Keras's editor's view of the .keras file (every
  weight path and shape) and its compare() results against a matching and a mismatching
  reference model.

Run once, outside the project's environment:
    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_file_editor_fixture.py
"""
import json
import os

import keras
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures")
keras.utils.set_random_seed(0)


def make(units=4, extra=False):
    layers = [keras.Input((3,)), keras.layers.Dense(units, name="d1"),
              keras.layers.Dense(2, name="d2")]
    if extra:
        layers.append(keras.layers.Dense(1, name="d3"))
    return keras.Sequential(layers, name="seq")


model = make()
model.compile(optimizer="adam", loss="mse")
model.fit(np.ones((4, 3), "float32"), np.ones((4, 2), "float32"), epochs=1, verbose=0)
model.save(os.path.join(OUT, "keras_file_editor.keras"))
model.save_weights(os.path.join(OUT, "keras_file_editor.weights.h5"))


def shapes(tree):
    return {"/".join(path): list(value.shape)
            for path, value in keras.tree.flatten_with_path(tree)}


editor = keras.saving.KerasFileEditor(os.path.join(OUT, "keras_file_editor.keras"))
record = {"weights": shapes(editor.weights_dict),
          "metadata_keys": sorted(editor.metadata)}
uncompiled = make()
record["compare_same"] = editor.compare(uncompiled)
record["compare_different"] = editor.compare(make(units=5, extra=True))

# EDITS (repeated by tests/saving/test_file_editor.py)
editor.delete_object("optimizer")
editor.rename_object("dense_1", "dense_2")
editor.add_object("layers/dense_1", {"0": np.full((4, 2), 0.5, "float32"),
                                     "1": np.arange(2, dtype="float32")})
editor.delete_weight("layers/dense", "1")
editor.add_weights("dense", {"1": np.full((4,), -1.0, "float32")})
editor.save(os.path.join(OUT, "keras_file_editor_edited.weights.h5"))
record["after_edits"] = shapes(editor.weights_dict)

with open(os.path.join(OUT, "keras_file_editor.json"), "w") as f:
    json.dump(record, f, indent=1, sort_keys=True)
