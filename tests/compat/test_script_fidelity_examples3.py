"""Differences found by running more keras-io examples and Keras developer guides beside
Keras 3.15 (round 3: functional API, callbacks, imbalanced classification, ...).

The pieces are in tests/fixtures/examples3_fidelity_cases.py; the expected values in
tests/fixtures/keras_examples3_fidelity.json, written once with real Keras 3.15 (torch
backend) by tools/make_examples3_fidelity_fixture.py.
"""
import numpy as np
import pytest

import minikeras as keras
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples3_fidelity_cases", "keras_examples3_fidelity.json")
LOSS_ORDERS = {"outputs_pd_losses_pd": (["priority", "department"], ["priority", "department"]),
               "outputs_dp_losses_pd": (["department", "priority"], ["priority", "department"]),
               "outputs_pd_losses_dp": (["priority", "department"], ["department", "priority"])}


@pytest.mark.parametrize("key", sorted(LOSS_ORDERS))
def test_per_output_losses_follow_the_order_of_the_loss_dict(key):
    """The functional API guide compiles its ticket model with a dict of losses: Keras 3.15
    lists the per-output losses (metrics_names, evaluate's list) in the dict's key order;
    minikeras listed them in output-name order (department before priority)."""
    got = cases.ticket_model_losses(keras, *LOSS_ORDERS[key])
    expected = KERAS["ticket_losses"][key]
    assert got["metrics_names"] == expected["metrics_names"]
    assert got["history"] == expected["history"]
    np.testing.assert_allclose(got["evaluate"], expected["evaluate"], rtol=1e-6)


def test_random_uniform_and_randint_check_their_dtype_as_keras_does():
    """Introduction to Keras for researchers: ``keras.random.uniform(..., dtype="int32")``
    raises in Keras 3.15 (uniform takes float dtypes only, randint integer ones);
    minikeras returned integers."""
    assert cases.random_dtype_outcomes(keras) == KERAS["random_dtypes"]
