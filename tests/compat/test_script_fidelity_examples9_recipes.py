"""Keras recipes and developer-guide scripts run beside Keras 3.15 (round 9): the trainer
pattern, the endpoint layer pattern, debugging tips (the Antirectifier, a custom layer
without get_config saved), memory-efficient embeddings (quotient-remainder and
mixed-dimension), estimating the required sample size, a scikit-learn metric in a callback,
packaging a model by functional subclassing, a mixture density network, the Functional API
guide (nested models, an ensemble, a feature extractor, a shared Embedding), the
serialization guide's registration and custom_objects paths, transfer learning with
BatchNormalization, the FAQ's training / trainable answers, "Introduction to Keras for
engineers", "Getting started with Keras 3" (a subclassed model), class and sample weights,
``keras.utils.split_dataset``, "Writing your own callbacks" leftovers, float8 training,
reproducibility with seeds, and the masking guide's TemporalSoftmax.

The scripts are in tests/fixtures/examples9_recipes_cases.py; what Keras printed, recorded
and wrote is in tests/fixtures/keras_examples9_recipes.json, written once with real Keras
3.15 (torch backend) by tools/make_examples9_recipes_fixture.py. Printed text must be equal
(times normalized), numbers equal to float32 round-off.

Found here and fixed:
- A functional model's summary shows a shared layer's output shape from its last call, as
  Keras does (minikeras showed its first call's).
- A subclassed model or layer marked built by ``build(shape)`` before its sublayers exist
  warns as Keras does, and a later call builds the sublayers under the model's name scope
  (weight paths ``my_model/my_dense/w``; minikeras gave ``my_dense/w``): every call runs in
  the layer's name scope, as every Keras call does.
- ``split_dataset`` checks its sizes in Keras's order with Keras's messages: both sizes zero,
  ``right_size``'s own range wording, both sizes of a wrong type named at once.
- Sublayers appended to lists after the lists were assigned (the mixed-dimension
  embedding's encoders and projectors, made in one loop) come in the order they were
  appended, as Keras tracks them: ``weights`` and ``get_weights`` interleave the two lists
  (minikeras listed the first list's layers, then the second's).
- One tensor given to a functional model built on a list of inputs warns as Keras does
  ("The structure of `inputs` doesn't match the expected structure.").

Not compared (NOT_COMPARED, DELIBERATE_CASES): differences that are deliberate
(docs/porting.md, docs/quantization.md).
"""
import functools

import pytest

import minikeras as keras
from tests.compat.script_compare import assert_same, without
from tests.fixture_cases import load_cases
from tests.optional_extras import require_module

cases, KERAS = load_cases("examples9_recipes_cases", "keras_examples9_recipes.json")

# (case, key) -> why minikeras differs there (docs/porting.md says the same)
NOT_COMPARED = {
    ("functional_api_graph", "extractor_from_nested"):
        "outputs not reachable from the given inputs: minikeras names the input they need "
        "(\"Graph disconnected: ...\"); Keras says \"Output with path `1` is not connected "
        "to `inputs`\"",
}
# cases minikeras does not run as Keras does, on purpose; a test of their own checks what
# minikeras does instead (docs/porting.md)
DELIBERATE_CASES = {
    "float8_training": "minikeras has no float8 quantization mode (docs/quantization.md): "
                       "quantize('float8') raises NotImplementedError naming the modes it "
                       "has",
}
# cases that need an optional extra: case -> (module, extra)
NEEDS = {"sklearn_metric_callback": ("sklearn", "sklearn")}


without_not_compared = functools.partial(without, NOT_COMPARED)


@pytest.mark.parametrize("name", sorted(set(cases.CASES) - set(DELIBERATE_CASES)))
def test_script_matches_keras(name, tmp_path):
    if name in NEEDS:
        require_module(*NEEDS[name])
    got = cases.CASES[name](keras, str(tmp_path))
    assert_same(without_not_compared(name, got), without_not_compared(name, KERAS[name]), name)


def test_every_case_was_recorded_by_keras():
    assert sorted(KERAS) == sorted(cases.CASES)


def test_not_compared_entries_exist_in_the_record():
    """Each exclusion names something Keras recorded (a renamed key cannot hide a case)."""
    for name, key in NOT_COMPARED:
        assert key in KERAS[name], (name, key)


def test_float8_quantization_is_refused_with_the_modes_minikeras_has(tmp_path):
    """Keras trains the float8-quantized model (its record holds the history); minikeras
    stops at quantize with a NotImplementedError that names the mode and the modes it has."""
    assert KERAS["float8_training"]["quantize_error"] == "no error"
    assert "history" in KERAS["float8_training"]
    got = cases.CASES["float8_training"](keras, str(tmp_path))
    assert got == {"quantize_error": "NotImplementedError: Quantization mode 'float8' is not "
                                     "supported by minikeras yet. Supported modes: ('int8', "
                                     "'int4')."}
