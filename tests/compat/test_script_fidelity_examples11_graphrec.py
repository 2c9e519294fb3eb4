"""keras-io's graph examples and the keras_rs recommender examples written with plain Keras
layers, run beside Keras 3.15 (round 11): the graph attention network, the citation GNN's
graph convolutions and baseline, the message-passing network on molecules, node2vec's
skip-gram, ranking and retrieval two-tower models, a hand-written cross layer, DLRM's dot
interaction, listwise losses, a two-headed model with loss weights and SASRec.

The scripts are in tests/fixtures/examples11_graphrec_cases.py; what Keras printed, recorded
and computed is in tests/fixtures/keras_examples11_graphrec.json, written once with real
Keras 3.15 (torch backend) by tools/make_examples11_graphrec_fixture.py.
"""
import functools

import pytest

import minikeras as keras
from tests.compat.script_compare import assert_same, without
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples11_graphrec_cases", "keras_examples11_graphrec.json")

# (case, key) -> why minikeras differs there (docs/porting.md says the same)
NOT_COMPARED = {
    ("gnn_node_classifier", "list_call"):
        "a Python list of node ids as a model's positional input: Keras refuses it (\"Only "
        "input tensors may be passed as positional arguments\"); minikeras takes it as an "
        "array (a check in Layer.__call__ would cost every call)",
}


without_not_compared = functools.partial(without, NOT_COMPARED)


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_script_matches_keras(name):
    got = cases.CASES[name](keras)
    assert_same(without_not_compared(name, got), without_not_compared(name, KERAS[name]), name)


def test_every_case_was_recorded_by_keras():
    assert sorted(KERAS) == sorted(cases.CASES)


def test_not_compared_entries_exist_in_the_record():
    """Each exclusion names something Keras recorded (a renamed key cannot hide a case)."""
    for name, key in NOT_COMPARED:
        assert key in KERAS[name], (name, key)
