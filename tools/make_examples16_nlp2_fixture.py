"""Run once with real Keras 3: what Keras prints, records and computes for the keras-io NLP
examples of round 16 (tests/fixtures/examples16_nlp2_cases.py). The interpreter is
/work/scratch-tf's (TextVectorization needs TensorFlow); the cases run with the torch
backend, those carrying raw strings through a model (``cases.TENSORFLOW_BACKEND``) in a
second process with the tensorflow backend, the only one that can.

    KERAS_BACKEND=torch /work/scratch-tf/bin/python tools/make_examples16_nlp2_fixture.py

Writes tests/fixtures/keras_examples16_nlp2.json, which
tests/compat/test_script_fidelity_examples16_nlp2.py compares with minikeras (it never
imports Keras). Gradients come from torch's autograd here (the tensorflow-backend cases take
none), from minikeras.autodiff.grad in the test. With a path argument the record goes there
instead (to compare a run by hand), and further arguments name the cases to run.
"""
import json
import os
import subprocess
import sys
import tempfile

from case_recording import recorded, torch_grad, write

TENSORFLOW_FLAG = "--tensorflow-cases"


def tensorflow_record(names):
    """The TENSORFLOW_BACKEND cases among ``names`` (all when empty), run by a child process
    with KERAS_BACKEND=tensorflow."""
    import examples16_nlp2_cases as cases
    wanted = [n for n in cases.TENSORFLOW_BACKEND if not names or n in names]
    if not wanted:
        return {}
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "record.json")
        env = {**os.environ, "KERAS_BACKEND": "tensorflow", "COLUMNS": "80"}
        subprocess.run([sys.executable, __file__, TENSORFLOW_FLAG, path, *wanted], env=env,
                       check=True)
        with open(path, encoding="utf-8") as f:
            return json.load(f)


def record(names):
    """The cases among ``names`` (all when empty): torch-backend ones here, the others by
    the child process."""
    import keras
    import examples16_nlp2_cases as cases
    torch_names = [n for n in cases.CASES
                   if n not in cases.TENSORFLOW_BACKEND and (not names or n in names)]
    out = recorded(cases, keras, torch_grad, names=torch_names) if torch_names else {}
    out.update(tensorflow_record(names))
    return out


if __name__ == "__main__":
    if sys.argv[1:2] == [TENSORFLOW_FLAG]:
        import keras
        import examples16_nlp2_cases as cases
        with open(sys.argv[2], "w", encoding="utf-8") as f:
            json.dump(recorded(cases, keras, None, names=sys.argv[3:]), f)
    else:
        write("keras_examples16_nlp2.json", record)
