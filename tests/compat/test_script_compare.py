"""The comparison the script tests share (script_compare.py): printed text is compared
exactly, but for the numbers printed at full precision, which compare as numbers."""
import pytest

from tests.compat.script_compare import assert_same, same_text


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
