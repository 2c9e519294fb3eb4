"""Run once with real Keras 3 (torch backend): what Keras prints, records and computes for
the keras-io NLP and multimodal examples of round 12 (tests/fixtures/examples12_nlp_cases.py).

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_examples12_nlp_fixture.py

Writes tests/fixtures/keras_examples12_nlp.json, which
tests/compat/test_script_fidelity_examples12_nlp.py compares with minikeras (it never imports
Keras). Gradients come from torch's autograd here (the round-9 tool's ``torch_grad``), from
minikeras.autodiff.grad in the test. With a path argument the record goes there instead (to
compare a run by hand), and further arguments name the cases to run.
"""
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, FIXTURES)
sys.path.insert(0, HERE)

import keras  # noqa: E402
import examples12_nlp_cases as cases  # noqa: E402
from make_examples9_generative_fixture import torch_grad, torch_watch  # noqa: E402


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
        FIXTURES, "keras_examples12_nlp.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(recorded(sys.argv[2:]), f, sort_keys=True, indent=0)
    print("wrote", path)
