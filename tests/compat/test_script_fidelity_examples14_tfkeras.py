"""Models trained and saved by tf.keras 2 (tf_keras 2.21) as users deploy them, loaded here:
legacy ``model.save("m.h5")`` files (with training_config and optimizer state),
``to_json()`` architectures and ``save_weights("w.h5")`` files, plus Keras 3.15.1's own
legacy ``.h5`` writes. Fixtures: tests/fixtures/examples14_tfkeras/, written by
tools/make_examples14_tfkeras_fixture.py from the models of
tests/fixtures/examples14_tfkeras_cases.py."""
import json
import os
import shutil
import sys
from contextlib import nullcontext
from types import SimpleNamespace

import h5py
import numpy as np
import pytest

import minikeras as keras

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures")
FOLDER = os.path.join(FIXTURES, "examples14_tfkeras")
sys.path.insert(0, FIXTURES)

import examples14_tfkeras_cases as cases  # noqa: E402

SAVED = [name for name in cases.MODELS if name != "lambda_layer"]
COMPILED = list(cases.COMPILE)
# tf_keras does not save Nadam's running product of momentum (u_product), and the Nadam it
# reloads never updates it again; minikeras's restored Nadam continues from 1.0 as a fresh one
# does, so one step after loading moves the weights differently. Its iterations and moments
# are checked instead (test_nadam_moments_restored).
NOT_COMPARED_RESUMED = {"merges_two_outputs": "Nadam's u_product is not in tf_keras's file"}
TOLERANCE = dict(rtol=1e-5, atol=2e-6)  # float32 round-off (TensorFlow's oneDNN kernels)


@pytest.fixture(scope="module")
def io():
    return np.load(os.path.join(FOLDER, "io.npz"))


@pytest.fixture(scope="module")
def record():
    with open(os.path.join(FOLDER, "record.json"), encoding="utf-8") as f:
        return json.load(f)


def path(name):
    return os.path.join(FOLDER, name)


def stored(io, name, kind):
    arrays, i = [], 0
    while f"{name}/{kind}/{i}" in io:
        arrays.append(io[f"{name}/{kind}/{i}"])
        i += 1
    return arrays


def predictions(model, io, name):
    out = model.predict(cases.as_model_arguments(stored(io, name, "in")), verbose=0)
    return out if isinstance(out, list) else [out]


def assert_predicts(model, io, name, kind="out"):
    expected = stored(io, name, kind)
    got = predictions(model, io, name)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, **TOLERANCE)


def load(file, **kwargs):
    # Keras 2 recurrent configs carry time_major=False (dropped with a warning); Embedding's
    # input_length is deprecated (Keras 3's warning)
    recurrent = "recurrent" in file or "conv_lstm" in file
    with pytest.warns(UserWarning, match="time_major") if recurrent else nullcontext():
        return keras.models.load_model(path(file), **kwargs)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """``loaded(name)``: tf_keras's ``<name>.h5`` loaded once for the tests that only read
    it (predict, its optimizer's state), with where it was saved again right after loading
    (``.keras`` and ``.h5``; the error if saving failed): a loaded model's saved copies, as
    the migration path makes them."""
    folder, made = tmp_path_factory.mktemp("saved_again"), {}

    def get(name):
        if name not in made:
            model, saved = load(f"{name}.h5"), {}
            for extension in (".keras", ".h5"):
                saved[extension] = again = str(folder / f"{name}{extension}")
                try:
                    model.save(again)
                except Exception as error:  # noqa: BLE001 - raised by the test of the copy
                    saved[extension] = error
            made[name] = SimpleNamespace(model=model, saved=saved)
        return made[name]
    return get


@pytest.fixture(scope="module")
def resumed(io):
    """``resumed(name)``: tf_keras's compiled ``<name>.h5`` loaded once, its optimizer's
    config and iterations and the model's weights as loaded, then one training step on the
    stored batch (its logs): what the compile-state and resumed-training tests check."""
    made = {}

    def get(name):
        if name not in made:
            model = load(f"{name}.h5")
            loaded_state = dict(
                config=model.optimizer.get_config(),
                iterations=int(model.optimizer.iterations.numpy()),
                weights=[np.array(w, copy=True) for w in model.get_weights()])
            made[name] = SimpleNamespace(model=model, logs=_step_logs(model, io, name),
                                         **loaded_state)
        return made[name]
    return get


# ---- architectures and weights -------------------------------------------------------------
@pytest.mark.parametrize("name", SAVED)
def test_tf_keras_h5_model_predicts_as_tf_keras(io, loaded, name):
    assert_predicts(loaded(name).model, io, name)


@pytest.mark.parametrize("name", SAVED)
def test_tf_keras_json_and_weights_predict_as_tf_keras(io, name):
    with open(path(f"{name}.json"), encoding="utf-8") as f:
        text = f.read()
    if name in ("recurrent", "conv_lstm"):
        with pytest.warns(UserWarning, match="time_major"):
            model = keras.models.model_from_json(text)
    else:
        model = keras.models.model_from_json(text)
    model.load_weights(path(f"{name}_weights.h5"))
    assert_predicts(model, io, name)


@pytest.mark.parametrize("by_name", [False, True], ids=["by_topology", "by_name"])
@pytest.mark.parametrize("file", ["{}_weights.h5", "{}.h5"], ids=["save_weights", "model_file"])
@pytest.mark.parametrize("name", list(cases.MODELS))
def test_tf_keras_weights_load_into_a_model_built_here(io, name, file, by_name):
    model = cases.MODELS[name](keras)
    model.load_weights(path(file.format(name)), by_name=by_name)
    assert_predicts(model, io, name)


def _mlp_with_an_extra_layer():
    layers = keras.layers
    inputs = keras.Input((6,), name="features")
    x = layers.Dense(8, activation="relu", name="hidden")(inputs)
    x = layers.Dense(8, name="extra")(x)
    x = layers.Dense(8, activation="tanh", use_bias=False, name="hidden2")(x)
    return keras.Model(inputs, layers.Dense(3, activation="softmax", name="probs")(x))


def test_by_name_loads_the_named_layers_and_leaves_the_rest():
    model = _mlp_with_an_extra_layer()
    extra = [w.copy() for w in model.get_layer("extra").get_weights()]
    with pytest.raises(ValueError, match="Layer count mismatch"):
        model.load_weights(path("dense_mlp_weights.h5"))
    model.load_weights(path("dense_mlp_weights.h5"), by_name=True)
    with h5py.File(path("dense_mlp_weights.h5"), "r") as f:
        np.testing.assert_array_equal(model.get_layer("hidden").kernel.numpy(),
                                      f["hidden/hidden/kernel:0"][()])
        np.testing.assert_array_equal(model.get_layer("probs").bias.numpy(),
                                      f["probs/probs/bias:0"][()])
    for before, after in zip(extra, model.get_layer("extra").get_weights()):
        np.testing.assert_array_equal(before, after)


def test_a_lambda_layer_file_is_refused_and_its_weights_load_into_the_model_built_here(io):
    # tf_keras stores every Lambda function as bytecode: Keras 3 refuses it in safe mode,
    # minikeras always (files hold data); the weights go into the model built in code
    for load_file in (lambda: keras.models.load_model(path("lambda_layer.h5")),
                      lambda: keras.models.model_from_json(open(path("lambda_layer.json"),
                                                                encoding="utf-8").read())):
        with pytest.raises(ValueError, match="`Lambda` layer 'affine'.*Python lambda"):
            load_file()
    model = cases.lambda_layer(keras)
    model.load_weights(path("lambda_layer.h5"))
    assert_predicts(model, io, "lambda_layer")


# ---- compile state and resumed training -----------------------------------------------------
def _step_logs(model, io, name):
    x = cases.as_model_arguments(stored(io, name, "in"))
    y = cases.as_model_arguments(stored(io, name, "target"))
    return model.train_on_batch(x, y, return_dict=True)


@pytest.mark.parametrize("name", COMPILED)
def test_compile_state_is_the_one_compiled_in_tf_keras(io, resumed, name):
    loaded = resumed(name)
    fresh = cases.MODELS[name](keras)
    fresh.compile(**cases.COMPILE[name](keras))
    assert type(loaded.model.optimizer) is type(fresh.optimizer)
    ours, theirs = loaded.config, fresh.optimizer.get_config()
    # tf_keras's RMSprop defaults ema_overwrite_frequency to 100 (kept, as Keras 3 keeps it;
    # it does nothing without use_ema)
    unused = {"name"} | ({"ema_overwrite_frequency"} if not ours["use_ema"] else set())
    assert {k: v for k, v in ours.items() if k not in unused} == pytest.approx(
        {k: v for k, v in theirs.items() if k not in unused})
    fresh.set_weights(loaded.weights)
    loaded_logs, fresh_logs = loaded.logs, _step_logs(fresh, io, name)
    assert sorted(loaded_logs) == sorted(fresh_logs)  # the same losses and metrics
    assert loaded_logs["loss"] == pytest.approx(float(io[f"{name}/resumed_loss"]), rel=1e-5)


@pytest.mark.parametrize("name", COMPILED)
def test_training_resumes_from_the_stored_optimizer_state(io, resumed, name):
    assert resumed(name).iterations == 2  # two steps in tf_keras
    model = resumed(name).model  # after one step here
    assert int(model.optimizer.iterations.numpy()) == int(io[f"{name}/resumed_iterations"])
    if name not in NOT_COMPARED_RESUMED:
        assert_predicts(model, io, name, kind="resumed")


def test_nadam_moments_restored(loaded):
    model = loaded("merges_two_outputs").model
    variables = {v.path: v.numpy() for v in model.optimizer.variables}
    with h5py.File(path("merges_two_outputs.h5"), "r") as f:
        group = f["optimizer_weights"]
        np.testing.assert_array_equal(variables["Nadam/a_kernel_momentum"],
                                      group["Nadam/m/a/kernel:0"][()])
        np.testing.assert_array_equal(variables["Nadam/score_bias_velocity"],
                                      group["Nadam/v/score/bias:0"][()])


def test_keras3_restores_the_same_iteration_count_where_it_loads_the_file(record, loaded):
    # Keras 3.15 loads only the simplest of these files (the rest fail on Keras 2 config
    # keys); where it does, it predicts the same and keeps the iteration count (its
    # optimizer, built on no variables, takes the first stored array and drops the moments)
    outcomes = record["keras3_loads_tf_keras"]
    keras3_loaded = [name for name, outcome in outcomes.items() if "error" not in outcome]
    assert keras3_loaded == ["dense_mlp", "merges_two_outputs"]
    for name in keras3_loaded:
        assert outcomes[name]["matches"]
        ours = loaded(name).model
        assert type(ours.optimizer).__name__ == outcomes[name]["optimizer"]
        assert int(ours.optimizer.iterations.numpy()) == outcomes[name]["iterations"]


# ---- Keras 3's own legacy .h5 writes ---------------------------------------------------------
@pytest.mark.parametrize("name", ["dense_mlp", "merges_two_outputs"])
def test_keras3_h5_loads_compiled_with_its_state_and_trains(io, record, name):
    expected = record["keras3_files"][name]
    model = load(f"keras3_{name}.h5")
    for got, want in zip(predictions(model, io, name), expected["outputs"]):
        np.testing.assert_allclose(got, np.asarray(want, "float32"), **TOLERANCE)
    assert int(model.optimizer.iterations.numpy()) == expected["iterations"]
    logs = _step_logs(model, io, name)
    assert np.isfinite(logs["loss"])
    assert int(model.optimizer.iterations.numpy()) == expected["iterations"] + 1


# ---- bad input ---------------------------------------------------------------------------------
def test_truncated_h5_says_so_and_leaves_the_model_unchanged(tmp_path):
    with open(path("dense_mlp.h5"), "rb") as f:
        head = f.read(4096)
    broken = tmp_path / "truncated.h5"
    broken.write_bytes(head)
    with pytest.raises(Exception, match="truncated.h5") as info:
        keras.models.load_model(broken)
    assert type(info.value).__name__ in ("UnreadableFileError", "OSError", "ValueError")
    model = cases.dense_mlp(keras)
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(Exception, match="truncated.h5"):
        model.load_weights(broken)
    for b, a in zip(before, model.get_weights()):
        np.testing.assert_array_equal(b, a)


def test_unknown_layer_class_names_it_and_the_fix(tmp_path):
    copy = tmp_path / "unknown.h5"
    shutil.copy(path("dense_mlp.h5"), copy)
    with h5py.File(copy, "a") as f:
        config = json.loads(f.attrs["model_config"])
        config["config"]["layers"][2]["class_name"] = "FancyDense"
        f.attrs["model_config"] = json.dumps(config)
    with pytest.raises(TypeError, match="FancyDense") as info:
        keras.models.load_model(copy)
    assert "custom_objects" in str(info.value)
    model = cases.dense_mlp(keras)  # its weights still load into the model built in code
    model.load_weights(copy)


def test_damaged_model_config_says_so(tmp_path):
    copy = tmp_path / "damaged.h5"
    shutil.copy(path("dense_mlp.h5"), copy)
    with h5py.File(copy, "a") as f:
        f.attrs["model_config"] = f.attrs["model_config"][:-40]
    with pytest.raises(Exception, match="damaged.h5: the model config is not valid JSON") as info:
        keras.models.load_model(copy)
    assert type(info.value).__name__ == "UnreadableFileError"


@pytest.mark.parametrize("drop", ["Adam/v/probs/bias:0", "Adam/m/hidden/kernel:0"])
def test_optimizer_state_that_does_not_fit_warns_and_trains_fresh(tmp_path, drop):
    copy = tmp_path / "partial.h5"
    shutil.copy(path("dense_mlp.h5"), copy)
    with h5py.File(copy, "a") as f:
        group = f["optimizer_weights"]
        names = [n if isinstance(n, bytes) else n.encode()
                 for n in group.attrs["weight_names"]]
        group.attrs["weight_names"] = np.array([n for n in names if n != drop.encode()])
    with pytest.warns(UserWarning, match="does not fit the model's Adam .*training restarts"):
        model = keras.models.load_model(copy)
    assert int(model.optimizer.iterations.numpy()) == 0
    assert all(not v.numpy().any() for v in model.optimizer.variables[2:])


@pytest.mark.parametrize("extension", [".keras", ".h5"])
@pytest.mark.parametrize("name", SAVED)
def test_tf_keras_model_saved_again_here_keeps_predictions_and_state(io, loaded, name,
                                                                     extension):
    # the migration path: load the Keras 2 file, save it in the Keras 3 format, reload
    again = loaded(name).saved[extension]
    if isinstance(again, Exception):
        raise again
    reloaded = keras.models.load_model(again)
    assert_predicts(reloaded, io, name)
    if name in COMPILED:
        assert int(reloaded.optimizer.iterations.numpy()) == 2
