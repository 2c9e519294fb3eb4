"""Run once with real Keras 3 (it runs itself again under the jax and the torch backend):
what Keras computes for the round-19 optimizer sweep (tests/fixtures/examples19_optimizers_cases.py).

    /work/scratch-keras/bin/python tools/make_examples19_optimizers_fixture.py

Writes tests/fixtures/keras_examples19_optimizers.json ({backend: {case: record}}), which
tests/compat/test_script_fidelity_examples19_optimizers.py compares with minikeras (it never
imports Keras). With a path argument the record goes there instead (to compare a run by
hand), and further arguments name the cases to run.
"""
import json
import warnings

from case_recording import main_of_each_backend, recorded


def rounded(record):
    """``record`` with each float to 7 significant digits (float32's; the test compares to
    2e-5), which halves the fixture."""
    if isinstance(record, dict):
        return {k: rounded(v) for k, v in record.items()}
    if isinstance(record, list):
        return [rounded(v) for v in record]
    return float(f"{record:.7g}") if isinstance(record, float) else record


def one_backend(path, names):
    """This interpreter's backend's record of the named cases (all without names), to ``path``."""
    warnings.simplefilter("ignore")  # the None gradients' warning, at every step
    import keras
    import examples19_optimizers_cases as cases
    with open(path, "w", encoding="utf-8") as f:
        json.dump(rounded(recorded(cases, keras, names=names, folder=False)), f,
                  sort_keys=True)


if __name__ == "__main__":
    main_of_each_backend(__file__, "keras_examples19_optimizers.json", one_backend)
