"""Run once with real Keras 3: the round-20 option sweep of the layer families round 17 left
out (tests/fixtures/examples20_layersweep2_cases.py) on Keras's jax and torch backends.

    nice -n 19 /work/scratch-keras/bin/python tools/make_examples20_layersweep2_fixture.py

Runs the cases in a fresh interpreter per backend and writes
tests/fixtures/keras_examples20_layersweep2.json as {"jax": record, "torch": record}, which
tests/compat/test_script_fidelity_examples20_layersweep2.py compares with minikeras (it never
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


def mask_of(tensor):
    """The mask Keras keeps on ``tensor`` (None without one)."""
    from keras.src.backend.common.masking import get_keras_mask
    return get_keras_mask(tensor)


def one_backend(path, names):
    """Record the cases (``names`` when given) with this interpreter's backend, to ``path``."""
    import keras
    from case_recording import recorded
    import examples20_layersweep2_cases as cases
    record = recorded(cases, keras, with_mask, mask_of, names=names, folder=False)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(record, f)


if __name__ == "__main__":
    main_of_each_backend(__file__, "keras_examples20_layersweep2.json", one_backend)
