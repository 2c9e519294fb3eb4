"""Run once with real Keras 3: what Keras prints, records and computes for the keras-io
vision examples of round 15 (tests/fixtures/examples15_vision2_cases.py).

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_examples15_vision2_fixture.py
    KERAS_BACKEND=tensorflow /work/scratch-tf/bin/python tools/make_examples15_vision2_fixture.py

Writes tests/fixtures/keras_examples15_vision2.json, which
tests/compat/test_script_fidelity_examples15_vision2.py compares with minikeras (it never
imports Keras). The torch run records every case but TENSORFLOW_CASES, the TensorFlow run
those (each keeps what the other wrote). Gradients come from torch's autograd here, from
minikeras.autodiff.grad in the test. With a path argument the record goes there instead,
and further arguments name the cases to run.
"""
import json
import os

from case_recording import FIXTURES, recorded, torch_grad, torch_watch, write

import keras  # noqa: E402
import examples15_vision2_cases as cases  # noqa: E402

# cases whose training fails under the torch backend: torch's backward of a bilinear
# UpSampling2D under a sparse cross-entropy ("grad_input must be contiguous")
TENSORFLOW_CASES = ("fully_convolutional_network",)
JSON_NAME = "keras_examples15_vision2.json"


def recorder(kept):
    """``record(names)`` for ``write``: this backend's cases added to ``kept``."""
    on_tensorflow = keras.backend.backend() == "tensorflow"
    mine = [name for name in cases.CASES if (name in TENSORFLOW_CASES) == on_tensorflow]

    def record(names):
        out = recorded(cases, keras, torch_grad, torch_watch,
                       names=[n for n in (names or mine) if n in mine])
        return {**{k: v for k, v in kept.items() if k not in out}, **out}
    return record


def recorded_before():
    """What the fixture holds already ({} before the first run)."""
    path = os.path.join(FIXTURES, JSON_NAME)
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)


if __name__ == "__main__":
    write(JSON_NAME, recorder(recorded_before()))
