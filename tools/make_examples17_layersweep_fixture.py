"""Run once with real Keras 3 (torch backend): what Keras computes for the layer options of
the round-17 layer sweep (tests/fixtures/examples17_layersweep_cases.py).

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_examples17_layersweep_fixture.py

Writes tests/fixtures/keras_examples17_layersweep.json, which
tests/compat/test_script_fidelity_examples17_layersweep.py compares with minikeras (it never
imports Keras). Gradients come from torch's autograd here, from minikeras.autodiff.grad in
the test. With a path argument the record goes there instead (to compare a run by hand),
and further arguments name the cases to run.
"""
from case_recording import recorded, torch_grad, torch_watch, write

import keras  # noqa: E402
import examples17_layersweep_cases as cases  # noqa: E402

if __name__ == "__main__":
    write("keras_examples17_layersweep.json",
          lambda names: recorded(cases, keras, torch_grad, torch_watch, names=names))
