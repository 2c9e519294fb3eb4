"""keras.saving.KerasFileEditor on files written by real Keras 3.15.

Fixtures (tools/make_file_editor_fixture.py): a Sequential (Dense 3->4 "d1", Dense 4->2
"d2") trained one Adam step, saved as .keras and .weights.h5; Keras's editor's view of it
and its compare() statuses (keras_file_editor.json); and the file Keras's editor saved after
the edit sequence repeated in test_edits_give_the_file_keras_writes. Match counts are
derived by hand (Keras 3.15's compare() double-counts nested matches and errors: it reports
6 matches for this file's 4 layer weights)."""
import json
import pathlib

import h5py
import numpy as np
import pytest

import minikeras as keras
from minikeras.saving.stored_arrays import UnsafeFileError

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures"
KERAS_FILE = FIXTURES / "keras_file_editor.keras"
WEIGHTS_FILE = FIXTURES / "keras_file_editor.weights.h5"
EXPECTED = json.loads((FIXTURES / "keras_file_editor.json").read_text())


def _shapes(tree):
    return {"/".join(path): list(value.shape)
            for path, value in keras.tree.flatten_with_path(tree)}


def _datasets(path):
    found = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: found.__setitem__(name, obj[()])
                     if isinstance(obj, h5py.Dataset) else None)
    return found


def _model(units=4, extra=False):
    layers = [keras.Input((3,)), keras.layers.Dense(units, name="d1"),
              keras.layers.Dense(2, name="d2")]
    if extra:
        layers.append(keras.layers.Dense(1, name="d3"))
    return keras.Sequential(layers, name="seq")


@pytest.mark.parametrize("path", [KERAS_FILE, WEIGHTS_FILE], ids=["keras", "weights_h5"])
def test_reads_what_keras_editor_reads(path, capsys):
    editor = keras.saving.KerasFileEditor(path)
    assert _shapes(editor.weights_dict) == EXPECTED["weights"]
    stored = _datasets(WEIGHTS_FILE)
    np.testing.assert_array_equal(editor.weights_dict["layers"]["dense"]["0"],
                                  stored["layers/dense/vars/0"])
    assert editor.object_metadata["/layers/dense"] == {"name": "d1"}
    header = capsys.readouterr().out.splitlines()
    assert header[0] == f"Keras model file '{path}'"
    if path == KERAS_FILE:
        assert sorted(editor.metadata) == EXPECTED["metadata_keys"]
        assert editor.config["class_name"] == "Sequential"
        assert header[1].startswith("Saved with Keras 3.15.1 - date: ")
    else:
        assert editor.metadata is None and editor.config is None and len(header) == 1


def test_summary_lists_objects_and_weights(capsys):
    editor = keras.saving.KerasFileEditor(KERAS_FILE)
    capsys.readouterr()
    editor.summary()
    lines = capsys.readouterr().out.splitlines()
    assert lines[:6] == ["Weights structure",
                         "  > layers",
                         "  │   ├─ dense ('d1')",
                         "  │   │   ├─ 0: shape=(3, 4), dtype=float32",
                         "  │   │   └─ 1: shape=(4,), dtype=float32",
                         "  │   └─ dense_1 ('d2')"]
    assert lines[8] == "  └─ optimizer ('adam')" and lines[-1] == \
        "      └─ 9: shape=(2,), dtype=float32"
    editor.weights_summary()
    assert capsys.readouterr().out.splitlines() == lines


def test_compare():
    editor = keras.saving.KerasFileEditor(KERAS_FILE)
    # uncompiled reference: its 4 layer weights match; the file's optimizer is extra
    same = editor.compare(_model())
    assert same["status"] == EXPECTED["compare_same"]["status"] == "error"
    assert (same["error_count"], same["match_count"]) == (1, 4)
    # Dense(5): 3 shapes differ (kernel, bias, next kernel), d3 missing, optimizer extra;
    # the second Dense's bias (2,) matches
    different = editor.compare(_model(units=5, extra=True))
    assert different["status"] == EXPECTED["compare_different"]["status"] == "error"
    assert (different["error_count"], different["match_count"]) == (5, 1)
    trained = _model()
    trained.compile(optimizer="adam", loss="mse")
    trained.fit(np.ones((4, 3), "float32"), np.ones((4, 2), "float32"), verbose=0)
    # 4 layer weights + iteration, learning rate and 2 Adam slots per weight = 14
    assert editor.compare(trained) == {"status": "success", "error_count": 0,
                                       "match_count": 14}


def test_edits_give_the_file_keras_writes(tmp_path):
    editor = keras.saving.KerasFileEditor(KERAS_FILE)
    editor.delete_object("optimizer")
    editor.rename_object("dense_1", "dense_2")
    editor.add_object("layers/dense_1", {"0": np.full((4, 2), 0.5, "float32"),
                                         "1": np.arange(2, dtype="float32")})
    editor.delete_weight("layers/dense", "1")
    editor.add_weights("dense", {"1": np.full((4,), -1.0, "float32")})
    assert _shapes(editor.weights_dict) == EXPECTED["after_edits"]
    editor.save(tmp_path / "edited.weights.h5")
    ours = _datasets(tmp_path / "edited.weights.h5")
    theirs = _datasets(FIXTURES / "keras_file_editor_edited.weights.h5")
    assert sorted(ours) == sorted(theirs)
    for name in theirs:
        np.testing.assert_array_equal(ours[name], theirs[name])
        assert ours[name].dtype == theirs[name].dtype


def test_fixed_file_loads_into_a_model(tmp_path):
    editor = keras.saving.KerasFileEditor(WEIGHTS_FILE)
    editor.delete_object("optimizer")  # e.g. for an uncompiled deployment model
    editor.resave_weights(tmp_path / "fixed.weights.h5")
    model = _model()
    model.load_weights(tmp_path / "fixed.weights.h5")
    stored = _datasets(WEIGHTS_FILE)
    np.testing.assert_array_equal(model.get_layer("d2").kernel.numpy(),
                                  stored["layers/dense_1/vars/0"])
    assert editor.compare(model)["status"] == "success"


def test_nested_models_round_trip(tmp_path):
    inner = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)], name="inner")
    x = keras.Input((3,))
    model = keras.Model(x, keras.layers.Dense(1)(inner(x)))
    model.save_weights(tmp_path / "nested.weights.h5")
    editor = keras.saving.KerasFileEditor(tmp_path / "nested.weights.h5")
    editor.save(tmp_path / "again.weights.h5")
    twin = keras.models.clone_model(model)
    twin.load_weights(tmp_path / "again.weights.h5")
    for a, b in zip(model.weights, twin.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_bad_input(tmp_path):
    with pytest.raises(ValueError, match=r"expected a `.keras` `.weights.h5` extension"):
        keras.saving.KerasFileEditor(tmp_path / "model.h5")
    with pytest.raises(ValueError, match="missing.weights.h5"):
        keras.saving.KerasFileEditor(tmp_path / "missing.weights.h5")
    editor = keras.saving.KerasFileEditor(WEIGHTS_FILE)
    with pytest.raises(ValueError, match="should be a leaf name"):
        editor.rename_object("dense", "layers/other")
    with pytest.raises(ValueError, match="'dense_1' is already there"):
        editor.rename_object("dense", "dense_1")
    with pytest.raises(ValueError, match="Source name 'conv' does not appear"):
        editor.delete_object("conv")
    with pytest.raises(ValueError, match="Path 'layers/conv' not found"):
        editor.delete_object("layers/conv")
    with pytest.raises(ValueError, match="Weight 7 not found in object dense. Weights found: "
                                         r"\['0', '1'\]"):
        editor.delete_weight("dense", "7")
    with pytest.raises(ValueError, match="should be a dict"):
        editor.add_object("layers/new", [np.ones(2)])
    with pytest.raises(ValueError, match="must be an array of numbers"):
        editor.add_weights("dense", {"2": np.array(["a"])})
    with pytest.raises(ValueError, match="Path 'models' not found"):
        editor.add_object("models/new", {"0": np.ones(2)})
    with pytest.raises(ValueError, match="already exists"):
        editor.add_object("layers/dense", {"0": np.ones(2)})
    editor.add_object("layers/dense/dense_1", {"0": np.ones(2)})
    with pytest.raises(ValueError, match="occurs more than once"):
        editor.delete_object("dense_1")
    with pytest.raises(ValueError, match="expected a `.weights.h5` extension"):
        editor.save(tmp_path / "out.keras")
    with pytest.raises(ValueError, match="must be a Keras model"):
        editor.compare("model")


def test_refuses_links(tmp_path):
    target = tmp_path / "target.h5"
    with h5py.File(target, "w") as f:
        f["data"] = np.ones(3)
    linked = tmp_path / "linked.weights.h5"
    with h5py.File(linked, "w") as f:
        f["layers/dense/vars/0"] = np.ones(2)
        f["layers/dense/vars/1"] = h5py.ExternalLink(str(target), "data")
    with pytest.raises(UnsafeFileError, match="ExternalLink"):
        keras.saving.KerasFileEditor(linked)
