"""Bad input gets Keras's error (or a clearer one), and a failed load leaves the model unchanged."""
import json
import zipfile

import h5py
import numpy as np
import pytest
from saving_helpers import dense_model, reference_model, weights_of

import minikeras as keras
from minikeras import layers


def assert_unchanged(model, before):
    after = weights_of(model)
    assert len(after) == len(before)
    for a, b in zip(after, before):
        np.testing.assert_array_equal(a, b)


# ---- file names ----------------------------------------------------------------------------
def test_save_weights_needs_the_weights_h5_suffix(tmp_path):
    with pytest.raises(ValueError) as info:
        dense_model().save_weights(str(tmp_path / "w.h5"))
    assert str(info.value) == ("The filename must end in `.weights.h5`. Received: "
                               f"filepath={tmp_path / 'w.h5'}")


def test_save_with_an_unknown_extension(tmp_path):
    with pytest.raises(ValueError, match="Invalid filepath extension for saving"):
        dense_model().save(tmp_path / "m.txt")
    assert not list(tmp_path.iterdir())


def test_load_weights_with_an_unknown_extension(tmp_path):
    with pytest.raises(ValueError, match="File format not supported"):
        dense_model().load_weights(tmp_path / "w.npz")


def test_by_name_is_only_for_legacy_files(tmp_path):
    dense_model().save_weights(tmp_path / "w.weights.h5")
    with pytest.raises(ValueError, match="`by_name` only supports loading legacy"):
        dense_model().load_weights(tmp_path / "w.weights.h5", by_name=True)


def test_unknown_keyword_arguments(tmp_path):
    with pytest.raises(ValueError, match="not supported"):
        dense_model().save(tmp_path / "m.keras", include_weights=True)
    with pytest.raises(ValueError, match="Invalid keyword arguments"):
        dense_model().load_weights(tmp_path / "m.keras", strict=True)


# ---- unbuilt models --------------------------------------------------------------------------
def test_unbuilt_models_cannot_save_or_load_weights(tmp_path):
    dense_model().save_weights(tmp_path / "w.weights.h5")
    unbuilt = keras.Sequential([layers.Dense(4), layers.Dense(2)])
    with pytest.raises(ValueError, match="not built yet"):
        unbuilt.save_weights(tmp_path / "u.weights.h5")
    with pytest.raises(ValueError, match="not built yet"):
        unbuilt.load_weights(tmp_path / "w.weights.h5")
    assert not (tmp_path / "u.weights.h5").exists()


# ---- mismatches leave the model unchanged ------------------------------------------------------
def test_shape_mismatch_is_a_table_and_changes_nothing(tmp_path):
    keras.Sequential([keras.Input((3,)), layers.Dense(4, name="a"), layers.Dense(2, name="b"),
                      layers.Dense(3, name="c")]).save_weights(tmp_path / "w.weights.h5")
    target = keras.Sequential([keras.Input((3,)), layers.Dense(4, name="a"),
                               layers.Dense(5, name="b"), layers.Dense(3, name="c")])
    before = weights_of(target)
    with pytest.raises(ValueError) as info:
        target.load_weights(tmp_path / "w.weights.h5")
    message = str(info.value)
    assert "the model is unchanged" in message
    lines = message.splitlines()
    header = next(line for line in lines if "expected (model)" in line)
    assert header.split() == ["layer", "weight", "expected", "(model)", "found", "(file)"]
    rows = [line.split() for line in lines if line.startswith(("  b ", "  c "))]
    assert ["b", "[/layers/dense_1]", "kernel", "(4,", "5)", "(4,", "2)"] in rows
    assert ["b", "[/layers/dense_1]", "bias", "(5,)", "(2,)"] in rows
    assert any(r[:2] == ["c", "[/layers/dense_2]"] and r[2] == "kernel" for r in rows)
    assert_unchanged(target, before)  # not even layer "a", which fits, was loaded


def test_count_mismatch_changes_nothing(tmp_path):
    dense_model().save_weights(tmp_path / "w.weights.h5")
    target = keras.Sequential([keras.Input((3,)), layers.Dense(4, activation="relu"),
                               layers.Dense(2, use_bias=False)])
    before = weights_of(target)
    with pytest.raises(ValueError, match=r"\(count\)\s+1 weight\s+2 weights"):
        target.load_weights(tmp_path / "w.weights.h5")
    assert_unchanged(target, before)


def test_skip_mismatch_loads_what_fits_and_warns(tmp_path):
    source = dense_model()
    source.save_weights(tmp_path / "w.weights.h5")
    target = keras.Sequential([keras.Input((3,)), layers.Dense(4, activation="relu"),
                               layers.Dense(5)])
    before = weights_of(target)
    with pytest.warns(UserWarning, match="Skipped loading mismatched weights"):
        target.load_weights(tmp_path / "w.weights.h5", skip_mismatch=True)
    np.testing.assert_array_equal(target.layers[0].kernel.numpy(), source.layers[0].kernel.numpy())
    np.testing.assert_array_equal(target.layers[1].kernel.numpy(), before[2])


def test_legacy_mismatches_change_nothing(tmp_path):
    reference_model(compiled=False).save(tmp_path / "m.h5")
    wrong_shape = keras.Sequential([keras.Input((3,)), layers.Dense(4), layers.BatchNormalization(),
                                    layers.Dense(3)])
    before = weights_of(wrong_shape)
    with pytest.raises(ValueError, match="dense_1"):
        wrong_shape.load_weights(tmp_path / "m.h5")
    assert_unchanged(wrong_shape, before)
    too_few = keras.Sequential([keras.Input((3,)), layers.Dense(4), layers.Dense(2)])
    before = weights_of(too_few)
    with pytest.raises(ValueError, match="Model expected 2 layers, found 3 saved layers"):
        too_few.load_weights(tmp_path / "m.h5")
    assert_unchanged(too_few, before)


def test_optimizer_count_mismatch_warns_and_still_loads_the_layers(tmp_path):
    source = reference_model()
    source.save_weights(tmp_path / "m.weights.h5")
    target = reference_model(trained=False)
    target.compile(keras.optimizers.SGD(0.1), "mse")  # 2 variables once built, file has 14
    target.fit(np.zeros((2, 3), np.float32), np.zeros((2, 2), np.float32), verbose=0)
    with pytest.warns(UserWarning, match="Skipping variable loading for optimizer"):
        target.load_weights(tmp_path / "m.weights.h5")
    np.testing.assert_array_equal(target.layers[0].kernel.numpy(), source.layers[0].kernel.numpy())


# ---- missing and damaged files ---------------------------------------------------------------
@pytest.mark.parametrize("name", ["w.weights.h5", "w.h5", "m.keras"])
def test_missing_file(tmp_path, name):
    with pytest.raises(FileNotFoundError, match="File not found"):
        dense_model().load_weights(tmp_path / name)
    with pytest.raises(ValueError):  # Keras raises ValueError here; ours is both
        keras.models.load_model(tmp_path / ("m.keras" if name == "m.keras" else "m.h5"))


@pytest.mark.parametrize("name", ["w.weights.h5", "w.h5", "m.keras"])
def test_corrupt_file(tmp_path, name):
    (tmp_path / name).write_bytes(b"this is not a weights file" * 20)
    model = dense_model()
    before = weights_of(model)
    with pytest.raises(ValueError, match="not an HDF5 file|not a valid `.keras` zip"):
        model.load_weights(tmp_path / name)
    assert_unchanged(model, before)


def test_truncated_keras_file(tmp_path):
    dense_model().save(tmp_path / "m.keras")
    data = (tmp_path / "m.keras").read_bytes()
    (tmp_path / "cut.keras").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError):
        keras.models.load_model(tmp_path / "cut.keras")
    with zipfile.ZipFile(tmp_path / "noconfig.keras", "w") as archive:
        archive.writestr("metadata.json", "{}")
    with pytest.raises(ValueError, match="has no config.json"):
        keras.models.load_model(tmp_path / "noconfig.keras")


def test_hdf5_file_that_is_not_a_keras_file(tmp_path):
    with h5py.File(tmp_path / "data.h5", "w") as f:
        f["x"] = np.zeros(3)
    with pytest.raises(ValueError, match="no `layer_names` attribute"):
        dense_model().load_weights(tmp_path / "data.h5")
    with pytest.raises(ValueError, match="No model config found"):
        keras.models.load_model(tmp_path / "data.h5")


# ---- configs naming what cannot be built ------------------------------------------------------
def _config_with_layer(entry):
    config = json.loads(dense_model().to_json())
    config["config"]["layers"].insert(2, entry)
    return json.dumps(config)


def test_unregistered_class_is_a_type_error():
    text = _config_with_layer({"module": "my_project.layers", "class_name": "Mystery",
                               "config": {"name": "mystery"}, "registered_name": None})
    with pytest.raises(TypeError) as info:
        keras.models.model_from_json(text)
    assert str(info.value).startswith(
        "Could not locate class 'Mystery'. Make sure custom classes and functions are decorated "
        "with `@keras.saving.register_keras_serializable()`")


def test_unregistered_nested_class_is_a_type_error():
    config = json.loads(dense_model().to_json())
    config["config"]["layers"][1]["config"]["kernel_initializer"] = {
        "module": "keras.initializers", "class_name": "NoSuchInitializer", "config": {},
        "registered_name": None}
    with pytest.raises(TypeError, match="Could not locate class 'NoSuchInitializer'"):
        keras.models.model_from_json(json.dumps(config))


def test_stored_lambdas_are_refused_even_without_safe_mode(tmp_path):
    text = _config_with_layer({"module": "keras.layers", "class_name": "Lambda",
                               "config": {"name": "lambda", "function": {
                                   "class_name": "__lambda__", "config": {"value": "4wEAAA"}}},
                               "registered_name": None})
    with pytest.raises(ValueError, match="lambda"):
        keras.models.model_from_json(text)
    dense_model().save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as src, \
            zipfile.ZipFile(tmp_path / "lam.keras", "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info, text.encode() if info.filename == "config.json" else data)
    with pytest.raises(ValueError, match="never code"):
        keras.models.load_model(tmp_path / "lam.keras", safe_mode=False)


def test_functional_config_without_inputs_is_a_clear_error():
    text = json.dumps({"module": "keras", "class_name": "Functional", "registered_name": None,
                       "config": {"name": "f", "layers": [], "input_layers": [],
                                  "output_layers": []}})
    with pytest.raises(ValueError, match="`inputs` argument cannot be empty"):
        keras.models.model_from_json(text)


def test_model_from_json_rejects_non_json():
    with pytest.raises(ValueError, match="could not be parsed"):
        keras.models.model_from_json("{not json")


def test_overwrite_false_asks_and_keeps_the_file(tmp_path, monkeypatch, capsys):
    model = dense_model()
    model.save_weights(tmp_path / "w.weights.h5")
    data = (tmp_path / "w.weights.h5").read_bytes()
    monkeypatch.setattr("builtins.input", lambda prompt="": "n")
    dense_model().save_weights(tmp_path / "w.weights.h5", overwrite=False)
    assert (tmp_path / "w.weights.h5").read_bytes() == data
    assert capsys.readouterr().out == ""  # Keras's tip follows a "y" only


def test_overwrite_false_answered_yes_writes_and_gives_keras_tip(tmp_path, monkeypatch, capsys):
    path = tmp_path / "m.keras"
    dense_model().save(path)
    before = path.read_bytes()
    model = dense_model()
    model.layers[0].kernel.assign(np.full(model.layers[0].kernel.shape, 7.0, "float32"))
    monkeypatch.setattr("builtins.input", lambda prompt="": "y")
    model.save(path, overwrite=False)
    assert path.read_bytes() != before
    assert capsys.readouterr().out == "[TIP] Next time specify overwrite=True!\n"


def test_an_unregistered_learning_rate_schedule_is_named_on_load(tmp_path):
    # keras-io's semantic_similarity_with_keras_hub reloads AdamW(TriangularSchedule(...))
    class Halving(keras.optimizers.schedules.LearningRateSchedule):
        def __call__(self, step):
            return 0.1 / (1.0 + keras.ops.cast(step, "float32"))

        def get_config(self):
            return {}

    model = dense_model()
    model.compile(optimizer=keras.optimizers.AdamW(Halving()), loss="mse")
    path = str(tmp_path / "model.keras")
    model.save(path)
    with pytest.raises(TypeError, match="Could not locate class 'Halving'"):
        keras.models.load_model(path)
    restored = keras.models.load_model(path, custom_objects={"Halving": Halving})
    assert type(restored.optimizer._learning_rate) is Halving
