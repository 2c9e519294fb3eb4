"""keras.utils.model_to_dot / plot_model beside Keras 3.15 on jax and on torch (round 20): 45
models (Sequential built and unbuilt, branches, multiple inputs / outputs as lists and
dicts, shared layers, layers of two models, nested models three levels deep, RNN wrappers,
attention, preprocessing, dtype policies, keras.ops nodes, custom and subclassed models)
crossed with 9 option sets (names, shapes, dtype, activations, trainable, expand_nested,
rankdir, dpi, splines): the DOT text with node ids renumbered; the files plot_model writes
(.png / .svg / .pdf / .dot / .gv / .jpg / none / an upper-case .PNG) with their picture
sizes and what it returns; the errors for bad arguments and missing pydot / Graphviz.

The cases are in tests/fixtures/examples20_plotmodel_cases.py; what Keras drew is in
tests/fixtures/keras_examples20_plotmodel.json, written once by
tools/make_examples20_plotmodel_fixture.py with both backends (they agree on every case).

Found here and fixed: a layer with several outputs showed its Output dtype as "?" (Keras:
the list of their dtypes); the Input shape cell showed the first argument alone where Keras
shows every tensor the layer's first call took (layer.input: MultiHeadAttention's query and
value, a mask passed on, an op's operands); the missing-pydot message named plot_model from
model_to_dot, and inside IPython a missing tool raised where Keras prints and returns None.

Left (``LEFT``: Keras's text is changed to minikeras's, with the reason, and each rule must
still match, so a fix is noticed).
"""
import contextlib
import os
import re
import sys
import tempfile

import pytest

import minikeras as keras
from tests.fixture_cases import load_cases
from tests.optional_extras import require_module, require_program

cases, KERAS = load_cases("examples20_plotmodel_cases", "keras_examples20_plotmodel.json")

# (case rule, Keras's text, minikeras's text, reason)
LEFT = [
    (r"dot_attention_with_scores_(shapes|all_labels|expand_all)",
     "(None, 2, 4, 4)", "(None, 2, 4, 6)",
     "Keras 3.15's symbolic attention scores take the query's length for the value's "
     "(its eager call gives (1, 2, 4, 6) for a query of 4 steps and a value of 6); "
     "minikeras's KerasTensor has the shape the call returns"),
    (r"dot_dtype_policies_(dtype_trainable|all_labels|expand_all)",
     "Output dtype: <b>float16</b>", "Output dtype: <b>float32</b>",
     "deliberate (docs/porting.md, mixed policies): a mixed_float16 layer computes in "
     "float32, so its output is float32 (Keras: float16)"),
]
# Keras's messages for a missing pydot / Graphviz are where minikeras's start; minikeras
# goes on to say how to install them (its "plot" extra, apt-get)
MESSAGE_PREFIX = ("plot_without_pydot", "dot_without_pydot", "plot_without_graphviz")


@pytest.fixture(autouse=True, scope="module")
def pydot_installed():
    require_module("pydot", "plot")


def expected(name):
    """Keras's record of the case (both backends agree), with the LEFT rules applied."""
    want = KERAS["torch"][name]
    assert KERAS["jax"][name] == want, f"{name}: backend-specific, not compared"
    for rule, theirs, ours, _ in LEFT:
        if re.fullmatch(rule, name):
            assert theirs in want, f"LEFT rule {rule!r} no longer matches Keras's record"
            want = want.replace(theirs, ours)
    return want


def run(name):
    with tempfile.TemporaryDirectory() as scratch:
        return cases.CASES[name](keras, scratch)


DOT_CASES = [name for name in cases.CASES if name.startswith("dot_")]
FILE_CASES = [name for name in cases.CASES if name.startswith("file_")]


def test_the_record_covers_every_case():
    assert sorted(KERAS["torch"]) == sorted([*cases.CASES, "missing_tools"])
    assert len(cases.MODELS) == 45 and len(DOT_CASES) == 45 * len(cases.OPTIONS)


@pytest.mark.parametrize("name", DOT_CASES)
def test_model_to_dot_writes_keras_s_text(name):
    assert run(name) == expected(name)


@pytest.mark.parametrize("name", FILE_CASES + ["bad_arguments"])
def test_plot_model_files_returns_and_errors(name):
    require_program("dot", "install Graphviz: apt-get install graphviz")
    assert run(name) == expected(name)


@contextlib.contextmanager
def _without_pydot():
    saved = require_module("pydot", "plot")
    sys.modules["pydot"] = None  # as if it were not installed
    try:
        yield
    finally:
        sys.modules["pydot"] = saved


@contextlib.contextmanager
def _without_graphviz():
    saved = os.environ["PATH"]
    with tempfile.TemporaryDirectory() as empty:
        os.environ["PATH"] = empty
        try:
            yield
        finally:
            os.environ["PATH"] = saved


def test_missing_pydot_or_graphviz():
    with tempfile.TemporaryDirectory() as scratch:
        got = cases.missing_tools(keras, scratch, _without_pydot, _without_graphviz)
    want = expected("missing_tools")
    for key in MESSAGE_PREFIX:
        kind, message = want[key]
        assert got[key][0] == kind and got[key][1].startswith(message + " "), key
        got[key] = want[key]
    assert got == want
