"""Run once with real Keras 3.15 (torch backend): what dtype policies and mixed precision do
in each piece of tests/fixtures/examples17_mixedprecision_cases.py.

  KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_examples17_mixedprecision_fixture.py

Writes tests/fixtures/keras_examples17_mixedprecision.json, which
tests/compat/test_script_fidelity_examples17_mixedprecision.py compares with minikeras (it
never imports Keras). Command line: tools/case_recording.py's. The same cases were run by hand
under Keras's jax backend (JAX_ENABLE_X64=1, so that float64 stays float64) to tell
backend-specific behaviour from Keras's own (the test's BACKEND_SPECIFIC).
"""
from case_recording import recorded, write


def record(names):
    import keras
    import examples17_mixedprecision_cases as cases
    return recorded(cases, keras, names=names)


if __name__ == "__main__":
    write("keras_examples17_mixedprecision.json", record)
