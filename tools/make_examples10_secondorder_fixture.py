"""Run once with real Keras 3 (torch backend): what Keras prints, records and computes for
the WGAN-GP with its gradient penalty (round 10, tests/fixtures/examples10_secondorder_cases.py).

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_examples10_secondorder_fixture.py

Writes tests/fixtures/keras_examples10_secondorder.json, which
tests/compat/test_script_fidelity_examples10_secondorder.py compares with minikeras (it never
imports Keras). Gradients come from torch's autograd (round 9's ``torch_grad``: the penalty's
gradient with ``create_graph=True``, the example's tape inside a tape). With a path argument
the record goes there instead, and further arguments name the cases to run.
"""
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, FIXTURES)

import keras  # noqa: E402
from make_examples9_generative_fixture import torch_grad, torch_watch  # noqa: E402
import examples10_secondorder_cases as cases  # noqa: E402


def recorded(names=None):
    out = {}
    for name, fn in cases.CASES.items():
        if names and name not in names:
            continue
        with tempfile.TemporaryDirectory() as folder:
            out[name] = fn(keras, folder, torch_grad, torch_watch)
    return out


if __name__ == "__main__":
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        FIXTURES, "keras_examples10_secondorder.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(recorded(sys.argv[2:]), f, sort_keys=True, indent=0)
    print("wrote", path)
