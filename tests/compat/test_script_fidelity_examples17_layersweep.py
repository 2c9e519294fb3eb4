"""Built-in layers' options beside Keras 3.15 (round 17's layer sweep): depthwise and
separable convolutions with strides and dilation together, causal padding refused by the
1-D depthwise / separable / transposed convolutions, the transposed convolutions'
output_padding check, BatchNormalization's batch renormalization (``renorm``),
Bidirectional of a backwards-running layer, UpSampling2D's interpolations, and the
errors for GroupNormalization's groups and RepeatVector's n.

The cases are in tests/fixtures/examples17_layersweep_cases.py; what Keras computed is in
tests/fixtures/keras_examples17_layersweep.json, written once with real Keras 3.15 (torch
backend) by tools/make_examples17_layersweep_fixture.py. Gradients come from torch autograd
there and from minikeras.autodiff.grad here.
"""
import pytest

import minikeras as keras
from minikeras.autodiff import grad
from tests.compat.script_compare import assert_same, watch
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples17_layersweep_cases", "keras_examples17_layersweep.json")

# case -> {key: (rtol, atol)}: batch-normalization gradients, sums of terms that cancel to a
# few hundredths (float32 round-off of the terms, ~1e-6, is then a larger share of them)
LOOSE = {"batch_renormalization_layer": {"gradients": (2e-4, 1e-5)}}


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_script_matches_keras(name, tmp_path):
    got = cases.CASES[name](keras, str(tmp_path), grad, watch)
    assert_same(got, KERAS[name], name, loose=LOOSE.get(name))


def test_every_case_was_recorded_by_keras():
    assert sorted(KERAS) == sorted(cases.CASES)
