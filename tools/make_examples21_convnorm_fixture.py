"""Run once with real Keras 3: the round-21 option sweep of the convolution, pooling,
normalization and spatial reshaping layers (tests/fixtures/examples21_convnorm_cases.py) on
Keras's jax and torch backends.

    nice -n 19 /work/scratch-keras/bin/python tools/make_examples21_convnorm_fixture.py

Runs the cases in a fresh interpreter per backend (gradients by ``jax.grad`` and by torch's
autograd) and writes tests/fixtures/keras_examples21_convnorm.json as {"jax": record,
"torch": record}, which tests/compat/test_script_fidelity_examples21_convnorm.py compares
with minikeras (it never imports Keras). With a path argument the record goes there
instead, and further arguments name the cases to run.
"""
import json

from case_recording import main_of_each_backend, recorded
from make_examples17_gradconventions_fixture import jax_gradient, torch_gradient
from make_examples20_layersweep2_fixture import mask_of, with_mask


def one_backend(path, names):
    """Record the cases (``names`` when given) with this interpreter's backend, to ``path``."""
    import keras
    import examples21_convnorm_cases as cases
    gradient = jax_gradient if keras.backend.backend() == "jax" else torch_gradient
    record = recorded(cases, keras, with_mask, mask_of, gradient, names=names, folder=False)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(record, f)


if __name__ == "__main__":
    main_of_each_backend(__file__, "keras_examples21_convnorm.json", one_backend)
