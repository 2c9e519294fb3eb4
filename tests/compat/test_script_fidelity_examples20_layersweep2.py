"""The layer families round 17 left out, beside Keras 3.15 on jax and torch (round 20's
option sweep): Dense, EinsumDense, Embedding, the merging layers, the activation layers, the
regularization layers, the attention layers, TimeDistributed and Bidirectional, Identity,
Lambda, Masking, RepeatVector, Flatten and ReversibleEmbedding, each over a table of options
(symbolic and eager outputs on seeded weights, computed shapes, weights, configs and their
round trip, masks, errors).

The cases are in tests/fixtures/examples20_layersweep2_cases.py; what Keras computed is in
tests/fixtures/keras_examples20_layersweep2.json, written once by
tools/make_examples20_layersweep2_fixture.py on Keras's jax and torch backends. minikeras
must give their record where the two backends agree; where they differ, ``BACKEND_SPECIFIC``
names the side minikeras takes, and why; ``OPEN`` what is left (a strict xfail).
"""
import pytest

import minikeras as keras
from tests.compat.record_agreement import (
    agreed, as_expected, has_conflict, types_only, unframed, without_hint)
from tests.compat.script_compare import assert_same, mask_of, open_marked, with_mask
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples20_layersweep2_cases", "keras_examples20_layersweep2.json")

# case -> (the backend whose record minikeras follows, why the other differs); an error there
# is compared by its type (each backend words its own)
_EINSUM_SIZES = ("an einsum over mismatched sizes: jax's ValueError, torch's RuntimeError "
                 "(minikeras: numpy's ValueError)")
BACKEND_SPECIFIC = {
    "dense/options/dtype_float64": ("torch", "a float64 Dense: jax (without x64) computes "
                                             "in float32"),
    "mha/attention_axes_2": ("jax", _EINSUM_SIZES),
    "mha/error/query_dim_changes": ("jax", _EINSUM_SIZES),
    "mha/value_dim": ("torch", "value_dim != key_dim: jax's fused dot_product_attention "
                               "fails to reshape (a TypeError); torch computes it"),
}

# case -> what Keras raises by accident (not a ValueError) where minikeras raises a
# ValueError naming what was expected and given (docs/porting.md, "Common mistakes")
ACCIDENTAL = {
    "activation_layer/PReLU/bad_shared_axis": "IndexError for an axis beyond the rank",
    "concatenate/axis_out_of_range": "IndexError for an axis beyond the rank",
    "bidirectional/error/not_rnn": "TypeError about deserializing a Dense",
    "regularization/GaussianDropout/1": "ZeroDivisionError at the first training call",
    "regularization/AlphaDropout/1": "ZeroDivisionError at the first training call",
}

# case -> what minikeras takes that Keras 3.15 refuses, on purpose
TAKEN = {
    "dense/options/reg_l1_l2_name": 'the string "l1_l2" (Keras 2\'s name; minikeras/'
                                    "regularizers.py)",
}

# case -> why Keras's symbolic output shape differs from the one its call gives (both
# backends), where minikeras's symbolic output is the call's: compared without "symbolic"
_GLU = "glu halves the last axis; Keras's symbolic Dense / Activation keep its size"
_SCORES = ("Keras's symbolic attention scores take the query's length for the key's and "
           "ignore attention_axes")
KERAS_SYMBOLIC_SLIP = {
    "dense/activation/glu": _GLU,
    "activation_layer/Activation/glu": _GLU,
    "mha/scores": _SCORES,
    "mha/causal_cross": _SCORES,
    "mha/attention_mask": _SCORES,
    "mha/attention_axes_1": _SCORES,
    "mha/attention_axes_12": _SCORES,
}

# case -> why minikeras still differs where both backends agree (left open)
_SPARSEMAX = ("Keras 3.15's sparsemax takes its threshold from the sum of the sorted "
              "cumulative sums over the support (its outputs need not sum to 1); minikeras's "
              "is the sparsemax of Martins & Astudillo (minikeras/activations.py)")
OPEN = {
    "dense/activation/sparsemax": _SPARSEMAX,
    "activation_layer/Activation/sparsemax": _SPARSEMAX,
}

def expected_record(name):
    if name in BACKEND_SPECIFIC:
        return types_only(unframed(KERAS[BACKEND_SPECIFIC[name][0]][name]))
    return agreed(unframed(KERAS["jax"][name]), unframed(KERAS["torch"][name]))


COMPARED = sorted(set(cases.CASES) - set(ACCIDENTAL) - set(TAKEN))


@pytest.mark.parametrize("name", open_marked(COMPARED, OPEN))
def test_layer_options_follow_keras(name):
    got = cases.CASES[name](keras, with_mask, mask_of)
    expected = expected_record(name)
    if name in KERAS_SYMBOLIC_SLIP:
        got, expected = (dict(record, symbolic=None) for record in (got, expected))
    assert not has_conflict(expected), f"{name}: the backends differ; name a side"
    assert_same(without_hint(as_expected(got, expected), expected), expected, name)


def test_every_case_was_recorded_on_both_backends():
    assert sorted(KERAS["jax"]) == sorted(KERAS["torch"]) == sorted(cases.CASES)


def test_backend_specific_cases_differ_between_the_backends():
    for name in BACKEND_SPECIFIC:
        assert has_conflict(agreed(KERAS["jax"][name], KERAS["torch"][name])), name


@pytest.mark.parametrize("name", sorted(ACCIDENTAL))
def test_minikeras_names_the_mistake_where_keras_fails_by_accident(name):
    for backend in ("jax", "torch"):
        assert not KERAS[backend][name]["error"].startswith("ValueError"), backend
    assert cases.CASES[name](keras, with_mask, mask_of)["error"].startswith("ValueError: ")


@pytest.mark.parametrize("name", sorted(TAKEN))
def test_minikeras_takes_what_keras_refuses(name):
    assert KERAS["jax"][name]["error"].startswith("ValueError")
    assert KERAS["torch"][name]["error"].startswith("ValueError")
    assert "error" not in cases.CASES[name](keras, with_mask, mask_of)


@pytest.mark.parametrize("name", sorted(KERAS_SYMBOLIC_SLIP))
def test_keras_symbolic_shape_differs_from_its_call(name):
    """The cases compared without their symbolic shape: Keras's own call gives another one,
    which minikeras's symbolic output has (batch size left unknown)."""
    record = KERAS["torch"][name]
    called = [record["result"]["shape"]] if isinstance(record["result"], dict) else \
        [r["shape"] for r in record["result"]]
    symbolic = [record["symbolic"][0]] if isinstance(record["result"], dict) else \
        [s[0] for s in record["symbolic"]]
    assert [s[1:] for s in symbolic] != [c[1:] for c in called]
    got = cases.CASES[name](keras, with_mask, mask_of)
    mine = [got["symbolic"][0]] if isinstance(got["result"], dict) else \
        [s[0] for s in got["symbolic"]]
    assert [s[1:] for s in mine] == [c[1:] for c in called]
