"""Keras 3 .keras files holding the layers added for Keras 3.15's list (fixtures made by
tools/make_new_layers_model_fixture.py) load and predict as in Keras; saved again, their
configs record the attention call's arguments as Keras does (query and value, not a list),
which Keras needs to load them back."""
import json
import zipfile
from pathlib import Path

import numpy as np

import minikeras as keras

FIXTURES = Path(__file__).parents[1] / "fixtures"
E = np.load(FIXTURES / "keras_new_layers_model_io.npz")


def layer_entries(path):
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
    return {entry["class_name"]: entry for entry in config["config"]["layers"]}


def test_keras_files_load_predict_and_save_back(tmp_path):
    model = keras.saving.load_model(FIXTURES / "keras_new_layers_model.keras")
    np.testing.assert_allclose(model.predict(E["x"], verbose=0), E["y"], rtol=1e-5, atol=1e-6)
    lm = keras.saving.load_model(FIXTURES / "keras_reversible_lm.keras")
    np.testing.assert_allclose(lm.predict(E["tokens"], verbose=0), E["logits"], rtol=1e-5,
                               atol=1e-6)
    model.save(tmp_path / "again.keras")
    ours = layer_entries(tmp_path / "again.keras")
    theirs = layer_entries(FIXTURES / "keras_new_layers_model.keras")
    assert set(ours) == set(theirs)
    for name in ("GroupQueryAttention", "STFTSpectrogram", "SpectralNormalization",
                 "AdaptiveAveragePooling1D"):
        assert ours[name]["inbound_nodes"] == theirs[name]["inbound_nodes"], name
        assert ours[name]["build_config"] == theirs[name]["build_config"], name
    again = keras.saving.load_model(tmp_path / "again.keras")
    np.testing.assert_allclose(again.predict(E["x"], verbose=0), E["y"], rtol=1e-5, atol=1e-6)
