"""Run once with real Keras 3 (torch backend): what Keras prints, records and computes for
the keras-io vision examples of round 12 (tests/fixtures/examples12_vision_cases.py).

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_examples12_vision_fixture.py

Writes tests/fixtures/keras_examples12_vision.json, which
tests/compat/test_script_fidelity_examples12_vision.py compares with minikeras (it never
imports Keras). Gradients come from torch's autograd here, from minikeras.autodiff.grad in
the test. With a path argument the record goes there instead (to compare a run by hand),
and further arguments name the cases to run.
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
import examples12_vision_cases as cases  # noqa: E402


def torch_grad(target, sources, retain_graph=False):
    """The gradients of ``target`` (summed, as tf.GradientTape sums a tensor target) for
    ``sources`` (Keras variables). With ``retain_graph`` the forward pass stays for a
    second gradient (two tapes over one pass)."""
    tensors = [getattr(s, "value", s) for s in sources]
    return list(torch.autograd.grad(target.sum(), tensors, allow_unused=True,
                                    retain_graph=retain_graph))


def torch_watch(array):
    """``array`` as a leaf tensor autograd tracks (tf.GradientTape.watch's role)."""
    return torch.tensor(array, requires_grad=True)


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
        FIXTURES, "keras_examples12_vision.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(recorded(sys.argv[2:]), f, sort_keys=True, indent=0)
    print("wrote", path)
