"""Keras 2 era scripts (tf.keras 2.x and standalone Keras 2.x: Stack Overflow answers, blog
posts, older books) run through minikeras, one small piece each.

The pieces are in tests/fixtures/examples11_keras2scripts_cases.py; what Keras 3.15 (torch
backend) and tf_keras 2.21 (with Keras 2.0-2.10's optimizers, ``tf_keras.optimizers.legacy``)
did with each is in tests/fixtures/keras_examples11_keras2scripts.json, written once by
tools/make_examples11_keras2scripts_fixture.py. The rule: Keras 3 decides. A piece Keras 3 runs,
or rejects because it removed the feature, must give Keras 3's record (error, warnings,
printed text, value; numbers to float32 round-off). A piece that is a Keras 2 spelling
minikeras accepts as an alias (docs/porting.md's Keras 2 table) must run as tf_keras 2 ran it
(``KERAS2``); Keras 3's warnings must still be given.

Found here and fixed:
- ``LeakyReLU(alpha=...)`` warned in minikeras's words; now Keras 3's ("Argument `alpha` is
  deprecated. Use `negative_slope` instead.").
- ``model.save("model.h5")`` said nothing; Keras 3 logs (absl, on stderr) that HDF5 is a
  legacy format and recommends ``.keras``; minikeras logs the same text (logger "minikeras").
- ``keras.layers.ThresholdedReLU(theta=1.0)`` (Keras 3 removed it; the migration guide lists
  it as renamed to ``ReLU``) raised AttributeError; now a Keras 2 alias computing
  ``x if x > theta else 0`` as tf_keras 2 does (``ReLU(threshold=theta)`` keeps an input equal
  to theta).
"""
import json
import tempfile

import pytest

import minikeras as keras
from tests.compat.script_compare import assert_same, keras_spelled as neutral
from tests.fixture_cases import load_cases
from tests.optional_extras import require_module

cases, RECORDED = load_cases("examples11_keras2scripts_cases", "keras_examples11_keras2scripts.json")
KERAS3, KERAS2 = RECORDED["keras3"], RECORDED["tf_keras2"]

# case -> the Keras 2 spelling minikeras accepts (docs/porting.md); Keras 3 raises on it
ALIASES = {
    "lambda_layer_with_backend_mean": "K.mean (Keras 2's backend functions, round 9)",
    "sgd_lr_decay_momentum_nesterov": "SGD(lr=...); decay is ignored with Keras 3's warning "
                                      "(decay=1e-6 over 8 steps changes no float32 digit)",
    "sgd_lr_momentum": "SGD(lr=...) and optimizer.lr",
    "adam_lr_binary_accuracy": "Adam(lr=...)",
    "rmsprop_book_arguments": "RMSprop(lr=..., epsilon=None): None is K.epsilon()",
    "set_value_of_optimizer_lr": "K.set_value / K.get_value on optimizer.lr",
    "thresholded_relu_layer": "ThresholdedReLU(theta=...)",
    "stateful_lstm_batch_input_shape": "batch_input_shape=... on the first layer",
}

# case -> a warning of Keras 3's that minikeras leaves out on purpose, and why
QUIET = {
    "rmsprop_book_arguments": (
        "UserWarning: Argument `decay` is no longer supported and will be ignored.",
        "decay=0.0 changes nothing, and Keras 2 configs carry it: minikeras warns only for a "
        "decay that Keras 2 would have applied (tests/optimizers/test_optimizer_base.py)"),
}

# case -> why minikeras's error is Keras 3's whole message followed by more words
EXTENDED = {
    "model_checkpoint_hdf5_pattern": "minikeras says which extensions to use instead",
    "scikit_learn_wrapper_module": "Python adds that minikeras.wrappers is a module, not a "
                                   "package (Keras 3's keras.wrappers is a package)",
}

# case -> (minikeras's record's value, why it is not Keras 3's): documented departures
DEPARTURES = {
    "layers_core_module_dense": (
        "Dense", "minikeras's own modules are named as Keras 2's were (layers/core.py), so "
                 "`from keras.layers.core import Dense` imports; Keras 3 has no such module"),
    "np_utils_to_categorical": (
        [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]],
        "keras.utils.np_utils is a documented Keras 2 alias (docs/porting.md)"),
    "optimizers_legacy_sgd": (
        "SGD", "keras.optimizers.legacy is a documented Keras 2 alias (docs/optimizers.md); "
               "Keras 3 raises ImportError"),
    "mixed_precision_set_global_policy": (
        ["float32", "float32"], "a mixed policy computes in float32 (docs/porting.md)"),
}

# Keras 3's sentence that minikeras leaves out: it has no model.export (docs/porting.md)
EXPORT_HINT = ("Use `model.export(filepath)` if you want to export a SavedModel for use with "
               "TFLite/TFServing/etc. ")
SHORTENED = {"save_without_extension": EXPORT_HINT}

def minikeras_record(name):
    with tempfile.TemporaryDirectory() as folder:
        record = cases.CASES[name](keras, folder)
    record = json.loads(json.dumps(record))  # as the JSON fixture holds it (tuples as lists)
    record["error"] = neutral(record["error"])
    record["warnings"] = [neutral(w) for w in record["warnings"]]
    return record


def keras3_record(name):
    record = dict(KERAS3[name])
    record["error"] = neutral(record["error"])
    return record


SAME_AS_KERAS3 = sorted(set(cases.CASES) - set(ALIASES) - set(EXTENDED) - set(DEPARTURES)
                        - set(SHORTENED))


def test_cases_are_recorded_and_the_lists_name_cases():
    assert sorted(KERAS3) == sorted(KERAS2) == sorted(cases.CASES)
    for listed in (ALIASES, QUIET, EXTENDED, DEPARTURES, SHORTENED, NEEDS):
        assert set(listed) <= set(cases.CASES)


# pieces that need an optional extra: case -> (module, extra)
NEEDS = {"image_img_to_array": ("PIL", "images"),
         "tensorboard_arguments": ("tensorboard", "tensorboard")}


@pytest.mark.parametrize("name", SAME_AS_KERAS3)
def test_piece_gives_keras3s_record(name):
    if name in NEEDS:
        require_module(*NEEDS[name])
    assert_same(minikeras_record(name), keras3_record(name))


@pytest.mark.parametrize("name", sorted(ALIASES))
def test_keras2_alias_runs_as_tf_keras2_ran_it(name):
    mine, keras2, keras3 = minikeras_record(name), KERAS2[name], keras3_record(name)
    assert keras3["error"] != "no error"  # Keras 3 rejects the Keras 2 spelling
    assert_same({k: mine[k] for k in ("error", "printed", "value")},
                {k: keras2[k] for k in ("error", "printed", "value")})
    for warning in keras3["warnings"]:  # Keras 3's warnings, in its words, still given
        if QUIET.get(name, ("",))[0] == warning:
            assert not any(w.startswith(warning) for w in mine["warnings"])
            continue
        assert any(w.startswith(warning) for w in mine["warnings"]), (warning, mine["warnings"])


@pytest.mark.parametrize("name", sorted(EXTENDED))
def test_error_is_keras3s_message_then_more(name):
    mine, expected = minikeras_record(name), keras3_record(name)
    assert mine["error"].startswith(expected["error"]) and mine["error"] != expected["error"]
    assert_same({k: v for k, v in mine.items() if k != "error"},
                {k: v for k, v in expected.items() if k != "error"})


@pytest.mark.parametrize("name", sorted(SHORTENED))
def test_error_is_keras3s_message_without_a_sentence(name):
    expected = keras3_record(name)
    expected["error"] = expected["error"].replace(SHORTENED[name], "")
    assert_same(minikeras_record(name), expected)


@pytest.mark.parametrize("name", sorted(DEPARTURES))
def test_documented_departure(name):
    mine = minikeras_record(name)
    assert mine["error"] == "no error" and KERAS3[name] != mine
    assert_same(mine["value"], DEPARTURES[name][0])


def test_thresholded_relu_config_round_trip_and_bad_theta():
    layer = keras.layers.ThresholdedReLU(theta=0.5, name="thresh")
    rebuilt = keras.layers.deserialize(keras.layers.serialize(layer))
    assert isinstance(rebuilt, keras.layers.ThresholdedReLU) and rebuilt.theta == 0.5
    with pytest.raises(ValueError, match=r"`theta` argument of ThresholdedReLU must be a "
                                         r"non-negative number\. Received: theta=-1"):
        keras.layers.ThresholdedReLU(theta=-1)


def test_saving_to_hdf5_logs_keras3s_legacy_format_notice(caplog, tmp_path):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    with caplog.at_level("WARNING", logger="minikeras"):
        model.save(str(tmp_path / "model.keras"))
        assert not caplog.records
        model.save(str(tmp_path / "model.h5"))
    assert [r.getMessage() for r in caplog.records] == [
        "You are saving your model as an HDF5 file via `model.save()` or "
        "`keras.saving.save_model(model)`. This file format is considered legacy. We recommend "
        "using instead the native Keras format, e.g. `model.save('my_model.keras')` or "
        "`keras.saving.save_model(model, 'my_model.keras')`. "]
