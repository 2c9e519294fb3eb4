"""backend.standardize_dtype remembers the names it gave (model building asks ~5 times per
weight): a remembered answer must be the answer numpy's own names give, for every kind of
input (a name, a character code, a numpy dtype of either byte order, a numpy scalar type, a
Python type), whatever was asked before, and refusals must stay refusals."""
import numpy as np
import pytest

from minikeras import backend

NUMPY_TYPES = sorted({t for t in np.sctypeDict.values()}, key=lambda t: np.dtype(t).str)


def _inputs():
    for scalar_type in NUMPY_TYPES:
        dtype = np.dtype(scalar_type)
        yield from (scalar_type, dtype, dtype.newbyteorder(">"), dtype.newbyteorder("<"),
                    dtype.name, dtype.char, dtype.str)
    yield from (bool, int, float, complex, str, bytes, "int", "float", "str", "string")


def _expected(given):
    """The name from numpy's own: Keras's names for Python's types and "int", text is
    "string"; other names only as numpy spells them; numbers up to 64-bit floats."""
    python = {bool: "bool", int: "int32", "int": "int32", float: "float32",
              complex: "complex64", str: "string", "str": "string", "string": "string"}
    if isinstance(given, (str, type)) and given in python:
        return python[given]
    dtype = np.dtype(given)
    if dtype.kind in "US":
        return "string"
    if isinstance(given, str) and given != dtype.name:
        return ValueError
    if dtype.kind not in "biufc" or dtype.itemsize > 16 or (dtype.kind == "f" and
                                                           dtype.itemsize > 8):
        return ValueError
    return dtype.name


def _answer(given):
    try:
        return backend.standardize_dtype(given)
    except ValueError:
        return ValueError


@pytest.mark.parametrize("order", ["forward", "backward"])
def test_remembered_names_are_numpy_s_for_every_input_kind(order):
    inputs = list(_inputs())
    if order == "backward":  # equal inputs of another kind asked first ("float" after float)
        inputs.reverse()
    for _ in range(2):  # the second pass reads what the first remembered
        for given in inputs:
            assert _answer(given) == _expected(given), given


def test_none_follows_floatx():
    backend.standardize_dtype("float32")
    try:
        backend.set_floatx("float64")
        assert backend.standardize_dtype(None) == "float64"
    finally:
        backend.set_floatx("float32")
    assert backend.standardize_dtype(None) == "float32"


def test_unhashable_and_unknown_inputs_are_refused_every_time():
    for _ in range(2):
        with pytest.raises(ValueError, match="Invalid dtype: "):
            backend.standardize_dtype("no-such-dtype")
        with pytest.raises((TypeError, ValueError)):
            backend.standardize_dtype([("a", "f4")])
