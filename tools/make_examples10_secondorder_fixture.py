"""Run once with real Keras 3 (torch backend): what Keras prints, records and computes for
the WGAN-GP with its gradient penalty (round 10, tests/fixtures/examples10_secondorder_cases.py).

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_examples10_secondorder_fixture.py

Writes tests/fixtures/keras_examples10_secondorder.json, which
tests/compat/test_script_fidelity_examples10_secondorder.py compares with minikeras (it never
imports Keras). Gradients come from torch's autograd (round 9's ``torch_grad``: the penalty's
gradient with ``create_graph=True``, the example's tape inside a tape). With a path argument
the record goes there instead, and further arguments name the cases to run.
"""
from case_recording import recorded, torch_grad, torch_watch, write

import keras  # noqa: E402
import examples10_secondorder_cases as cases  # noqa: E402

if __name__ == "__main__":
    write("keras_examples10_secondorder.json", lambda names: recorded(cases, keras, torch_grad, torch_watch, names=names))
