"""What the script-comparison tests share: ``assert_same``, a comparison of a case's
JSON-able result with what Keras recorded (text exactly, numbers to float32 round-off)."""
import pytest

RTOL, ATOL = 2e-5, 1e-6


def assert_same(got, expected, path="", tolerance=(RTOL, ATOL), loose=None):
    """``got`` (as JSON would hold it) equals ``expected``: text exactly, numbers to
    ``tolerance`` (relative, absolute); ``loose`` maps a key to the tolerance of the numbers
    under it."""
    loose = loose or {}
    if isinstance(expected, dict):
        assert isinstance(got, dict) and sorted(got) == sorted(expected), \
            f"{path}: keys {sorted(got)} != {sorted(expected)}"
        for key in expected:
            assert_same(got[key], expected[key], f"{path}/{key}", loose.get(key, tolerance),
                        loose)
    elif isinstance(expected, list):
        assert isinstance(got, list) and len(got) == len(expected), \
            f"{path}: {got!r} != {expected!r}"
        for i, (mine, theirs) in enumerate(zip(got, expected)):
            assert_same(mine, theirs, f"{path}[{i}]", tolerance, loose)
    elif isinstance(expected, float) and not isinstance(got, str):
        rtol, atol = tolerance
        assert got == pytest.approx(expected, rel=rtol, abs=atol), f"{path}: {got} != {expected}"
    else:
        assert got == expected, f"{path}:\n{got}\n!=\n{expected}"
