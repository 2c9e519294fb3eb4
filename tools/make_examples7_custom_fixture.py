"""Run once with real Keras 3 (torch backend): what Keras prints, records and writes for the
custom model, loss and metric scripts of round 7 (tests/fixtures/examples7_custom_cases.py).

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_examples7_custom_fixture.py

Writes tests/fixtures/keras_examples7_custom.json, which
tests/compat/test_script_fidelity_examples7_custom.py compares with minikeras (it never
imports Keras). A custom train_step takes its gradients with torch's autograd here (the
guide's torch way), with minikeras.autodiff.grad in the test. With a path argument the
record goes there instead (to compare a run by hand).
"""
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, FIXTURES)

import keras  # noqa: E402
import torch  # noqa: E402
import examples7_custom_cases as cases  # noqa: E402


def torch_grad(loss, variables):
    """The gradients of ``loss`` for ``variables`` (None where it does not reach one)."""
    return list(torch.autograd.grad(loss, [v.value for v in variables], allow_unused=True))


def recorded(names=None):
    out = {}
    for name, fn in cases.CASES.items():
        if names and name not in names:
            continue
        with tempfile.TemporaryDirectory() as folder:
            out[name] = fn(keras, folder, torch_grad)
    return out


if __name__ == "__main__":
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        FIXTURES, "keras_examples7_custom.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(recorded(sys.argv[2:]), f, sort_keys=True, indent=0)
    print("wrote", path)
