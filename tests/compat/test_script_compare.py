"""The comparison the script tests share (script_compare.py): printed text is compared
exactly, but for the numbers printed at full precision, which compare as numbers; numbers
as ``pytest.approx`` compares them."""
import contextlib

import pytest

from tests.compat.script_compare import ATOL, RTOL, assert_same, close, floats_agree, same_text


def test_a_full_precision_number_in_text_compares_to_float32_round_off():
    # one float32 unit in the last place apart (2.9294367 and 2.9294369 as float32)
    assert same_text("Test loss: 2.929436683654785\n", "Test loss: 2.9294369220733643\n")
    assert_same({"printed": "loss 2.929436683654785"}, {"printed": "loss 2.9294369220733643"})


@pytest.mark.parametrize("got,expected", [
    ("Test loss: 2.929536683654785", "Test loss: 2.9294369220733643"),   # 3e-5 apart
    ("loss: 0.1234", "loss: 0.1235"),                      # rounded for display: text
    ("Test acc: 2.929436683654785", "Test loss: 2.9294369220733643"),    # other words
    ("a 1.000000001 b 2.000000001", "a 1.000000001"),                    # a number missing
])
def test_other_text_or_numbers_apart_differ(got, expected):
    assert not same_text(got, expected)
    with pytest.raises(AssertionError):
        assert_same(got, expected)


EDGES = [0.0, -0.0, 1.0, 1.00002, 1.0000201, 1.00003, 1e-6, 2e-6, -1e-6, 5e-7, 1e300, 3, 0,
         float("nan"), float("inf"), -float("inf")]


@pytest.mark.parametrize("expected", [e for e in EDGES if isinstance(e, float)])
def test_numbers_compare_as_pytest_approx_decides(expected):
    """``close`` (one number) and ``floats_agree`` (nested lists, a short one by a loop, a
    long one by NumPy) give approx's verdict at the tolerance's edges, NaN and inf."""
    for got in EDGES:
        want = got == pytest.approx(expected, rel=RTOL, abs=ATOL, nan_ok=True)
        assert close(got, expected, RTOL, ATOL) == want, (got, expected)
        if isinstance(got, float):
            assert floats_agree([[got]], [[expected]]) == want, (got, expected)
            assert floats_agree([[1.0] * 70 + [got]], [[1.0] * 70 + [expected]]) == want
            with (pytest.raises(AssertionError) if not want else contextlib.nullcontext()):
                assert_same({"x": [[got] * 2]}, {"x": [[expected] * 2]})


def test_float_lists_nested_differently_do_not_agree():
    assert not floats_agree([[1.0, 2.0], [3.0]], [[1.0], [2.0, 3.0]])
    assert not floats_agree([[1.0, [2.0]]], [[1.0, 2.0]])
    assert not floats_agree([1.0, 2], [1.0, 2.0])          # an int leaf: walked one by one
    with pytest.raises(AssertionError, match=r"x\[1\]\[0\]"):
        assert_same({"x": [[1.0], [2.0]]}, {"x": [[1.0], [2.1]]})
