"""The Keras guide "Working with preprocessing layers" and keras-io structured-data scripts
run beside Keras 3.15 (round 5): Normalization, Discretization, CategoryEncoding, Hashing,
HashedCrossing, StringLookup, IntegerLookup and TextVectorization as the guide uses them,
the end-to-end model taking raw strings saved as .keras and reloaded, structured data
classification from scratch, collaborative filtering (subclassed RecommenderNet and a Dot
model) and a wide & deep / DCN model with HashedCrossing and class weights.

The scripts are in tests/fixtures/examples5_tabular_cases.py; what Keras gave for each in
tests/fixtures/keras_examples5_tabular.json, written once with real Keras 3.15 (torch
backend; tensorflow beside it for the lookup and text layers, and its backend for the
models that take strings) by tools/make_examples5_tabular_fixture.py. Every case is compared
whole: layer outputs with their dtypes, vocabularies, configs, .keras archive contents and
assets, printed fit / evaluate output, History, predictions, summaries and error texts.

Found here and fixed:
- StringLookup / IntegerLookup / TextVectorization encode one_hot, multi_hot and count as
  int64, as Keras does (minikeras gave float32); tf_idf stays float32.
- An adapted lookup's or TextVectorization's config holds ``vocabulary: None`` (the
  constructor's argument), and a .keras file holds the adapted vocabulary in
  ``assets/<layer path>/vocabulary.txt`` (TextVectorization's also under
  ``_lookup_layer/``), special tokens first, as Keras writes them; minikeras wrote the
  tokens into the config and no assets.
- ``adapt(array, batch_size=..., steps=...)`` reads the whole array (Keras's ``steps``
  applies to datasets only); minikeras stopped after ``steps`` batches.
- IntegerLookup casts float inputs to int64 (truncating) as Keras does; minikeras refused
  non-integral floats.
- HashedCrossing takes object arrays of strings (pandas columns, tf.data string batches);
  its config is Keras's five keys (``dtype`` as a name, no ``trainable``); its error for a
  single input is Keras's sentence.
- A lookup's config ``vocabulary_size`` sets its encodings' width until the vocabulary
  arrives (a .keras file's assets load after the model is rebuilt from its config).
- Normalization adapted on an array is built for the array's shape (its build config
  records the batch size, as Keras's does); lookups record an empty build config.
- A lookup given its vocabulary as a file writes ``vocabulary: None`` in its config and
  the tokens as an asset, as Keras does (minikeras wrote the tokens into the config).
- TextVectorization(split=None) in int mode keeps a 1-D input's rank (one index per
  string), as Keras does; minikeras gave (batch, 1).
- Error texts for bad ``output_mode`` (Discretization, StringLookup, IntegerLookup,
  TextVectorization, HashedCrossing, Hashing, CategoryEncoding), ``split``,
  ``standardize``, ``idf_weights`` and a repeated vocabulary term read as Keras's.

Not compared (see NOT_COMPARED): differences that are deliberate or not fixed.
"""
import json
import os
import zipfile

import numpy as np
import pytest

import minikeras as keras
from tests.fixture_cases import FIXTURES, load_cases

cases, KERAS = load_cases("examples5_tabular_cases", "keras_examples5_tabular.json")
RTOL, ATOL = 2e-5, 1e-6

_CALL_FRAME = (
    "deliberate: Keras wraps an error raised in call() in 'Exception encountered when "
    "calling X.call()' with the arguments listed; minikeras raises the sentence alone")
# (case, key path prefix) -> why it is left out
NOT_COMPARED = {
    ("category_encoding_guide", "errors/too_big"): (
        "deliberate: Keras on torch raises torch's RuntimeError 'Class values must be smaller "
        "than num_classes.'; minikeras a ValueError naming num_tokens and the values seen"),
    ("category_encoding_guide", "errors/negative"): (
        "deliberate: Keras on torch counts a negative index nowhere (silently); minikeras "
        "refuses it, naming num_tokens and the values seen"),
    ("hashing_guide", "errors/cross_one"): _CALL_FRAME,
    ("integer_lookup_guide", "errors/string_vocab"): (
        "numpy's repr: Keras's int() of a numpy string shows np.str_('a'), minikeras 'a'"),
    ("wide_and_deep", "printed"): (
        "Keras's tensorflow backend (the only one that carries strings) trains Embeddings "
        "through sparse gradients, about 1e-4 away from its torch backend, which minikeras "
        "follows: the second epoch's loss prints 1.0759 there and 1.0758 here (the numbers "
        "are compared with LOOSE's tolerance)"),
}
# case -> relative tolerance for its trained numbers (see NOT_COMPARED's wide_and_deep)
LOOSE = {"wide_and_deep": 5e-4}


def _comparable_summary(text):
    """A summary without the byte sizes of its parameter counts: under Keras's tensorflow
    backend (the string-model cases) integer counters (Normalization's ``count``, the
    optimizer's iterations) take 8 bytes, 4 on torch, which minikeras follows."""
    return "\n".join(line.split(" (")[0] if "params:" in line else line
                     for line in text.split("\n"))


def assert_same(got, expected, path, skipped, rtol=RTOL):
    if any(path == key or path.startswith(key + "/") for key in skipped):
        return
    if isinstance(expected, dict):
        assert isinstance(got, dict) and sorted(got) == sorted(expected), \
            f"{path}: keys {sorted(got)} != {sorted(expected)}"
        for key in expected:
            assert_same(got[key], expected[key], f"{path}/{key}" if path else key, skipped,
                        rtol)
    elif isinstance(expected, list):
        assert isinstance(got, list) and len(got) == len(expected), path
        for i, (mine, theirs) in enumerate(zip(got, expected)):
            assert_same(mine, theirs, f"{path}[{i}]", skipped, rtol)
    elif isinstance(expected, float) and isinstance(got, (int, float)):
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=ATOL, err_msg=path)
    elif isinstance(expected, str) and isinstance(got, str) and "summary" in path:
        assert _comparable_summary(got).rstrip() == _comparable_summary(expected).rstrip(), path
    else:
        assert got == expected, path


@pytest.fixture(scope="module")
def results():
    """Each case's result, run once with minikeras (JSON round trip, as the fixture), with
    summaries at the 80 columns the fixture was made at."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COLUMNS", "80")
        return {name: json.loads(json.dumps(run(keras)))
                for name, run in cases.all_cases().items()}


def test_keras_ran_every_case():
    assert sorted(KERAS) == sorted(cases.all_cases())
    assert [name for name, got in KERAS.items() if "error" in got] == []


@pytest.mark.parametrize("name", sorted(cases.all_cases()))
def test_script_matches_keras(results, name):
    skipped = {key for (case_name, key) in NOT_COMPARED if case_name == name}
    assert_same(results[name], KERAS[name], "", skipped, LOOSE.get(name, RTOL))


@pytest.mark.parametrize("case_name, key", sorted(NOT_COMPARED))
def test_what_is_not_compared_still_differs(results, case_name, key):
    """Each entry of NOT_COMPARED names a real difference: once minikeras matches Keras
    there, the entry must go."""
    mine, theirs = results[case_name], KERAS[case_name]
    for part in key.split("/"):
        mine, theirs = mine[part], theirs[part]
    assert mine != theirs


def test_keras_end_to_end_text_model_loads_with_its_vocabulary_asset():
    """The guide's exported model as Keras 3.15 saves it (the adapted vocabulary only in
    assets/.../vocabulary.txt, the config's vocabulary None) loads here and predicts what
    Keras predicted on the raw strings."""
    model = keras.models.load_model(os.path.join(FIXTURES, "keras_examples5_text_model.keras"))
    vectorizer = model.layers[1]
    assert vectorizer.get_config()["vocabulary"] is None
    assert vectorizer.get_vocabulary()[:4] == ["", "[UNK]", "the", "side"]
    expected = KERAS["lookup_in_model_and_file"]["predictions"]["values"]
    got = model.predict(cases.TEXTS.reshape(-1, 1).astype(object), verbose=0)
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)


# the file's compiled, untrained optimizer holds 2 variables; Keras warns the same on load
@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")
def test_structured_data_model_files_both_ways(tmp_path):
    """The structured-data model (adapted lookups and normalizers) as Keras 3.15 saves it
    loads here and predicts as the same model built here; saved here, its archive holds
    the same entries (vocabularies as assets) and its config.json the same layers."""
    keras.utils.clear_session()
    built = cases.structured_model(keras)
    val = cases.heart_inputs(cases.heart_data(8, seed=1))
    expected = built.predict(val, verbose=0)
    keras_file = os.path.join(FIXTURES, "keras_examples5_structured_model.keras")
    loaded = keras.models.load_model(keras_file)
    np.testing.assert_allclose(loaded.predict(val, verbose=0), expected, rtol=RTOL, atol=ATOL)
    mine = str(tmp_path / "structured.keras")
    built.save(mine)
    with zipfile.ZipFile(keras_file) as theirs, zipfile.ZipFile(mine) as ours:
        assert sorted(ours.namelist()) == sorted(theirs.namelist())
        for name in ours.namelist():
            if name.startswith("assets/"):
                assert ours.read(name) == theirs.read(name), name
        layers_of = [cases.without_shared_ids(json.loads(z.read("config.json")))
                     ["config"]["layers"] for z in (ours, theirs)]
    assert layers_of[0] == layers_of[1]
