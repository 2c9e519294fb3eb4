"""Continuing Keras 3.15's training from Keras's files gives Keras's numbers: load_model and
load_weights (the optimizer's state, the schedule's position), custom objects, a
LossScaleOptimizer's file layout, and BackupAndRestore resuming Keras's backup. Files and
expected numbers: tools/make_resume_fixture.py (runs in tests/fixtures/resume_cases.py)."""
import os
import shutil
import warnings
import zipfile

import h5py
import numpy as np
import pytest

import minikeras as keras
from minikeras.autodiff import grad
from minikeras.registry import CUSTOM_OBJECTS
from tests.fixture_cases import FIXTURES, load_cases

cases, KERAS = load_cases("resume_cases", "keras_resume.json")
OBJECTS = cases.custom_objects(keras)


@pytest.fixture(autouse=True)
def keep_scaled_dense_registered():
    # other tests may clear the custom objects; the custom case loads it from the registry
    CUSTOM_OBJECTS.add(OBJECTS[0], "resume>ScaledDense", "ScaledDense", replace=True)


def fixture(name):
    return os.path.join(FIXTURES, name)


def assert_same_run(mine, theirs):
    """A continued run equals Keras's to float32 round-off."""
    assert mine["epochs"] == theirs["epochs"]
    assert sorted(mine["history"]) == sorted(theirs["history"])
    for key, values in theirs["history"].items():
        np.testing.assert_allclose(mine["history"][key], values, rtol=2e-5, atol=1e-6,
                                   err_msg=key)
    for w_mine, w_theirs in zip(mine["weights"], theirs["weights"], strict=True):
        np.testing.assert_allclose(w_mine, w_theirs, rtol=2e-5, atol=1e-6)
    assert mine["iterations"] == theirs["iterations"]
    np.testing.assert_allclose(mine["learning_rate"], theirs["learning_rate"], rtol=1e-6)
    np.testing.assert_allclose(mine["evaluate"], theirs["evaluate"], rtol=2e-5, atol=1e-6)
    np.testing.assert_allclose(mine["predict"], theirs["predict"], rtol=2e-5, atol=1e-6)


def test_load_model_restores_optimizer_state_and_schedule_position():
    assert_same_run(cases.continue_load_model(keras, fixture("keras_resume_adamw.keras")),
                    KERAS["adamw_load_model"])


def test_load_weights_into_an_unbuilt_optimizer_leaves_it_fresh_with_keras_warning():
    """Keras skips the file's optimizer state when the optimizer is not built yet (compiled,
    never trained): training restarts at iteration 0 and the schedule from its start."""
    mine = cases.continue_load_weights(keras, fixture("keras_resume_adamw.weights.h5"),
                                       build_optimizer=False)
    theirs = KERAS["adamw_load_weights_built_False"]
    assert_same_run(mine, theirs)
    assert mine["iterations"] == 6  # the two epochs after loading, from zero
    # Keras's text after the optimizer's name (whose number depends on what ran before)
    assert [w.split("'", 2)[2] for w in mine["warnings"]] == \
        [w.split("'", 2)[2] for w in theirs["warnings"]]


def test_load_weights_into_a_built_optimizer_restores_its_state():
    mine = cases.continue_load_weights(keras, fixture("keras_resume_adamw.weights.h5"),
                                       build_optimizer=True)
    assert_same_run(mine, KERAS["adamw_load_weights_built_True"])
    assert mine["warnings"] == []


def test_custom_objects_through_registry_and_custom_objects_argument():
    half_mse, mean_error = OBJECTS[1], OBJECTS[2]
    path = fixture("keras_resume_custom.keras")
    run = cases.continue_load_model(keras, path, custom_objects={"half_mse": half_mse,
                                                                 "MeanError": mean_error})
    assert_same_run(run, KERAS["custom_load_model"])
    loaded = keras.models.load_model(path, custom_objects={"half_mse": half_mse,
                                                           "MeanError": mean_error},
                                     compile=False)
    assert type(loaded.layers[0]) is OBJECTS[0]
    assert bool(loaded.compiled) is KERAS["custom_compile_false"]["compiled"] is False


def test_unknown_custom_loss_raises_keras_type_error():
    """Keras raises (it does not load the model uncompiled) when the saved loss is unknown."""
    error_type, message = KERAS["custom_load_error"]
    with pytest.raises(TypeError) as caught:
        keras.models.load_model(fixture("keras_resume_custom.keras"))
    assert type(caught.value).__name__ == error_type
    # the same first sentence (Keras names a function 'function', a class 'class')
    assert str(caught.value).split(".")[0] == message.split(".")[0] == \
        "Could not locate function 'half_mse'"


def test_loss_scale_optimizer_file_layout_and_state_match_keras(tmp_path):
    path = fixture("keras_resume_loss_scale.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "holds weights ... this model does not have"
        run = cases.continue_load_model(keras, path)
    assert_same_run(run, KERAS["loss_scale_load_model"])
    model = keras.models.load_model(path)
    mine = str(tmp_path / "mine.weights.h5")
    model.save_weights(mine)
    groups = {}
    for name, target in (("mine", mine), ("theirs", None)):
        if target is None:  # the weights inside Keras's .keras archive
            with zipfile.ZipFile(path) as archive:
                target = str(tmp_path / "theirs.weights.h5")
                with open(target, "wb") as f:
                    f.write(archive.read("model.weights.h5"))
        with h5py.File(target, "r") as f:
            found = {}
            f.visititems(lambda key, obj: found.__setitem__(key, len(obj))
                         if key.startswith("optimizer") and key.endswith("vars") else None)
            groups[name] = found
    assert groups["mine"] == groups["theirs"] == {"optimizer/vars": 14,
                                                 "optimizer/inner_optimizer/vars": 10}


def test_backup_and_restore_resumes_keras_backup(tmp_path):
    backup = str(tmp_path / "backup")
    shutil.copytree(fixture(cases.BACKUP_DIR), backup)
    run = cases.resume(keras, backup)
    assert_same_run(run, KERAS["backup_resume"])
    assert run["epochs"] == [2, 3] and run["backup_left"] is KERAS["backup_resume"]["backup_left"]


def test_backup_and_restore_resumes_a_model_fit_has_not_built_yet(tmp_path):
    backup = str(tmp_path / "backup")
    shutil.copytree(fixture(cases.BACKUP_DIR), backup)  # same layout: layers/dense, dense_1
    assert_same_run(cases.resume(keras, backup, built=False), KERAS["backup_resume"])


def test_backup_and_restore_interrupted_here_resumes_as_keras_did(tmp_path):
    backup = str(tmp_path / "backup")
    cases.interrupt(keras, backup)
    assert_same_run(cases.resume(keras, backup), KERAS["backup_resume"])


def _apply_gradients(model, loss, variables, optimizer):
    optimizer.apply(grad(loss, variables), variables)


def test_load_weights_restores_optimizers_held_as_attributes():
    """A model with its own compile() and two optimizers (keras-io's GANs): each optimizer's
    state comes back from its own group (``first_optimizer/vars``) as in Keras."""
    # as in Keras: super().compile() made a default RMSprop, which fit built (its 6 variables
    # are in the file) but this fresh model has not, so its state is skipped with a warning
    with pytest.warns(UserWarning, match="optimizer 'rm_sprop[_0-9]*', because it has 2 variables "
                                         "whereas the saved optimizer has 6 variables"):
        run = cases.continue_two_optimizers(keras, _apply_gradients,
                                            fixture("keras_resume_two_optimizers.weights.h5"))
    theirs = KERAS["two_optimizers_load_weights"]
    assert run["iterations_at_load"] == theirs["iterations_at_load"] == [6, 6]
    np.testing.assert_allclose(run["history"]["loss"], theirs["history"]["loss"], rtol=2e-5)
    for w_mine, w_theirs in zip(run["weights"], theirs["weights"], strict=True):
        np.testing.assert_allclose(w_mine, w_theirs, rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("option", ["default", "clone_function", "recursive", "input_tensors",
                                    "call_function"])
def test_clone_model_options_on_a_functional_graph_match_keras(option):
    """clone_model replays a functional graph (dict inputs, a shared layer, a nested
    Sequential) with clone_function / recursive / input_tensors / call_function as Keras."""
    mine, theirs = cases.clone_runs(keras), KERAS["clone_model"]
    assert mine["seen"] == theirs["seen"]  # each layer once, in Keras's order
    assert mine[option]["layers"] == theirs[option]["layers"]
    assert mine[option]["shapes"] == theirs[option]["shapes"]
    assert mine[option]["compiled"] is theirs[option]["compiled"] is True
    for key, values in theirs[option]["predict"].items():
        np.testing.assert_allclose(mine[option]["predict"][key], values, rtol=1e-5, atol=1e-6)


def test_clone_model_refuses_clone_function_for_a_subclassed_model():
    class Plain(keras.Model):
        def call(self, inputs):
            return inputs

    with pytest.raises(ValueError, match="Arguments `clone_function` and `input_tensors` are "
                                         "only supported for Sequential models or Functional "
                                         "models. Received model of type 'Plain'"):
        keras.models.clone_model(Plain(), clone_function=lambda layer: layer)
    with pytest.raises(ValueError, match="`call_function` argument is not supported with "
                                         "Sequential models"):
        keras.models.clone_model(keras.Sequential([keras.layers.Dense(1)]),
                                 call_function=lambda layer, *a, **k: layer(*a, **k))


def test_a_package_registered_name_is_found_by_that_name_only():
    """Keras 3.15 (checked with the scratch install): a config saved under the registered
    name "elsewhere>Other" is not found by custom_objects keyed "Other" (TypeError), and is
    found when keyed by the registered name. minikeras found it in the up-front check, then
    failed while building ("Could not interpret layer identifier", a ValueError)."""
    class Other(keras.layers.Layer):
        pass

    config = {"module": "elsewhere", "class_name": "Other", "config": {"name": "o"},
              "registered_name": "elsewhere>Other"}
    with pytest.raises(TypeError, match="Could not locate class 'Other'"):
        keras.saving.deserialize_keras_object(config, custom_objects={"Other": Other})
    found = keras.saving.deserialize_keras_object(config,
                                                  custom_objects={"elsewhere>Other": Other})
    assert type(found) is Other
