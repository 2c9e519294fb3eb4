"""Adapted tf_idf lookups in .keras files, both ways: Keras 3.15 keeps the vocabulary in the
assets (vocabulary.txt, special tokens first) and the idf weights as the layer's
``idf_weights`` dataset (a TextVectorization: in its own group and its inner
``_lookup_layer``'s). Fixtures: tools/make_tf_idf_lookup_fixture.py."""
import json
import os
import zipfile

import h5py
import numpy as np
import pytest

import minikeras as keras

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures")
TEXTS = [["the cat sat"], ["a dog"], ["unknown words only"]]
WORDS = [["a", "b", "zz"], ["c", "d", "d"]]
INPUTS = {"text": TEXTS, "string": WORDS}

with open(os.path.join(FIXTURES, "keras_tf_idf.json"), encoding="utf-8") as f:
    KERAS = json.load(f)


def layout(path):
    """The archive's members and the weight file's datasets (name, shape), as the tool
    records Keras's."""
    with zipfile.ZipFile(path) as archive:
        members = sorted(archive.namelist())
        with archive.open("model.weights.h5") as f, h5py.File(f) as h5:
            datasets = []
            h5.visititems(lambda name, obj: datasets.append([name, list(obj.shape)])
                          if isinstance(obj, h5py.Dataset) else None)
    return {"members": members, "datasets": sorted(datasets)}


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_a_keras_file_predicts_as_keras(name):
    model = keras.saving.load_model(os.path.join(FIXTURES, f"keras_tf_idf_{name}.keras"))
    np.testing.assert_allclose(model(np.array(INPUTS[name])).numpy(), KERAS[name]["predict"],
                               rtol=1e-6)


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_minikeras_writes_keras_layout_and_reads_it_back(name, tmp_path):
    model = keras.saving.load_model(os.path.join(FIXTURES, f"keras_tf_idf_{name}.keras"))
    path = str(tmp_path / "again.keras")
    model.save(path)
    assert layout(path) == KERAS[name]["layout"]
    np.testing.assert_allclose(keras.saving.load_model(path)(np.array(INPUTS[name])).numpy(),
                               KERAS[name]["predict"], rtol=1e-6)


def test_given_vocabulary_and_idf_stay_as_given_in_the_config():
    layer = keras.layers.StringLookup(vocabulary=["[UNK]", "a", "b"], idf_weights=[0.7, 0.5, 1.5],
                                      output_mode="tf_idf")
    config = layer.get_config()
    assert config["vocabulary"] == ["[UNK]", "a", "b"] and config["idf_weights"] == [0.7, 0.5, 1.5]
    np.testing.assert_allclose(layer(np.array([["b", "q"]])).numpy(), [[0.7, 0.0, 1.5]])


def test_a_file_without_the_idf_weights_names_what_is_missing(tmp_path):
    source = os.path.join(FIXTURES, "keras_tf_idf_string.keras")
    broken = str(tmp_path / "broken.keras")
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.namelist():
            data = src.read(item)
            if item == "model.weights.h5":
                local = tmp_path / "w.h5"
                local.write_bytes(data)
                with h5py.File(local, "a") as h5:
                    del h5["layers/string_lookup/vars/idf_weights"]
                data = local.read_bytes()
            dst.writestr(item, data)
    with pytest.raises(ValueError, match="holds a tf_idf vocabulary of 6 entries but not "
                                         "their idf_weights"):
        keras.saving.load_model(broken)
