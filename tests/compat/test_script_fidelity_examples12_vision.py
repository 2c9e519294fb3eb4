"""keras-io's vision examples run beside Keras 3.15 (round 12): EANet, conv_lstm
(ConvLSTM2D next-frame prediction), CaiT, attention_mil_classification, MIRNet, AdaIN,
AOD-Net, ShiftViT (the shift operation and WarmUpCosine) and Perceiver.

The scripts are in tests/fixtures/examples12_vision_cases.py; what Keras printed, recorded
and computed is in tests/fixtures/keras_examples12_vision.json, written once with real Keras
3.15 (torch backend) by tools/make_examples12_vision_fixture.py. Gradients come from torch
autograd there and from minikeras.autodiff.grad here.

Found here and fixed:

Not compared (NOT_COMPARED): differences that are deliberate or not fixed.
"""
import json

import numpy as np

import pytest

import minikeras as keras
from minikeras.autodiff import Tensor, grad
from tests.compat.script_compare import assert_same
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples12_vision_cases", "keras_examples12_vision.json")

# (case, key) -> why minikeras differs there (docs/porting.md says the same)
NOT_COMPARED = {}


def watch(array):
    """``array`` as a tensor whose gradient ``grad`` can be asked for."""
    return Tensor(np.asarray(array, dtype="float32"), requires_grad=True)


def without_not_compared(name, record):
    record = json.loads(json.dumps(record))
    for case_name, key in NOT_COMPARED:
        if case_name == name:
            record.pop(key, None)
    return record


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_script_matches_keras(name, tmp_path):
    got = cases.CASES[name](keras, str(tmp_path), grad, watch)
    assert_same(without_not_compared(name, got), without_not_compared(name, KERAS[name]), name)


def test_every_case_was_recorded_by_keras():
    assert sorted(KERAS) == sorted(cases.CASES)


def test_not_compared_entries_exist_in_the_record():
    """Each exclusion names something Keras recorded (a renamed key cannot hide a case)."""
    for name, key in NOT_COMPARED:
        assert key in KERAS[name], (name, key)
