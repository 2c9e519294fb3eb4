"""Run once with real Keras 3: forward values at extreme inputs on Keras's jax and torch
backends (round 20, tests/fixtures/examples20_numerics_cases.py).

    nice -n 19 /work/scratch-keras/bin/python tools/make_examples20_numerics_fixture.py

Runs the cases twice, in a fresh interpreter per backend (the ``grad_*`` cases by
``jax.grad`` and by torch autograd, as round 17's writer takes them), and writes
tests/fixtures/keras_examples20_numerics.json as {"jax": record, "torch": record}, which
tests/compat/test_script_fidelity_examples20_numerics.py compares with minikeras (it never
imports Keras). With a path argument the record goes there instead, and further arguments
name the cases to run.
"""
import json

from case_recording import main_of_each_backend, recorded
from make_examples17_gradconventions_fixture import jax_gradient, torch_gradient


def one_backend(path, names):
    """Record the cases (``names`` when given) with this interpreter's backend, to ``path``."""
    import keras
    import examples20_numerics_cases as cases
    gradient = jax_gradient if keras.backend.backend() == "jax" else torch_gradient
    with open(path, "w", encoding="utf-8") as f:
        json.dump(recorded(cases, keras, gradient, names=names, folder=False), f)


if __name__ == "__main__":
    main_of_each_backend(__file__, "keras_examples20_numerics.json", one_backend)
