"""model.quantize side by side with Keras 3.15: the same float models (tests/fixtures/
quantization_cases.py) quantized to int8 and int4 give Keras's integer weights, scales and
predictions; Keras's quantized .keras and .weights.h5 files load and predict the same; one
SGD step after quantization trains what Keras trains, to the same numbers; and a file saved
here has Keras's layout. Expected numbers made once with real Keras by
tools/make_quantization_fixture.py (which also checked that Keras loads files saved here)."""
import functools
import importlib.util
import json
import os
import warnings
import zipfile

import h5py
import numpy as np
import pytest

import minikeras as keras
from tests.fixture_cases import FIXTURES

_spec = importlib.util.spec_from_file_location(
    "quantization_cases", os.path.join(FIXTURES, "quantization_cases.py"))
cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cases)


@functools.lru_cache(maxsize=None)
def keras_numbers():
    """{name: array} Keras recorded (keras_quantization.npz), read at first use rather than
    at collection (538 arrays to decompress)."""
    with np.load(os.path.join(FIXTURES, "keras_quantization.npz")) as arrays:
        return dict(arrays)


RUNS = [(case, mode) for case in cases.CASES for mode in cases.MODES]


def keras_file(case, mode, suffix=".keras"):
    return os.path.join(FIXTURES, "quantization", f"{case}_{mode}{suffix}")


def keras_arrays(case, mode, kind):
    """[(variable name, array)] Keras recorded, in its model.weights order."""
    prefix = f"{case}/{mode}/{kind}/"
    return [(k.rsplit("/", 1)[1], v) for k, v in keras_numbers().items() if k.startswith(prefix)]


def quantized(case, mode):
    model = cases.build_model(keras, case)
    quantize_mode, config = cases.quantize_arguments(keras, mode)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the layers without a quantized form
        model.quantize(quantize_mode, config=config)
    return model


def assert_variables_match(model, expected):
    assert [v.name for v in model.weights] == [name for name, _ in expected]
    for variable, (name, array) in zip(model.weights, expected):
        assert variable.shape == array.shape and variable.dtype == array.dtype, name
        if array.dtype == np.int8:
            np.testing.assert_array_equal(variable.numpy(), array, err_msg=name)
        else:
            np.testing.assert_allclose(variable.numpy(), array, rtol=1e-6, atol=1e-7,
                                       err_msg=name)


@pytest.mark.parametrize("case,mode", RUNS)
def test_quantize_gives_keras_variables_and_predictions(case, mode):
    model = quantized(case, mode)
    assert_variables_match(model, keras_arrays(case, mode, "variables"))
    np.testing.assert_allclose(model.predict(cases.inputs(case), verbose=0),
                               keras_numbers()[f"{case}/{mode}/predict"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case,mode", RUNS)
def test_keras_quantized_file_loads_and_predicts_the_same(case, mode):
    model = keras.models.load_model(keras_file(case, mode))
    assert_variables_match(model, keras_arrays(case, mode, "variables"))
    np.testing.assert_allclose(model.predict(cases.inputs(case), verbose=0),
                               keras_numbers()[f"{case}/{mode}/predict"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", cases.CASES)
def test_keras_int8_weights_file_loads_into_a_quantized_model(case):
    model = cases.build_model(keras, case)
    model.set_weights([np.zeros_like(w) for w in model.get_weights()])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.quantize("int8")
    model.load_weights(keras_file(case, "int8", ".weights.h5"))
    assert_variables_match(model, keras_arrays(case, "int8", "variables"))
    np.testing.assert_allclose(model.predict(cases.inputs(case), verbose=0),
                               keras_numbers()[f"{case}/int8/predict"], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("case,mode", RUNS)
def test_training_after_quantization_updates_what_keras_updates(case, mode):
    model = keras.models.load_model(keras_file(case, mode))
    loss = cases.train_one_step(keras, model, case)
    np.testing.assert_allclose(loss, keras_numbers()[f"{case}/{mode}/train_loss"], rtol=1e-6)
    assert_variables_match(model, keras_arrays(case, mode, "trained"))


def _layer_entries(path):
    """Each layer's (dtype, quantization_config) in a .keras file, without Keras's
    shared-object ids."""
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
    entries = []
    for layer in config["config"]["layers"]:
        inner = layer["config"]
        if "quantization_config" in inner:
            entries.append(strip_ids([inner["dtype"], inner["quantization_config"]]))
    return entries


def strip_ids(value):
    if isinstance(value, dict):
        return {k: strip_ids(v) for k, v in value.items() if k != "shared_object_id"}
    if isinstance(value, list):
        return [strip_ids(v) for v in value]
    return value


def _h5_layout(path):
    """(dataset name without the layer's own name, shape, dtype) of each stored array."""
    with zipfile.ZipFile(path) as archive, h5py.File(
            archive.open("model.weights.h5"), "r") as f:
        found = []
        f.visititems(lambda name, obj: found.append(
            (name.split("/", 2)[-1], obj.shape, str(obj.dtype)))
                     if isinstance(obj, h5py.Dataset) else None)
        return sorted(found)


@pytest.mark.parametrize("case,mode", RUNS)
def test_saved_file_has_keras_layout(case, mode, tmp_path):
    path = str(tmp_path / "model.keras")
    quantized(case, mode).save(path)
    assert _layer_entries(path) == _layer_entries(keras_file(case, mode))
    assert _h5_layout(path) == _h5_layout(keras_file(case, mode))
    reloaded = keras.models.load_model(path)
    np.testing.assert_allclose(reloaded.predict(cases.inputs(case), verbose=0),
                               keras_numbers()[f"{case}/{mode}/predict"], rtol=1e-5, atol=1e-6)
