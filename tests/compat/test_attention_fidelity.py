"""Attention against Keras 3.15 at the level of whole scripts: every case of
tests/fixtures/attention_fidelity_cases.py (keras-io's text-classification transformer, its
ViT encoder block and timeseries transformer, padding / explicit / causal masks with fully
masked query rows, MultiHeadAttention with and without dropout in inference,
GroupQueryAttention, ``ops.dot_product_attention`` with mask, is_causal, scale, bias and
grouped heads) is run with minikeras and compared with what Keras computed on the same
script (tests/fixtures/keras_attention_fidelity.npz, made once by
tools/make_attention_fidelity_fixture.py): predictions, History per epoch and the weights
after ``fit`` (large weights through seeded projections, see ``sketch``).

Tolerance: float32 round-off relative to each array's magnitude — rtol 1e-5 and an atol of
1e-5 times the array's largest magnitude (a few float32 ulps of a sum of dozens of terms);
for the cases in CASE_WIDE_SCALE, 1e-5 times the largest magnitude of the whole case.

Found here and fixed: ``ops.dot_product_attention(is_causal=True)`` with fewer queries than
keys aligns the causal mask top-left, ``tril(ones((T, S)))``, as Keras does on every backend.

A deliberate difference (docs/porting.md; strict xfails below): the backward through a query
row masked everywhere on Keras's fused path (torch SDPA with an additive -0.7*float32-max
mask). The forward weighs every key 1/S, but torch's backward re-derives the weights from a
log-sum-exp that rounds log(S) away, so it uses weight 1 for every key (dv_j += g, dz_j =
g·v_j - g·out); minikeras gives the exact gradient of those constant rows."""
import os
import warnings

import numpy as np
import pytest

import minikeras as keras
from tests.fixture_cases import FIXTURES, load_flat_numbers, load_module

cases = load_module("attention_fidelity_cases")
_FILE = np.load(os.path.join(FIXTURES, "keras_attention_fidelity.npz"))
RTOL = 1e-5


KERAS, KERAS_ERRORS = load_flat_numbers("keras_attention_fidelity.npz")

# keras-io's timeseries transformer normalizes a single feature: LayerNormalization's output
# is then its beta, and torch's backward turns round-off into tiny (1e-6) updates of every
# weight before it (amplified by 1/sqrt(epsilon) = 1000) where the exact gradient, which
# minikeras computes, is zero. Those updates are round-off of the case's largest weights.
CASE_WIDE_SCALE = {"timeseries/fit"}
_UNIFORM_ROW_BACKWARD = ("deliberate (docs/porting.md): Keras's torch kernel back-propagates a "
                         "fully masked row with weight 1 per key; minikeras gives the exact "
                         "gradient of that constant row")
DIVERGES = {"mask/explicit_fit": _UNIFORM_ROW_BACKWARD,
            "mask/fully_masked_row_fit": _UNIFORM_ROW_BACKWARD}


def assert_same_numbers(got, expected, case_wide=False):
    assert sorted(got) == sorted(expected), "the result keys differ from Keras's"
    case_scale = max(float(np.max(np.abs(w), initial=0.0)) for w in expected.values())
    for key, want in expected.items():
        have = np.asarray(got[key], "float64")
        assert have.shape == want.shape, f"{key}: shape {have.shape}, Keras {want.shape}"
        scale = case_scale if case_wide else float(np.max(np.abs(want), initial=0.0))
        np.testing.assert_allclose(have, want, rtol=RTOL, atol=RTOL * scale, err_msg=key)


def test_the_fixture_is_keras_3_15_and_covers_every_case():
    assert str(_FILE["keras_version"]).startswith("3.15")
    assert set(KERAS) == set(cases.all_cases()) and not KERAS_ERRORS


@pytest.mark.filterwarnings("ignore:Layer .* was passed an input with a mask")  # as Keras
@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=DIVERGES[name]))
    if name in DIVERGES else name for name in sorted(KERAS)])
def test_attention_numbers_match_keras(name):
    assert_same_numbers(cases.all_cases()[name](keras), KERAS[name],
                        case_wide=name in CASE_WIDE_SCALE)


def test_causal_dot_product_attention_with_fewer_queries_than_keys_is_aligned_top_left():
    # Keras (torch, jax and numpy backends): mask = tril(ones((T, S))), so with T=1, S=2
    # the one query sees key 0 only and the output is value 0, whatever the scores.
    q = np.ones((1, 1, 1, 2), "float32")
    k = np.array([[[[0.0, 0.0]], [[5.0, 5.0]]]], "float32")
    v = np.array([[[[1.0, 2.0]], [[30.0, 40.0]]]], "float32")
    out = keras.ops.convert_to_numpy(keras.ops.dot_product_attention(q, k, v, is_causal=True))
    np.testing.assert_array_equal(out, [[[[1.0, 2.0]]]])


def test_group_query_attention_warns_of_the_mask_its_projections_drop_as_keras_does():
    # Keras 3.15 warns once per projection (query, key, value) when a masked input reaches
    # GroupedQueryAttention; MultiHeadAttention takes the same inputs silently.
    with pytest.warns(UserWarning) as caught:
        cases.gqa_model(keras)
    dropped = [str(w.message) for w in caught if "was passed an input with a mask" in
               str(w.message)]
    assert [m.split("'")[1] for m in dropped] == ["query", "key", "value"]
    assert all("(of type EinsumDense)" in m for m in dropped)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cases.masked_self_attention(keras)
