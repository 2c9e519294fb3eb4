"""Run once with real Keras 3: what keras.utils.model_to_dot / plot_model draw, write,
return and raise, on Keras's jax and torch backends (round 20,
tests/fixtures/examples20_plotmodel_cases.py; needs pydot in that environment and Graphviz's
``dot`` on PATH).

    nice -n 19 /work/scratch-keras/bin/python tools/make_examples20_plotmodel_fixture.py

Runs the cases twice, in a fresh interpreter per backend, and writes
tests/fixtures/keras_examples20_plotmodel.json as {"jax": record, "torch": record}, which
tests/compat/test_script_fidelity_examples20_plotmodel.py compares with minikeras (it never
imports Keras). With a path argument the record goes there instead, and further arguments
name the cases to run.
"""
import contextlib
import json
import os
import tempfile
import warnings

from case_recording import main_of_each_backend, recorded


@contextlib.contextmanager
def without_pydot():
    """Keras as it is when pydot was missing at import (it reads pydot once, then)."""
    from keras.src.utils import model_visualization
    saved = model_visualization.pydot
    model_visualization.pydot = None
    try:
        yield
    finally:
        model_visualization.pydot = saved


@contextlib.contextmanager
def without_graphviz():
    """No ``dot`` program on PATH."""
    saved = os.environ["PATH"]
    with tempfile.TemporaryDirectory() as empty:
        os.environ["PATH"] = empty
        try:
            yield
        finally:
            os.environ["PATH"] = saved


def one_backend(path, names):
    """Record the cases (``names`` when given) with this interpreter's backend, to ``path``."""
    import keras
    import examples20_plotmodel_cases as cases
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unbuilt-layer and name warnings are not compared
        record = recorded(cases, keras, names=names)
        if not names or "missing_tools" in names:
            with tempfile.TemporaryDirectory() as scratch:
                record["missing_tools"] = cases.missing_tools(keras, scratch, without_pydot,
                                                              without_graphviz)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(record, f)


if __name__ == "__main__":
    main_of_each_backend(__file__, "keras_examples20_plotmodel.json", one_backend)
