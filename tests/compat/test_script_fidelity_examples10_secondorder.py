"""keras-io's WGAN-GP with its gradient penalty, run beside Keras 3.15 (round 10): the
example's model class trained with the penalty weighted 10 (the critic's gradient for
interpolated images, taken with ``grad(..., create_graph=True)``, its norm's distance from 1
differentiated for the critic's weights), and the penalty's own gradients through two
critics (for the weights and for the fake images).

The scripts are in tests/fixtures/examples10_secondorder_cases.py (round 9's model class
and networks, imported); what Keras computed is in
tests/fixtures/keras_examples10_secondorder.json, written once with real Keras 3.15 (torch
backend, torch autograd with create_graph=True) by tools/make_examples10_secondorder_fixture.py.

Found here and fixed: the gradient of a gradient was not available (``grad`` returned
numpy arrays that record nothing); now ``grad(..., create_graph=True)`` returns Tensors
that record, through every primitive with a ``vjp`` (docs/porting.md lists them).
"""
import pytest

import minikeras as keras
from minikeras.autodiff import grad
from tests.compat.script_compare import assert_same, watch
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples10_secondorder_cases", "keras_examples10_secondorder.json")


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_script_matches_keras(name, tmp_path):
    assert_same(cases.CASES[name](keras, str(tmp_path), grad, watch), KERAS[name], name)


def test_every_case_was_recorded_by_keras():
    assert sorted(KERAS) == sorted(cases.CASES)
