"""Models trained with Keras 3.15 and deployed with minikeras from nothing but the shipped
file (round 6): load_model (compiled or not), to_json + save_weights, custom objects by
registration / argument / scope, safe_mode, then predict, evaluate, summary and one more
epoch as Keras gives them from the same file; a .weights.h5 loaded into differently built
models; bad files. Files and Keras's numbers: tools/make_deploy_fixtures.py (models in
tests/fixtures/deploy_cases.py). Earlier rounds' ground (optimizer state and schedules,
LossScaleOptimizer, BackupAndRestore) is in test_resume_fidelity.py."""
import json
import os

import numpy as np
import pytest

import minikeras as keras
from tests.fixture_cases import FIXTURES, load_cases

cases, KERAS = load_cases("deploy_cases", "keras_deploy.json")
TRAINABLE = [name for name in cases.BUILDERS if name != "mixed_dtypes"]
NESTED = os.path.join(FIXTURES, "keras_deploy_nested_sequential.keras")


def fixture(name):
    return os.path.join(FIXTURES, name)


@pytest.fixture(autouse=True)
def eighty_columns(monkeypatch):
    """Summaries at the width Keras printed them (the writer sets COLUMNS=80)."""
    monkeypatch.setenv("COLUMNS", "80")


@pytest.fixture(autouse=True)
def registered():
    """The deployment's classes, registered as its own code would (other tests may clear
    the registry); dropped again afterwards."""
    objects = cases.custom_objects(keras)
    yield objects
    cases.forget_custom_objects(keras)


def data(name):
    """The builder's inputs and targets (the same arrays Keras trained on)."""
    keras.backend.clear_session()
    _, x, y = cases.BUILDERS[name](keras)
    keras.backend.clear_session()
    return x, y


def assert_close(mine, theirs, what):
    if isinstance(theirs, dict):
        assert sorted(mine) == sorted(theirs), what
        for key in theirs:
            assert_close(mine[key], theirs[key], f"{what}[{key}]")
        return
    np.testing.assert_allclose(np.asarray(mine, dtype=float), np.asarray(theirs, dtype=float),
                               rtol=2e-5, atol=2e-6, err_msg=what)


@pytest.mark.parametrize("name", list(cases.BUILDERS))
def test_compile_false_load_predicts_and_summarizes_as_keras(name):
    x, _ = data(name)
    model = keras.saving.load_model(fixture(cases.shipped_file(name)), compile=False)
    theirs = KERAS[name]["inference"]
    assert_close(cases.predictions(model, x), theirs["predict"], "predict")
    assert cases.summary_text(model) == theirs["summary"]


@pytest.mark.parametrize("name", TRAINABLE)
def test_compiled_load_evaluates_summarizes_and_trains_on_as_keras(name):
    x, y = data(name)
    model = keras.models.load_model(fixture(cases.shipped_file(name)))
    mine, theirs = cases.deployed(keras, model, x, y), KERAS[name]
    assert_close(mine["predict"], theirs["predict"], "predict")
    assert_close(mine["evaluate"], theirs["evaluate"], "evaluate")
    assert mine["summary"] == theirs["summary"]
    assert mine["weights"] == theirs["weights"]
    assert_close(mine["history"], theirs["history"], "history")


def test_mixed_dtype_model_cannot_be_trained_and_says_to_load_for_inference():
    # deliberate (docs/porting.md): minikeras's optimizers train variables of one dtype
    with pytest.raises(ValueError, match=r"float32.*float64.*compile=False"):
        keras.saving.load_model(fixture("keras_deploy_mixed_dtypes.keras"))


def test_to_json_and_save_weights_load_as_the_keras_file():
    x, _ = data("nested_sequential")
    with open(fixture("keras_deploy_nested.json"), encoding="utf-8") as f:
        model = keras.models.model_from_json(f.read())
    model.load_weights(fixture("keras_deploy_nested.weights.h5"))
    assert_close(cases.predictions(model, x), KERAS["nested_sequential"]["predict"], "predict")


def test_unregistered_classes_by_argument_and_by_scope(registered):
    cases.forget_custom_objects(keras)
    objects = cases.custom_objects(keras, register=False)
    x, _ = data("nested_sequential")
    expected = KERAS["nested_sequential"]["predict"]
    by_argument = keras.saving.load_model(NESTED, custom_objects=objects, compile=False)
    assert_close(cases.predictions(by_argument, x), expected, "custom_objects=")
    with keras.saving.custom_object_scope(objects):
        by_scope = keras.saving.load_model(NESTED)
        with open(fixture("keras_deploy_nested.json"), encoding="utf-8") as f:
            from_json = keras.models.model_from_json(f.read())
    assert_close(cases.predictions(by_scope, x), expected, "custom_object_scope")
    from_json.load_weights(fixture("keras_deploy_nested.weights.h5"))
    assert_close(cases.predictions(from_json, x), expected, "model_from_json in scope")


def test_a_missing_custom_object_names_the_class():
    cases.forget_custom_objects(keras)
    with pytest.raises(TypeError, match="Could not locate class 'ScaleOffset'"):
        keras.saving.load_model(NESTED)
    assert "Could not locate class 'ScaleOffset'" in KERAS["missing_custom_object"]


@pytest.mark.parametrize("safe_mode", [True, False])
def test_a_python_lambda_file_is_refused_even_without_safe_mode(safe_mode):
    # Keras refuses it by default too (KERAS["lambda_refused"]) and runs it with
    # safe_mode=False; minikeras never runs code from a file (docs/porting.md)
    assert "safe_mode=False" in KERAS["lambda_refused"]
    with pytest.raises(ValueError, match="Python lambda.*even with safe_mode=False"):
        keras.saving.load_model(fixture("keras_deploy_lambda.keras"), safe_mode=safe_mode)


@pytest.mark.parametrize("case", sorted(KERAS["weights_into_other_models"]))
def test_weights_file_into_a_differently_built_model(case):
    keras.backend.clear_session()
    x = np.random.default_rng(8).normal(size=(16, 4)).astype("float32")
    mine = cases.weights_into_other_models(
        keras, fixture("keras_deploy_stack.weights.h5"), x, only=case)[case]
    theirs = KERAS["weights_into_other_models"][case]
    if "error" in theirs:
        assert "error" in mine, mine
        assert mine["error"].split("\n")[0] == theirs["error"].split("\n")[0]
        return
    assert "error" not in mine, mine["error"]
    assert mine["warnings"] == theirs["warnings"]
    for i, (w_mine, w_theirs) in enumerate(zip(mine["first_layer"], theirs["first_layer"],
                                               strict=True)):
        assert_close(w_mine, w_theirs, f"{case} first layer weight {i}")
    for i, (b_mine, b_theirs) in enumerate(zip(mine["biases"], theirs["biases"], strict=True)):
        assert_close(b_mine, b_theirs, f"{case} bias of layer {i}")
    if not theirs["warnings"]:  # every layer loaded (a skipped one keeps its random start)
        assert_close(mine["predict"], theirs["predict"], case)


@pytest.mark.parametrize("damage", ["truncated", "not_a_zip"])
def test_a_damaged_keras_file_is_a_clear_error_and_leaves_the_model_unchanged(
        tmp_path, damage):
    path = str(tmp_path / "damaged.keras")
    with open(NESTED, "rb") as f:
        content = f.read()
    with open(path, "wb") as f:
        f.write(content[: len(content) // 2] if damage == "truncated" else b"not a zip")
    model = keras.saving.load_model(NESTED)
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match="damaged.keras"):
        keras.saving.load_model(path)
    with pytest.raises(ValueError, match="damaged.keras"):
        model.load_weights(path)
    for w_before, w_after in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(w_before, w_after)


def test_a_truncated_weights_file_leaves_the_model_unchanged(tmp_path):
    path = str(tmp_path / "cut.weights.h5")
    with open(fixture("keras_deploy_nested.weights.h5"), "rb") as f:
        content = f.read()
    with open(path, "wb") as f:
        f.write(content[: len(content) // 2])
    model = keras.saving.load_model(NESTED)
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises((ValueError, OSError), match="cut.weights.h5"):
        model.load_weights(path)
    for w_before, w_after in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(w_before, w_after)


def test_string_lookup_file_from_keras_on_tensorflow_deploys_as_keras():
    # the vocabulary is only in the file's assets (assets/layers/string_lookup/vocabulary.txt)
    with open(fixture("keras_deploy_string_lookup.json"), encoding="utf-8") as f:
        theirs = json.load(f)
    keras.backend.clear_session()
    model = keras.saving.load_model(fixture("keras_deploy_string_lookup.keras"))
    _, x, y = cases.string_lookup(keras)
    mine = cases.deployed(keras, model, x, y)
    assert_close(mine["predict"], theirs["predict"], "predict")
    assert_close(mine["evaluate"], theirs["evaluate"], "evaluate")
    # Keras on TensorFlow counts the optimizer's iteration as int64 (8 bytes); minikeras,
    # as Keras on torch, as int32
    assert mine["summary"] == theirs["summary"].replace("(276.00 B)", "(272.00 B)").replace(
        "(188.00 B)", "(184.00 B)")
    assert_close(mine["history"], theirs["history"], "history")
