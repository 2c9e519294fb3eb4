"""Records of Keras's two backends and of minikeras side by side: ``agrees``, whether two
JSON-able records pass ``script_compare.assert_same``, as a verdict rather than an assertion
(the fixtures' jax and torch records are compared whole, 150,000 numbers: ``assert_same``
checks nested float lists at once, ``floats_agree``); ``agreed``, what the backends' records
share (``CONFLICT`` where they differ; ``has_conflict``); ``types_only``, ``as_expected``,
``unframed`` and ``without_hint``, error texts reduced as a comparison needs them.

(Here rather than in the round-19/20 test modules that wrote them: a test module imported
by another is imported twice, as pytest names it and by its package path, and its fixtures
parsed twice.)"""
import re

from tests.compat.script_compare import (
    ATOL, CALL_FRAME, RTOL, TORCH_SIZE, assert_same, floats_agree, shape_text)

# the types of a list's items that none of the functions below changes (a list of them, the
# usual list of numbers, is handled in one pass)
_PLAIN = {float, int, bool, type(None)}


def _plain(items):
    return set(map(type, items)) <= _PLAIN


def _lists_copied(value):
    """``value`` (a list nested with floats for leaves) with each list a new one."""
    if list in set(map(type, value)):
        return [_lists_copied(v) if type(v) is list else v for v in value]
    return list(value)


def agrees(got, expected, tolerance=(RTOL, ATOL), loose=None):
    """Whether ``assert_same(got, expected, tolerance=tolerance, loose=loose)`` passes; a
    TypeError (values approx cannot compare) counts as disagreement."""
    try:
        assert_same(got, expected, tolerance=tolerance, loose=loose)
    except (AssertionError, TypeError):
        return False
    return True


ERROR = re.compile(r"^(\w+(?:Error|Exception)): ")


def agreed(jax, torch):
    """What the two backends' records share: equal parts as they are, errors of one type
    with different messages as ``<Type>``, numbers equal to float32 round-off as torch's;
    ``CONFLICT`` where they differ."""
    if isinstance(jax, dict) and isinstance(torch, dict) and sorted(jax) == sorted(torch):
        return {k: agreed(jax[k], torch[k]) for k in torch}
    if isinstance(jax, list) and isinstance(torch, list) and len(jax) == len(torch):
        if floats_agree(jax, torch):  # each float pair agrees: the walk below gives torch's
            return _lists_copied(torch)
        return [agreed(j, t) for j, t in zip(jax, torch)]
    if isinstance(torch, str):
        torch = TORCH_SIZE.sub(shape_text, torch)
    if isinstance(jax, str) and isinstance(torch, str) and jax != torch:
        j, t = ERROR.match(jax), ERROR.match(torch)
        return f"<{t.group(1)}>" if j and t and j.group(1) == t.group(1) else CONFLICT
    try:
        assert_same(jax, torch)
    except AssertionError:
        return CONFLICT
    return torch


CONFLICT = "<the backends differ>"


def has_conflict(record):
    if isinstance(record, dict):
        return any(has_conflict(v) for v in record.values())
    if isinstance(record, list):
        return not _plain(record) and any(has_conflict(v) for v in record)
    return record == CONFLICT


def as_expected(got, expected):
    """``got`` with an error text reduced to ``<Type>`` where ``expected`` holds that, and
    to ``expected`` where it extends that text (minikeras's hint after Keras's whole
    message: docs/porting.md)."""
    if isinstance(expected, dict) and isinstance(got, dict):
        return {k: as_expected(got[k], expected[k]) if k in expected else got[k] for k in got}
    if isinstance(expected, list) and isinstance(got, list) and len(got) == len(expected):
        if _plain(expected):  # nothing to reduce against numbers
            return list(got)
        return [as_expected(g, e) for g, e in zip(got, expected)]
    if isinstance(expected, str) and isinstance(got, str):
        match = ERROR.match(got)
        if expected.startswith("<") and match:
            return f"<{match.group(1)}>"
        if ERROR.match(expected) and got.startswith(expected + ". "):
            return expected
    return got


def types_only(record):
    """``record`` with each error text as ``<Type>``."""
    if isinstance(record, dict):
        return {k: types_only(v) for k, v in record.items()}
    if isinstance(record, str) and ERROR.match(record):
        return f"<{ERROR.match(record).group(1)}>"
    return record


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def unframed(record):
    """``record`` with each error's text as the error raised it: without Keras's frame around
    an error raised in a layer's call (minikeras raises the error as it is: docs/porting.md)
    and without the frame's terminal colours."""
    if isinstance(record, dict):
        return {k: unframed(v) for k, v in record.items()}
    if isinstance(record, list):
        return list(record) if _plain(record) else [unframed(v) for v in record]
    if isinstance(record, str):
        return CALL_FRAME.sub(r"\1", ANSI.sub("", record))
    return record


def without_hint(got, expected):
    """``got`` with minikeras's addition after Keras's whole message (a sentence after a
    full stop, or a remark in parentheses) cut off where ``expected`` holds that message."""
    if isinstance(expected, dict) and isinstance(got, dict):
        return {k: without_hint(got[k], expected[k]) if k in expected else got[k] for k in got}
    if isinstance(expected, list) and isinstance(got, list) and len(got) == len(expected):
        if _plain(expected):  # no message to cut against numbers
            return list(got)
        return [without_hint(g, e) for g, e in zip(got, expected)]
    if isinstance(expected, str) and isinstance(got, str) and got.startswith(expected):
        rest = got[len(expected):]
        if rest.startswith((" (", ". ")) or (expected.endswith(".") and rest.startswith(" ")):
            return expected
    return got
