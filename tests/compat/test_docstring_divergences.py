"""Keras 3.15 against minikeras on the calls where the examples in Keras's own docstrings
came out different (tools/docstring_examples_sweep.py found them). The calls are in
tests/fixtures/docstring_divergences_cases.py; the expected shapes, dtypes and values were
recorded once with real Keras (tools/make_docstring_divergences_fixture.py)."""
import numpy as np
import pytest

import minikeras as keras
from tests.fixture_cases import load_cases

cases, RECORDED = load_cases("docstring_divergences_cases", "docstring_divergences.json")


def assert_same(got, want, where):
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same(g, w, f"{where}[{i}]")
        return
    assert got["shape"] == want["shape"], where
    assert got["dtype"] == want["dtype"], where
    np.testing.assert_allclose(np.asarray(got["values"], float), np.asarray(want["values"], float),
                               rtol=1e-6, atol=1e-6, err_msg=where)


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_matches_keras(name):
    assert name in RECORDED, f"{name}: run tools/make_docstring_divergences_fixture.py"
    assert_same(cases.describe(keras, cases.CASES[name](keras)), RECORDED[name], name)


def test_every_recorded_call_is_a_case():
    assert sorted(RECORDED) == sorted(cases.CASES)
