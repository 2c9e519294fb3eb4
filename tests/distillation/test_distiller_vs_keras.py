"""keras.distillation.Distiller trained side by side with Keras 3.15: the same scripts
(tests/fixtures/distillation_cases.py) give the same logs, evaluate() lists, student weights
and predictions; a Distiller saved by Keras loads here, and the other way round the saved
config is Keras's (expected numbers made once with real Keras by
tools/make_distillation_fixture.py)."""
import json
import os
import warnings
import zipfile

import numpy as np
import pytest

import minikeras as keras
from tests.fixture_cases import FIXTURES, load_cases

cases, KERAS = load_cases("distillation_cases", "keras_distillation.json")
KERAS_FILE = os.path.join(FIXTURES, "keras_distiller.keras")


def run(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the probability-loss-on-logits hints of the cases
        return cases.run_case(keras, name)


@pytest.fixture(scope="module")
def results():
    return {name: run(name) for name in cases.CASES}


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_fit_logs_match_keras(results, name):
    got, expected = results[name][0]["history"], KERAS["cases"][name]["history"]
    assert sorted(got) == sorted(expected)
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=2e-6, atol=1e-7, err_msg=key)


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_evaluate_list_matches_keras_in_order(results, name):
    np.testing.assert_allclose(results[name][0]["evaluate"], KERAS["cases"][name]["evaluate"],
                               rtol=2e-6, atol=1e-7)


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_trained_student_matches_keras(results, name):
    got, expected = results[name][0], KERAS["cases"][name]
    for mine, theirs in zip(got["student_weights"], expected["student_weights"]):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got["predict"], expected["predict"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_metrics_are_keras_trackers(results, name):
    # the compiled metrics are one "compile_metrics" entry, as in Keras
    assert results[name][0]["metrics"] == KERAS["cases"][name]["metrics"]
    assert results[name][0]["metrics"][-3:] == ["student_loss", "distillation_loss", "total_loss"]


def test_validation_sample_weights_and_batch_methods_match_keras():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = cases.validation_run(keras)
    expected = KERAS["validation_run"]
    assert sorted(got["history"]) == sorted(expected["history"])
    for key in expected["history"]:
        np.testing.assert_allclose(got["history"][key], expected["history"][key], rtol=2e-6,
                                   atol=1e-7, err_msg=key)
    for key in ("train_on_batch", "test_on_batch"):
        np.testing.assert_allclose(got[key], expected[key], rtol=2e-6, atol=1e-7, err_msg=key)


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_summary_matches_keras(results, name, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")  # the width the fixture was made at
    assert cases.summary_text(results[name][1]) == KERAS["summaries"][name]


def keras_config():
    with zipfile.ZipFile(KERAS_FILE) as archive:
        config = json.loads(archive.read("config.json"))
    config["config"]["dtype"].pop("shared_object_id")  # Keras's bookkeeping of shared dtypes
    return config


def test_keras_file_loads_with_its_losses_and_predicts_the_same():
    with pytest.warns(UserWarning, match=r"`compile\(\)` was not called"):  # as Keras warns:
        distiller = keras.saving.load_model(KERAS_FILE)  # its compile config has loss None
    assert isinstance(distiller, keras.distillation.Distiller) and not distiller.compiled
    logits, features = distiller.distillation_losses
    assert isinstance(logits, keras.distillation.LogitsDistillation)
    assert logits.temperature == 2.0 and isinstance(logits.loss, keras.losses.KLDivergence)
    assert isinstance(features, keras.distillation.FeatureDistillation)
    assert features.loss is keras.losses.mean_squared_error
    assert (features.teacher_layer_name, features.student_layer_name) == (
        "teacher_features", "student_features")
    assert distiller.distillation_loss_weights == [1.0, 0.5]
    assert distiller.student_loss_weight == 0.3 and not distiller.teacher.trainable
    x, _ = cases._data()
    np.testing.assert_allclose(distiller.predict(x, verbose=0),
                               KERAS["cases"]["logits_and_features"]["predict"],
                               rtol=1e-6, atol=1e-7)


def test_saved_config_is_keras_config(results, tmp_path):
    distiller = results["logits_and_features"][1]
    path = str(tmp_path / "d.keras")
    distiller.save(path)
    with zipfile.ZipFile(path) as archive:
        mine = json.loads(archive.read("config.json"))
    theirs = keras_config()
    for key in ("module", "class_name", "registered_name"):
        assert mine[key] == theirs[key], key
    for key in ("name", "trainable", "dtype", "distillation_losses",
                "distillation_loss_weights", "student_loss_weight"):
        assert mine["config"][key] == theirs["config"][key], key
    assert mine["compile_config"]["loss"] is None and theirs["compile_config"]["loss"] is None
    with pytest.warns(UserWarning, match=r"`compile\(\)` was not called"):
        loaded = keras.saving.load_model(path)
    x, _ = cases._data()
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), distiller.predict(x, verbose=0))


def test_loss_configs_are_keras_serialize_keras_object_output():
    theirs = keras_config()["config"]["distillation_losses"]
    mine = [keras.saving.serialize_keras_object(loss) for loss in (
        keras.distillation.LogitsDistillation(temperature=2.0, loss=keras.losses.KLDivergence()),
        keras.distillation.FeatureDistillation(loss="mse", teacher_layer_name="teacher_features",
                                               student_layer_name="student_features"))]
    assert mine == theirs
