"""Training numbers against Keras 3.15: every case of tests/fixtures/training_numbers_cases.py
is run with minikeras and compared (History per epoch, evaluate, final weights, optimizer
variables) with what Keras computed on the same script (tests/fixtures/
keras_training_numbers.npz, made once by tools/make_training_numbers_fixture.py). The cases:
every optimizer with every base option, in fit and through ``optimizer.apply`` with zero,
large and sparse gradients; learning-rate schedules and callbacks; losses and metrics under
sample and class weights; multi-output, regularized, normalized, masked recurrent and
convolutional models; the batch-level entry points."""
import os

import numpy as np
import pytest

import minikeras as keras
from tests.fixture_cases import FIXTURES, load_flat_numbers, load_module

cases = load_module("training_numbers_cases")
_FILE = np.load(os.path.join(FIXTURES, "keras_training_numbers.npz"))
RTOL, ATOL = 1e-5, 1e-6     # float32 round-off over a dozen steps (the worst case uses 0.4 of it)


KERAS, KERAS_ERRORS = load_flat_numbers("keras_training_numbers.npz")

# Deliberate differences (docs/porting.md, "Where minikeras differs on purpose"): keys, by
# prefix, left out. Keras 3.15 on torch reads some tensors after updating them in place; and
# minikeras skips an optimizer step whose gradients are not finite, where Keras applies it.
NOT_COMPARED = {
    "optimizer/ScheduleFreeAdamW": None,   # the whole case: x is recovered from the new z
    "apply/ScheduleFreeAdamW": None,
    "loss/binary_threshold_metrics": ("history/true_positives", "history/false_negatives"),
    "loss/weighted_binary_metrics": ("history/true_positives",),
    "loss/more_confusion_metrics": ("history/true_negatives", "history/false_positives"),
    "model/terminate_on_nan": ("evaluate", "weight/", "optimizer/"),  # history: 1 epoch, inf
}
# Names Keras 3.15's lookup table forgets resolve here: same numbers as the class's defaults.
SAME_AS = {"optimizer_string/lamb": "optimizer/Lamb_default"}


def assert_same_numbers(got, expected):
    assert sorted(got) == sorted(expected), "the result keys differ from Keras's"
    have = {key: np.asarray(got[key], "float64") for key in expected}
    if all(have[key].shape == want.shape for key, want in expected.items()) and np.isclose(
            np.concatenate([have[key].ravel() for key in expected] + [np.zeros(0)]),
            np.concatenate([want.ravel() for want in expected.values()] + [np.zeros(0)]),
            rtol=RTOL, atol=ATOL, equal_nan=True).all():
        return  # what the loop below passes, in one check (a case has up to ~40 keys)
    for key, want in expected.items():
        assert have[key].shape == want.shape, f"{key}: shape {have[key].shape}, Keras {want.shape}"
        np.testing.assert_allclose(have[key], want, rtol=RTOL, atol=ATOL, err_msg=key)


def test_the_fixture_covers_every_case_and_keras_refused_only_the_forgotten_name():
    assert set(KERAS) | set(KERAS_ERRORS) == set(cases.all_cases())
    assert KERAS_ERRORS == {"optimizer_string/lamb":
                            "ValueError: Could not interpret optimizer identifier: lamb"}


@pytest.mark.parametrize("name", sorted(set(KERAS) - set(NOT_COMPARED)))
def test_training_numbers_match_keras(name):
    assert_same_numbers(cases.all_cases()[name](keras), KERAS[name])


@pytest.mark.parametrize("name", sorted(k for k, v in NOT_COMPARED.items() if v))
def test_training_numbers_match_keras_but_for_deliberate_differences(name):
    left_out = NOT_COMPARED[name]
    got = cases.all_cases()[name](keras)
    assert any(k.startswith(left_out) for k in got)
    assert_same_numbers({k: v for k, v in got.items() if not k.startswith(left_out)},
                        {k: v for k, v in KERAS[name].items() if not k.startswith(left_out)})


@pytest.mark.parametrize("name", sorted(SAME_AS))
def test_a_name_keras_forgets_trains_like_its_class(name):
    assert_same_numbers(cases.all_cases()[name](keras), KERAS[SAME_AS[name]])


def test_pearson_correlation_has_no_epsilon_as_in_keras():
    """A tiny spread is divided as is (an epsilon would move it by 2e-3); no spread is NaN."""
    got = keras.metrics.pearson_correlation(_FILE["pearson/y_true"], _FILE["pearson/y_pred"])
    want = _FILE["pearson/per_sample"]
    assert np.isnan(want[2]) and np.isnan(np.asarray(got)[2])
    np.testing.assert_allclose(np.asarray(got)[:2], want[:2], rtol=1e-6)
