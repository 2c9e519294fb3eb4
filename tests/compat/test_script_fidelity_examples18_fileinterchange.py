"""The files minikeras writes for compiled, trained models over the layer families (round
18's file interchange): their ``.keras`` (zip entries, metadata, compile and build configs,
weights), ``.weights.h5`` and legacy ``.h5`` layouts (groups, datasets, attributes, the model
and training configs) are those Keras 3.15 writes for the same model.

The models are in tests/fixtures/examples18_fileinterchange_cases.py; Keras's layouts are in
tests/fixtures/keras_examples18_fileinterchange.json, written once with real Keras 3.15
(torch backend) by tools/make_examples18_fileinterchange_fixture.py. Loading both ways (Keras
reading minikeras's files on torch and jax, minikeras reading Keras's) was checked with
tools/examples18_fileinterchange_sweep.py.
"""
import functools
import os

import pytest

import minikeras as keras
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples18_fileinterchange_cases",
                          "keras_examples18_fileinterchange.json")

# minikeras records its version beside Keras's (metadata.json, the .h5 attributes) and names
# its own backend (docs/saving.md)
DOCUMENTED = ("minikeras_version: only minikeras", "backend: minikeras numpy keras torch")


@pytest.fixture(scope="module", autouse=True)
def registered():
    """The cases' custom layer, loss and metric, registered as the user's code would (once:
    the models trained with them are kept for the module, ``trained``)."""
    cases.custom_objects(keras)


@pytest.fixture(scope="module")
def trained(registered):
    """``trained(name)``: case ``name``'s trained model, from a clear session, made once for
    its three files (saving reads the model, it does not change it)."""
    @functools.cache
    def get(name):
        keras.backend.clear_session()
        return cases.trained(keras, name)[0]
    return get


def _params():
    """(case, extension) pairs Keras could write (its legacy .h5 writer fails on Adafactor's
    slots, whose names repeat: recorded as "keras error")."""
    for name in sorted(cases.BUILDERS):
        for ext in cases.EXTENSIONS:
            if "keras error" in KERAS[name][ext]:
                continue
            yield pytest.param(name, ext, id=f"{name}{ext}")


@pytest.mark.parametrize("name, ext", list(_params()))
def test_file_layout_matches_keras(name, ext, tmp_path, trained):
    model = trained(name)
    path = os.path.join(str(tmp_path), "model" + ext)
    (model.save_weights if ext == ".weights.h5" else model.save)(path)
    found = [d for d in cases.differences(cases.compared_layout(path), KERAS[name][ext])
             if not d.endswith(DOCUMENTED)]
    assert not found, "\n".join(found)


def test_every_case_was_recorded_by_keras():
    assert sorted(KERAS) == sorted(cases.BUILDERS)
