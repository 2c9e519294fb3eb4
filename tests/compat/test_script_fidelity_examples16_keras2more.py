"""More Keras 2 era script pieces (tf.keras 2.x and standalone Keras 2.x) run through
minikeras, one small piece each, judged as tests/compat/test_script_fidelity_examples11_keras2scripts.py
judges its pieces.

The pieces are in tests/fixtures/examples16_keras2more_cases.py; what Keras 3.15 (torch
backend) and tf_keras 2.21 (with Keras 2.0-2.10's optimizers) did with each is in
tests/fixtures/keras_examples16_keras2more.json, written once by
tools/make_examples16_keras2more_fixture.py. Keras 3 decides: a piece Keras 3 runs, or rejects
because it removed the feature, gives Keras 3's record; a Keras 2 spelling minikeras accepts
as an alias (docs/porting.md's Keras 2 table) runs as tf_keras 2 ran it (``ALIASES``), with
Keras 3's warnings and no warning neither library gave.

Found here and fixed:
- ``model.fit_generator(gen, ...)`` warned "`shuffle=True` was passed, but will be ignored
  since the data `x` was provided as a generator": its Keras 2 default ``shuffle=True``
  reached ``fit``. Now only a Sequence's batches are shuffled, and a generator keeps its
  order without a warning, as in tf.keras 2.
- ``model.predict([x])`` on a Sequential model built on an input said nothing; Keras 3 warns
  "The structure of `inputs` doesn't match the expected structure." (its inner functional
  model expects the tensor, not a list); minikeras now gives the same warning.
"""
import json
import tempfile

import pytest

import minikeras as keras
from tests.compat.script_compare import TORCH_SIZE, assert_same, shape_text
from tests.compat.script_compare import keras_spelled as neutral
from tests.fixture_cases import load_cases

cases, RECORDED = load_cases("examples16_keras2more_cases", "keras_examples16_keras2more.json")
KERAS3, KERAS2 = RECORDED["keras3"], RECORDED["tf_keras2"]

GENERATOR_METHODS = "fit_generator / evaluate_generator / predict_generator"
# case -> the Keras 2 spelling minikeras accepts (docs/porting.md); Keras 3 raises on it
ALIASES = {
    "fit_generator_steps_per_epoch": GENERATOR_METHODS,
    "fit_generator_validation_workers": GENERATOR_METHODS + " (workers=... change nothing)",
    "evaluate_generator_steps": GENERATOR_METHODS,
    "predict_generator_steps": GENERATOR_METHODS,
    "sequence_on_epoch_end_fit_generator": GENERATOR_METHODS,
    "adam_lr_decay": "Adam(lr=...); decay=0.0 changes nothing",
    "backend_custom_rmse_loss": "K.sqrt / K.mean / K.square (Keras 2's backend functions)",
    "lambda_with_output_shape": "K.sum in a Lambda (Keras 2's backend functions)",
    "optimizer_lr_attribute_assignment": "K.get_value (Keras 2's backend functions)",
    "output_names_and_int_shape_of_output": "K.int_shape (Keras 2's backend functions)",
}

# case -> a warning of Keras 3's that minikeras leaves out on purpose, and why
QUIET = {
    "adam_lr_decay": (
        "UserWarning: Argument `decay` is no longer supported and will be ignored.",
        "decay=0.0 changes nothing: minikeras warns only for a decay Keras 2 would have "
        "applied (as examples11's rmsprop_book_arguments)"),
}

# case -> (key of the value, minikeras's, why it is Keras 3's fit's and not tf_keras 2's)
KERAS3_FIT = {
    "sequence_on_epoch_end_fit_generator": (
        "epoch_ends", 3, "fit_generator is Keras 3's fit, which calls a Sequence's "
                         "on_epoch_end 3 times in 2 epochs (recorded by hand from Keras 3.15: "
                         "fit(Batches(), epochs=2)); tf_keras 2's fit_generator calls it twice"),
}

# case -> (minikeras's record's value, why it is not Keras 3's): documented departures
DEPARTURES = {
    "initializers_normal_function": (
        "RandomNormal", "keras.initializers.normal is standalone Keras 2's alias, kept "
                        "(docs/initializers_regularizers_constraints.md); Keras 3 and "
                        "tf_keras 2.21 have no such name"),
    "maxnorm_constraint": (
        "MaxNorm", "keras.constraints.maxnorm is standalone Keras 2's alias, kept "
                   "(docs/initializers_regularizers_constraints.md)"),
    "load_model_h5_compile_false": (
        {"compiled_before": False, "loss": 1.33216},
        "a model never compiled has model.optimizer None (docs/porting.md; Keras 3.15 on "
        "torch raises AttributeError)"),
    "layer_input_attribute_shape": (
        [[None, 8], [None, 6]], "model.input of a built Sequential answers (docs/porting.md: "
                                "Keras 3.15 raises AttributeError until the model is called)"),
}


# Keras 3's warning for the tutorials' Dense(8, input_dim=6), which a piece Keras 3 stops
# before the model is made (Adam(lr=...)) does not record
KERAS3_INPUT_DIM_WARNING = set(KERAS3["fit_python_generator"]["warnings"][:1])


def minikeras_record(name):
    with tempfile.TemporaryDirectory() as folder:
        record = cases.CASES[name](keras, folder)
    record = json.loads(json.dumps(record))  # as the JSON fixture holds it (tuples as lists)
    record["error"] = neutral(record["error"])
    record["warnings"] = [neutral(w) for w in record["warnings"]]
    return record


def keras3_record(name):
    """Keras 3's record, its texts with the package's name as minikeras's module's is
    neutralised and torch's shapes (torch.Size([2, 6])) as numpy's ((2, 6))."""
    record = dict(KERAS3[name])
    record["error"] = neutral(TORCH_SIZE.sub(shape_text, record["error"]))
    record["warnings"] = [TORCH_SIZE.sub(shape_text, w) for w in record["warnings"]]
    return record


SAME_AS_KERAS3 = sorted(set(cases.CASES) - set(ALIASES) - set(DEPARTURES))


def test_cases_are_recorded_and_the_lists_name_cases():
    assert sorted(KERAS3) == sorted(KERAS2) == sorted(cases.CASES)
    assert set(QUIET) | set(KERAS3_FIT) <= set(ALIASES)
    assert set(DEPARTURES) <= set(cases.CASES)


@pytest.mark.parametrize("name", SAME_AS_KERAS3)
def test_piece_gives_keras3s_record(name):
    assert_same(minikeras_record(name), keras3_record(name))


def keras3_fit_value(name, value):
    """``value`` with KERAS3_FIT's key set to minikeras's (Keras 3's) number."""
    if name not in KERAS3_FIT:
        return value
    key, number, _ = KERAS3_FIT[name]
    return {**value, key: number}


@pytest.mark.parametrize("name", sorted(ALIASES))
def test_keras2_alias_runs_as_tf_keras2_ran_it(name):
    mine, keras2, keras3 = minikeras_record(name), KERAS2[name], keras3_record(name)
    assert keras3["error"] != "no error"  # Keras 3 rejects the Keras 2 spelling
    assert_same({k: mine[k] for k in ("error", "printed")},
                {k: keras2[k] for k in ("error", "printed")})
    assert_same(mine["value"], keras3_fit_value(name, keras2["value"]))
    for warning in keras3["warnings"]:  # Keras 3's warnings, in its words, still given
        if QUIET.get(name, ("",))[0] == warning:
            assert not any(w.startswith(warning) for w in mine["warnings"])
            continue
        assert any(w.startswith(warning) for w in mine["warnings"]), (warning, mine["warnings"])
    given = set(keras3["warnings"]) | set(keras2["warnings"]) | KERAS3_INPUT_DIM_WARNING
    assert set(mine["warnings"]) <= given, set(mine["warnings"]) - given


@pytest.mark.parametrize("name", sorted(DEPARTURES))
def test_documented_departure(name):
    mine = minikeras_record(name)
    assert mine["error"] == "no error" and KERAS3[name]["error"] != "no error"
    assert_same(mine["value"], DEPARTURES[name][0])


@pytest.mark.parametrize("shuffle, order", [(True, "shuffled"), (False, "in order")])
def test_fit_generator_shuffles_a_sequences_batches_only_when_asked(shuffle, order):
    seen = []

    class Batches(keras.utils.Sequence):
        def __len__(self):
            return 8

        def __getitem__(self, index):
            seen.append(index)
            return cases.X[index:index + 1], cases.ONE_HOT[index:index + 1]

    model = cases.compiled_mlp(keras, metrics=())
    model.fit_generator(Batches(), epochs=1, verbose=0, shuffle=shuffle)
    got = "in order" if seen[-8:] == list(range(8)) else "shuffled"
    assert sorted(seen[-8:]) == list(range(8)) and got == order
