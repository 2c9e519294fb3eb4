"""``agrees``: whether two JSON-able records pass ``script_compare.assert_same``, with its
answer, found faster on long lists of floats (the fixtures' jax and torch records are
compared whole, 150,000 numbers: one ``pytest.approx`` each took 6 s)."""
import numpy as np

from tests.compat.script_compare import ATOL, RTOL, assert_same


def agrees(got, expected, tolerance=(RTOL, ATOL), loose=None):
    """Whether ``assert_same(got, expected, tolerance=tolerance, loose=loose)`` passes.

    Dicts and lists are walked as ``assert_same`` walks them (a key's tolerance from
    ``loose``); nested lists of floats nested alike are checked at once by
    ``_floats_agree`` (lists it rejects are walked item by item); everything else goes
    through ``assert_same`` itself."""
    loose = loose or {}
    if isinstance(expected, dict) and isinstance(got, dict) and sorted(got) == sorted(expected):
        return all(agrees(got[key], expected[key], loose.get(key, tolerance), loose)
                   for key in expected)
    if isinstance(expected, list) and isinstance(got, list) and len(got) == len(expected):
        floats, expected_floats = _float_leaves(got), _float_leaves(expected)
        if (floats is not None and expected_floats is not None
                and floats[0] == expected_floats[0]
                and _floats_agree(floats[1], expected_floats[1], tolerance)):
            return True
        return all(agrees(mine, theirs, tolerance, loose) for mine, theirs in zip(got, expected))
    try:
        assert_same(got, expected, tolerance=tolerance, loose=loose)
    except (AssertionError, TypeError):  # TypeError: values approx cannot compare
        return False
    return True


def _float_leaves(value):
    """(the nesting of list ``value``, its leaves in order) when every leaf is a float,
    else None. The nesting is each list's length then its items', a leaf as None."""
    nesting, leaves = [], []

    def walk(item):
        if type(item) is float:
            nesting.append(None)
            leaves.append(item)
            return True
        if type(item) is list:
            nesting.append(len(item))
            return all(walk(each) for each in item)
        return False

    return (nesting, leaves) if walk(value) else None


def _floats_agree(got, expected, tolerance):
    """Whether each ``got[i] == pytest.approx(expected[i], rel, abs, nan_ok=True)``, as
    approx decides it: equal, or both NaN, or expected finite and
    ``|expected - got| <= max(rel * |expected|, abs)`` (the same float64 operations)."""
    rtol, atol = tolerance
    mine, theirs = np.array(got, np.float64), np.array(expected, np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        close = np.abs(theirs - mine) <= np.maximum(rtol * np.abs(theirs), atol)
    return bool(np.all((mine == theirs) | (np.isnan(mine) & np.isnan(theirs))
                       | (np.isfinite(theirs) & close)))
