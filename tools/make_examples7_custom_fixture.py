"""Run once with real Keras 3 (torch backend): what Keras prints, records and writes for the
custom model, loss and metric scripts of round 7 (tests/fixtures/examples7_custom_cases.py).

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_examples7_custom_fixture.py

Writes tests/fixtures/keras_examples7_custom.json, which
tests/compat/test_script_fidelity_examples7_custom.py compares with minikeras (it never
imports Keras). A custom train_step takes its gradients with torch's autograd here (the
guide's torch way), with minikeras.autodiff.grad in the test. With a path argument the
record goes there instead (to compare a run by hand).
"""
from case_recording import recorded, torch_grad, write

import keras  # noqa: E402
import examples7_custom_cases as cases  # noqa: E402

if __name__ == "__main__":
    write("keras_examples7_custom.json", lambda names: recorded(cases, keras, torch_grad, names=names))
