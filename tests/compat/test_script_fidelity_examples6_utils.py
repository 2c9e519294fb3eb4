"""Differences found by calling the small public utilities scripts use everywhere beside
Keras 3.15 (round 6): keras.utils (to_categorical, normalize, split_dataset,
pack/unpack_x_y_sample_weight, Progbar printing to a file, set_random_seed, get_file's
offline errors, serialize/deserialize_keras_object, the serializable registry, PyDataset's
arguments), keras.config (floatx, epsilon, image_data_format and their effects on layers,
the toggles, the dtype policy), keras.backend's legacy names, keras.ops conversions,
keras.random under a seed and keras.version().

The cases are in tests/fixtures/examples6_utils_cases.py; the expected values in
tests/fixtures/keras_examples6_utils.json, written once with real Keras 3.15 (torch backend)
by tools/make_examples6_utils_fixture.py. Values agree to float32 round-off; dtypes, shapes,
printed text and errors exactly. The paths in ``DIFFERENT`` differ on purpose or by the
torch backend's own behaviour (docs/porting.md says which).
"""
import numpy as np
import pytest

import minikeras as keras
from tests.compat.script_compare import as_json, is_numeric
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples6_utils_cases", "keras_examples6_utils.json")

TORCH = "Keras's torch backend's own behaviour (another backend differs)"
DIFFERENT = {
    "backend_names/backend": "minikeras's backend is named 'numpy'",
    "config_toggles/backend": "minikeras's backend is named 'numpy'",
    "backend_names/names": "minikeras's keras.backend also has device() and serves Keras 2's "
                           "backend functions (int_shape, set_value, ...: docs/porting.md)",
    "backend_names/has_int_shape": "minikeras's keras.backend serves Keras 2's backend "
                                   "functions (docs/porting.md)",
    "split_dataset/left_float": TORCH + ": torch's random_split always shuffles; minikeras "
                                "keeps the order unless shuffle=True (tf.data's behaviour)",
    "split_dataset/right_float": "likewise",
    "split_dataset/left_int": "likewise",
    "split_dataset/ints": "likewise",
    "split_dataset/tuple": "likewise",
    "split_dataset/both": TORCH + ": random_split needs sizes summing to the whole; minikeras "
                          "leaves the rest out, as Keras's tf.data path does",
    "split_dataset/dict/message": "minikeras names what split_dataset takes (same TypeError)",
    "config_floatx/tensor": TORCH + ": a Python float list becomes float32 whatever floatx",
    "ops_conversions/bad": TORCH + "'s words for a ragged list (same ValueError)",
    "ops_conversions/variable": "a minikeras Variable is a Tensor (is_tensor is True)",
    "random_functions/bad_int_dtype": TORCH + " (a torch kernel error); minikeras casts",
    "serialize_objects/optimizer": TORCH + ": its SGD is a torch subclass, registered apart",
    "serialize_objects/unknown": "minikeras also suggests custom_objects (saving/, same "
                                 "TypeError)",
    "get_file_errors/bad_url": "minikeras raises DownloadError (an OSError) naming the cache "
                               "path and how to place the file by hand; Keras a bare Exception",
    "normalize/axis0": "Keras 3.15 divides by the norms expanded on the wrong axis (a shape "
                       "error or wrong values); minikeras normalizes along the axis given",
    "normalize/axis0_square": "likewise",
    "to_categorical/negative": "minikeras rejects a negative label (Keras wraps it round to "
                               "the last class)",
    "to_categorical/too_large": "minikeras's ValueError names the label and the range "
                                "(Keras: numpy's IndexError)",
    "config_dtype_policy/layer": "a mixed policy computes in float32 (docs/porting.md)",
    "config_dtype_policy/bad/message": "minikeras's words (same ValueError)",
}


def _compare(mine, expected, path, problems):
    if any(path == key or path.startswith(key + "/") for key in DIFFERENT):
        return
    if isinstance(expected, str) and isinstance(mine, str) and ": " in expected \
            and path + "/message" in DIFFERENT:
        if mine.split(":")[0] != expected.split(":")[0]:
            problems.append(f"{path}: {mine!r} is not Keras's error type {expected!r}")
        return
    if isinstance(expected, dict) and isinstance(mine, dict):
        if sorted(mine) != sorted(expected):
            problems.append(f"{path}: keys {sorted(mine)} != Keras's {sorted(expected)}")
            return
        for key in expected:
            _compare(mine[key], expected[key], f"{path}/{key}", problems)
    elif isinstance(expected, list) and isinstance(mine, list) and len(mine) == len(expected) \
            and not all(isinstance(v, (int, float)) for v in expected):
        for i, (a, b) in enumerate(zip(mine, expected)):
            _compare(a, b, f"{path}[{i}]", problems)
    elif isinstance(expected, (int, float)) and not isinstance(expected, bool) or (
            isinstance(expected, list) and expected and is_numeric(expected)):
        if not is_numeric(mine) or isinstance(mine, bool) or np.shape(mine) != np.shape(
                expected) or not np.allclose(mine, expected, rtol=2e-5, atol=1e-6):
            problems.append(f"{path}: {mine!r} != Keras's {expected!r}")
    elif mine != expected:
        problems.append(f"{path}: {mine!r} != Keras's {expected!r}")


@pytest.mark.filterwarnings("ignore:minikeras computes each layer in one dtype")
@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_case_matches_keras(name):
    """Each utility gives what Keras 3.15 gives (apart from ``DIFFERENT``)."""
    problems = []
    _compare(as_json(cases.CASES[name](keras)), KERAS[name], name, problems)
    assert not problems, "\n".join(problems)


def test_every_recorded_difference_is_still_recorded_by_keras():
    """A DIFFERENT entry names a path the fixture holds (no stale exemption)."""
    for key in DIFFERENT:
        node = KERAS
        for part in key.split("/"):
            if part == "message":
                assert isinstance(node, str), key
                break
            node = node[part]


def test_cases_leave_the_global_configuration_as_they_found_it():
    """The config cases restore floatx, epsilon and image_data_format, and leave no dtype
    policy set: layers made after them follow floatx."""
    before = (keras.config.floatx(), keras.config.epsilon(), keras.config.image_data_format())
    for name in ("config_floatx", "config_epsilon", "config_image_data_format",
                 "config_dtype_policy"):
        cases.CASES[name](keras)
    assert (keras.config.floatx(), keras.config.epsilon(),
            keras.config.image_data_format()) == before
    keras.config.set_floatx("float64")
    try:
        assert keras.layers.Dense(1).dtype_policy.name == "float64"
    finally:
        keras.config.set_floatx(before[0])
