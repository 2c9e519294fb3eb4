"""Run once with real Keras 3 (torch backend): what Keras prints, records and computes for
the keras.io developer guides of round 14 (tests/fixtures/examples14_guides_cases.py).

    KERAS_BACKEND=torch /work/scratch-tf/bin/python tools/make_examples14_guides_fixture.py

(the environment with TensorFlow: Keras's Discretization.adapt needs it; the other cases
record the same under /work/scratch-keras/bin/python).

Writes tests/fixtures/keras_examples14_guides.json, which
tests/compat/test_script_fidelity_examples14_guides.py compares with minikeras (it never
imports Keras). Gradients come from torch's autograd here, from minikeras.autodiff.grad in
the test. With a path argument the record goes there instead (to compare a run by hand),
and further arguments name the cases to run.
"""
from case_recording import recorded, torch_grad, torch_watch, write

import keras  # noqa: E402
import examples14_guides_cases as cases  # noqa: E402

if __name__ == "__main__":
    write("keras_examples14_guides.json",
          lambda names: recorded(cases, keras, torch_grad, torch_watch, names=names))
