"""Run once with real Keras 3: the option sweep of the preprocessing layers on Keras's jax and
torch backends (round 19, tests/fixtures/examples19_preprocessing_cases.py).

    nice -n 19 /work/scratch-tf/bin/python tools/make_examples19_preprocessing_fixture.py

The lookup, hashing and text layers need TensorFlow, hence scratch-tf's interpreter. Runs the
cases in a fresh interpreter per backend and writes
tests/fixtures/keras_examples19_preprocessing.json as {"jax": record, "torch": record}, which
tests/compat/test_script_fidelity_examples19_preprocessing.py compares with minikeras (it
never imports Keras). With a path argument the record goes there instead, and further
arguments name the cases to run.
"""
import json
import os
import tempfile

import numpy as np

from case_recording import main_of_each_backend


def shortest(record):
    """``record`` with each float as the shortest decimal that reads back as the same
    float32."""
    if isinstance(record, dict):
        return {k: shortest(v) for k, v in record.items()}
    if isinstance(record, list):
        return [shortest(v) for v in record]
    if isinstance(record, float):
        return float(str(np.float32(record)))
    return record


def one_backend(path, names):
    """Record the cases (``names`` when given) with this interpreter's backend, to ``path``."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import examples19_preprocessing_cases as cases
    record = {}
    for name, fn in cases.CASES.items():
        if names and name not in names:
            continue
        with tempfile.TemporaryDirectory() as scratch:
            record[name] = fn(keras, scratch)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(shortest(record), f)


if __name__ == "__main__":
    main_of_each_backend(__file__, "keras_examples19_preprocessing.json", one_backend)
