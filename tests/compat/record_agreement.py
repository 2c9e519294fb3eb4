"""``agrees``: whether two JSON-able records pass ``script_compare.assert_same``, as a
verdict rather than an assertion (the fixtures' jax and torch records are compared whole,
150,000 numbers: ``assert_same`` checks nested float lists at once, ``floats_agree``)."""
from tests.compat.script_compare import ATOL, RTOL, assert_same


def agrees(got, expected, tolerance=(RTOL, ATOL), loose=None):
    """Whether ``assert_same(got, expected, tolerance=tolerance, loose=loose)`` passes; a
    TypeError (values approx cannot compare) counts as disagreement."""
    try:
        assert_same(got, expected, tolerance=tolerance, loose=loose)
    except (AssertionError, TypeError):
        return False
    return True
