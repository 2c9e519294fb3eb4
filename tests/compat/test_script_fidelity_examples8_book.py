"""Listings of "Deep Learning with Python" (3rd edition, Keras 3) run beside Keras 3.15
(round 8): chapter 2's tensor operations and from-scratch network on keras.Variable,
chapter 3's SimpleDense layer and linear classifier, chapter 4's IMDB, Reuters and K-fold
housing models, chapter 5's overfitting experiments (noise channels, learning rate,
capacity, weight regularization, dropout), chapter 7's Sequential / functional /
subclassed models, custom metric and callbacks and the metrics used alone, chapter 8's
convnets with checkpoints, chapter 9's residual and separable-convolution blocks, chapter
13's timeseries baselines and chapter 14's TextVectorization bag-of-words and sequence
models.

The listings are in tests/fixtures/examples8_book_cases.py; what Keras gave for each in
tests/fixtures/keras_examples8_book.json, written once with real Keras 3.15 (torch
backend, tensorflow beside it) by tools/make_examples8_book_fixture.py. Every case is
compared whole: printed summaries and fit / evaluate output, the listings' own prints,
History, predictions, configs, files and error texts (numbers to float32 round-off).

Found here and fixed:
- ``ops.matmul`` and ``ops.einsum`` of int8 operands compute and return int32, as Keras
  does (chapter 18's quantized product); minikeras returned int8 (matmul) and wrapped the
  products in int8 (both).
- ``keras.Input(dtype="int8")`` is an int8 input, as in Keras; minikeras read "int8" as a
  quantization policy name and raised.

Not compared (NOT_COMPARED): differences that are deliberate (docs/porting.md says each)
or not fixed.
"""
import json

import pytest

import minikeras as keras
from tests.compat.script_compare import assert_same
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples8_book_cases", "keras_examples8_book.json")

_CALL_FRAME = (
    "deliberate (docs/porting.md): Keras wraps an error raised in call() in 'Exception "
    "encountered when calling X.call()' (here also 'Could not automatically infer the "
    "output shape'); minikeras raises the inner error alone ('str' object is not callable)")
_TORCH_ERROR = (
    "deliberate: Keras on torch raises torch's RuntimeError text; minikeras numpy's "
    "ValueError naming the same shapes")
# (case, key path) -> why minikeras differs there
NOT_COMPARED = {
    ("tensor_operations", "broadcast_max/dtype"): (
        "deliberate (docs/porting.md): Keras 3.15 on torch folds float64 to float32 in "
        "maximum; minikeras keeps float64, as Keras on TensorFlow does"),
    ("tensor_operations", "errors/matmul"): _TORCH_ERROR,
    ("tensor_operations", "errors/reshape"): _TORCH_ERROR,
    ("simple_dense_layer", "config"): (
        "deliberate: both raise NotImplementedError for a layer created with a function "
        "argument; Keras's text is a generic example, minikeras's names the layer and the "
        "get_config() to write"),
    ("simple_dense_layer", "string_activation_call"): _CALL_FRAME,
    ("linear_classifier", "compile_config/optimizer/module"): (
        "deliberate: Keras on torch writes its torch class's module "
        "(keras.src.backend.torch.optimizers.torch_rmsprop); minikeras Keras's public one, "
        "as Keras's other backends do"),
    ("linear_classifier", "compile_config/optimizer/registered_name"): (
        "the registered name that goes with Keras's torch optimizer module"),
    ("overfitting_experiments", "large_lr"): (
        "deliberate (docs/porting.md): a softmax output feeding a crossentropy is trained "
        "from its logits, as Keras does on TensorFlow; Keras on torch clips probabilities "
        "to 1e-7, so after RMSprop(1.0) saturates the softmax its loss stops at 16.1181"),
    ("subclassed_and_mixed_models", "fit"): (
        "deliberate (docs/porting.md): a subclassed model with several outputs logs "
        "output_1_loss, output_1_mean_absolute_error, ...; Keras 3.15 names them after the "
        "loss and the metric alone (mean_squared_error_loss, accuracy) in sorted order"),
    ("subclassed_and_mixed_models", "evaluate"): (
        "the same names, and evaluate's list in that order"),
    ("variables_and_ops", "shape_mismatch"): (
        "deliberate: both raise ValueError naming the two shapes; Keras's text adds "
        "torch.Size and the variable's repr"),
    ("stateless_training_step", "stateless_apply_on_own_values"): (
        "deliberate (docs/porting.md): Keras 3.15 on torch, given a variable's own .value "
        "tensors, updates them in place in stateless_apply; minikeras leaves the variables "
        "as they are (the case's training step passes copies, and matches)"),
    ("int8_quantization_arithmetic", "x_scale"): (
        "deliberate (docs/porting.md): ops.max(x, keepdims=True) with axis=None keeps every "
        "axis at size 1, (1, 1), as Keras does on TensorFlow and JAX; Keras 3.15 on torch "
        "returns a scalar"),
}


def _without(record, key):
    """``record`` (a case's JSON data) without the entry at the path ``key``."""
    *parents, last = key.split("/")
    for part in parents:
        record = record[part]
    record.pop(last)


def _compared(name, record):
    record = json.loads(json.dumps(record))
    for case_name, key in NOT_COMPARED:
        if case_name == name:
            _without(record, key)
    return record


def _at(record, key):
    for part in key.split("/"):
        record = record[part]
    return record


@pytest.fixture(scope="module")
def results():
    """Each case's result, run once with minikeras, with summaries at the 80 columns the
    fixture was made at."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COLUMNS", "80")
        return {name: json.loads(json.dumps(run(keras))) for name, run in cases.CASES.items()}


def test_keras_ran_every_case():
    assert sorted(KERAS) == sorted(cases.CASES)


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_listing_matches_keras(results, name):
    assert_same(_compared(name, results[name]), _compared(name, KERAS[name]), name)


@pytest.mark.parametrize("case_name, key", sorted(NOT_COMPARED))
def test_what_is_not_compared_still_differs(results, case_name, key):
    """Each entry of NOT_COMPARED names a real difference: once minikeras matches Keras
    there, the entry must go."""
    assert _at(results[case_name], key) != _at(KERAS[case_name], key)
