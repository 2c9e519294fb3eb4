"""Run once with real Keras 3: the round-19 option sweep of every loss and metric
(tests/fixtures/examples19_lossmetric_cases.py) on Keras's jax and torch backends.

    nice -n 19 /work/scratch-keras/bin/python tools/make_examples19_lossmetric_fixture.py

Runs the cases in a fresh interpreter per backend and writes
tests/fixtures/keras_examples19_lossmetric.json as {"jax": record, "torch": record}, which
tests/compat/test_script_fidelity_examples19_lossmetric.py compares with minikeras (it never
imports Keras). With a path argument the record goes there instead, and further arguments
name the cases to run.
"""
import json

from case_recording import main_of_each_backend


def with_mask(array, mask):
    """``array`` as a tensor of this backend carrying ``mask`` (Keras's tensor attribute)."""
    import keras
    from keras.src.backend.common.masking import set_keras_mask
    tensor = keras.ops.convert_to_tensor(array)
    set_keras_mask(tensor, keras.ops.convert_to_tensor(mask))
    return tensor


def one_backend(path, names):
    """Record the cases (``names`` when given) with this interpreter's backend, to ``path``."""
    import keras
    from case_recording import recorded
    import examples19_lossmetric_cases as cases
    record = recorded(cases, keras, with_mask, names=names, folder=False)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(record, f)


if __name__ == "__main__":
    main_of_each_backend(__file__, "keras_examples19_lossmetric.json", one_backend)
