"""minikeras.arguments: the shared numeric-argument check, config plainer and shape printer."""
import numpy as np
import pytest

from minikeras.arguments import check_number, format_shape, plain


def test_check_number_keeps_ints_and_makes_other_reals_floats():
    assert check_number("C", "x", 2) == 2 and type(check_number("C", "x", 2)) is int
    assert type(check_number("C", "x", np.float32(0.5))) is float
    assert type(check_number("C", "x", np.int64(3))) is int
    assert check_number("C", "x", None, allow_none=True) is None


@pytest.mark.parametrize("value, kwargs, match", [
    (True, {}, r"C: argument `x` must be a finite real number\. Received: x=True \(bool\)"),
    ("1", {}, "x='1'"),
    (float("nan"), {}, "x=nan"),
    (float("inf"), {}, "x=inf"),
    (None, {}, "x=None"),
    (None, {"low": 0, "allow_none": True, "high": 1, "low_open": True}, None),
    (-1, {"low": 0}, r"must be >= 0\. Received: x=-1"),
    (0.0, {"low": 0, "low_open": True}, r"must be > 0\. Received: x=0\.0"),
    (1.5, {"low": 0, "high": 1}, r"must be in \[0, 1\]\. Received: x=1\.5"),
    (1, {"low": 0, "high": 1, "high_open": True}, r"must be in \[0, 1\)\. Received: x=1"),
    (3, {"high": 2}, r"must be <= 2\. Received: x=3"),
])
def test_check_number_refuses_with_the_class_argument_and_value(value, kwargs, match):
    if match is None:
        assert check_number("C", "x", value, **kwargs) is None
        return
    with pytest.raises(ValueError, match=match):
        check_number("C", "x", value, **kwargs)


def test_plain_turns_config_values_into_json_python():
    value = {"a": (1, np.float32(0.5)), "b": np.arange(3), "c": [np.int64(2), "s"]}
    out = plain(value)
    assert out == {"a": [1, 0.5], "b": [0, 1, 2], "c": [2, "s"]}
    assert type(out["a"][1]) is float and type(out["c"][0]) is int


def test_format_shape_prints_like_a_python_tuple():
    assert format_shape((None, 3)) == "(None, 3)"
    assert format_shape([np.int64(5)]) == "(5,)"
    assert format_shape(()) == "()"
