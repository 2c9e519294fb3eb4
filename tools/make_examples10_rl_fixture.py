"""Run once with real Keras 3 (torch backend): what Keras prints, records and computes for
keras-io's reinforcement-learning examples and hand-written training loops
(tests/fixtures/examples10_rl_cases.py).

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_examples10_rl_fixture.py

Writes tests/fixtures/keras_examples10_rl.json, which
tests/compat/test_script_fidelity_examples10_rl.py compares with minikeras (it never imports
Keras). Gradients come from torch's autograd here (the examples' tf.GradientTape), from
minikeras.autodiff.grad in the test. With a path argument the record goes there instead (to
compare a run by hand), and further arguments name the cases to run.
"""
from case_recording import recorded, torch_grad, write

import keras  # noqa: E402
import examples10_rl_cases as cases  # noqa: E402

if __name__ == "__main__":
    write("keras_examples10_rl.json", lambda names: recorded(cases, keras, torch_grad, names=names))
