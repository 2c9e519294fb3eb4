"""summary() text and dict-output training compared with Keras 3.15's, on the same scripts
(tests/fixtures/training_probe_cases.py; expected output made once with real Keras by
tools/make_training_probe_fixture.py)."""
import importlib.util
import json
import os

import numpy as np
import pytest

import minikeras as keras

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures")
with open(os.path.join(FIXTURES, "keras_training_probe.json"), encoding="utf-8") as f:
    KERAS = json.load(f)
_spec = importlib.util.spec_from_file_location(
    "training_probe_cases", os.path.join(FIXTURES, "training_probe_cases.py"))
cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cases)


@pytest.fixture(autouse=True)
def console_80_columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")  # the width the fixture was made at


@pytest.mark.parametrize("name", sorted(cases.SUMMARY_CASES))
def test_summary_text_matches_keras(name):
    assert cases.SUMMARY_CASES[name](keras) == KERAS["summaries"][name]


def test_print_fn_gets_the_whole_summary_once_ending_in_a_newline():
    calls = KERAS["summaries"]["unbuilt_subclassed"]
    assert len(calls) == 1 and calls[0].endswith("\n")
    assert cases.summary_text(cases._unbuilt_subclassed(keras)) == calls


def test_summary_without_print_fn_prints_the_same_text(capsys):
    cases._chain_with_sequential(keras).summary(expand_nested=True, show_trainable=True)
    assert capsys.readouterr().out == KERAS["summaries"]["expand_nested_chain_trainable"][0]


def test_dict_outputs_are_named_by_their_keys():
    ours, theirs = cases.dict_output_training(keras), KERAS["dict_output_training"]
    assert ours["metrics_names"] == theirs["metrics_names"]
    assert ours["predict_keys"] == theirs["predict_keys"]
    assert ours["predict_shapes"] == theirs["predict_shapes"]
    assert sorted(ours["history"]) == sorted(theirs["history"])
    for key, values in theirs["history"].items():
        np.testing.assert_allclose(ours["history"][key], values, rtol=1e-4)
    np.testing.assert_allclose(ours["evaluate"], theirs["evaluate"], rtol=1e-4)
