"""Run once with real Keras 3: keras.ops, layers and models on edge shapes and odd inputs
(zero-size arrays, scalars, size-1 axes, 6-D inputs, 0 or 1 samples) on Keras's jax and
torch backends (round 20, tests/fixtures/examples20_edgeshapes_cases.py).

    nice -n 19 /work/scratch-keras/bin/python tools/make_examples20_edgeshapes_fixture.py

Runs the cases twice, in a fresh interpreter per backend, and writes
tests/fixtures/keras_examples20_edgeshapes.json as {"jax": record, "torch": record}, which
tests/compat/test_script_fidelity_examples20_edgeshapes.py compares with minikeras (it
never imports Keras). With a path argument the record goes there instead, and further
arguments name the cases to run.
"""
import json

from case_recording import main_of_each_backend, recorded


def one_backend(path, names):
    """Record the cases (``names`` when given) with this interpreter's backend, to ``path``."""
    import keras
    import examples20_edgeshapes_cases as cases
    record = recorded(cases, keras, names=names, folder=False)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(record, f)


if __name__ == "__main__":
    main_of_each_backend(__file__, "keras_examples20_edgeshapes.json", one_backend)
