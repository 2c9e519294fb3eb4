"""Keras 3.15 (torch backend) against minikeras on the Model API around compile / fit /
evaluate, clone_model's input names and the metrics' dtypes (the cases of
tests/fixtures/examples8_pending_cases.py; Keras's results were recorded once by
tools/make_examples8_pending_fixture.py into tests/fixtures/keras_examples8_pending.json).

- ``model.metrics`` / ``metrics_names``: after compile, the loss tracker and the
  "compile_metrics" entry (class CompileMetrics); the per-output loss trackers
  ('cls_loss', 'reg_loss') join once a fit or evaluate ran the compiled loss.
- ``get_metrics_result`` (Keras's ValueError until a batch built the compiled metrics),
  the logs of fit, evaluate and the batch methods, ``get_compile_config``, for one and two
  outputs (lists and dicts, weighted metrics), a subclassed model, a reloaded model.
- clone_model: a new Input is named after the KerasTensor it replaces.
- a metric made with dtype float64 keeps float64 variables and gives a float32 result
  (Sum excepted); the confusion-matrix metrics keep float32 variables.
"""
import json

import numpy as np
import pytest

import minikeras as keras
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples8_pending_cases", "keras_examples8_pending.json")
RTOL, ATOL = 2e-5, 1e-6


def assert_same(got, expected, path=""):
    if isinstance(expected, dict):
        assert isinstance(got, dict) and sorted(got) == sorted(expected), \
            f"{path}: keys {sorted(got) if isinstance(got, dict) else got} != {sorted(expected)}"
        for key in expected:
            assert_same(got[key], expected[key], f"{path}/{key}")
    elif isinstance(expected, list):
        assert isinstance(got, list) and len(got) == len(expected), f"{path}: {got} != {expected}"
        for i, (mine, theirs) in enumerate(zip(got, expected)):
            assert_same(mine, theirs, f"{path}[{i}]")
    elif isinstance(expected, float) and isinstance(got, (int, float)):
        np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL, err_msg=path)
    else:
        assert got == expected, f"{path}: {got!r} != {expected!r}"


def test_keras_ran_every_case():
    assert sorted(KERAS) == sorted(cases.CASES)


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_script_matches_keras(name):
    assert_same(json.loads(json.dumps(cases.CASES[name](keras))), KERAS[name], name)
