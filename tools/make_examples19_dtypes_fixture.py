"""Run once with real Keras 3: the result dtypes and values of keras.ops across dtypes on
Keras's jax and torch backends (round 19, tests/fixtures/examples19_dtypes_cases.py).

    nice -n 19 /work/scratch-keras/bin/python tools/make_examples19_dtypes_fixture.py

Runs the cases twice, in a fresh interpreter per backend, and writes
tests/fixtures/keras_examples19_dtypes.json as {"jax": record, "torch": record}, which
tests/compat/test_script_fidelity_examples19_dtypes.py compares with minikeras (it never
imports Keras). With a path argument the record goes there instead, and further arguments
name the cases to run.
"""
import json
import warnings

from case_recording import main_of_each_backend, recorded


def one_backend(path, names):
    """Record the cases (``names`` when given) with this interpreter's backend, to ``path``."""
    import keras
    import examples19_dtypes_cases as cases
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # overflow and division by zero are the point here
        record = recorded(cases, keras, names=names, folder=False)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(record, f)


if __name__ == "__main__":
    main_of_each_backend(__file__, "keras_examples19_dtypes.json", one_backend)
