"""What the script-comparison tests share: ``assert_same``, a comparison of a case's
JSON-able result with what Keras recorded (text exactly but for the full-precision numbers
printed in it, numbers to float32 round-off, a NaN equal to a NaN), ``shape_text``, torch's
shapes in Keras's texts as numpy's, ``CALL_FRAME``, Keras's frame around an error raised in
a layer's call, ``without``, a record without the keys a test does not compare,
``open_marked``, a comparison's cases with the open ones as strict xfails, ``watch``,
the gradient cases' stand-in for ``tape.watch``, ``minikeras_gradient``, their gradient of
a sum, ``with_mask`` / ``mask_of``, the masked cases' tensor with a mask, and
``neutral_error`` / ``keras_spelled``, error texts without the backend's and the package's
parts. (Shared pieces live here, not in a test module: a test module imported by another
is imported twice, as pytest names it and by its package path, its fixtures parsed twice.)"""
import json
import math
import re

import numpy as np
import pytest

import minikeras as keras
from minikeras.autodiff import Tensor, grad

RTOL, ATOL = 2e-5, 1e-6


def assert_same(got, expected, path="", tolerance=(RTOL, ATOL), loose=None):
    """``got`` (as JSON would hold it) equals ``expected``: text exactly but for the
    full-precision numbers printed in it, numbers to ``tolerance`` (relative, absolute);
    ``loose`` maps a key to the tolerance of the numbers under it.

    Lists of floats nested alike are checked at once (``floats_agree``); only lists that
    check rejects are walked item by item, for the path and values of the first
    difference: the verdict is the walk's, the fast check only passes what it would."""
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
        if floats_agree(got, expected, tolerance):
            return
        for i, (mine, theirs) in enumerate(zip(got, expected)):
            assert_same(mine, theirs, f"{path}[{i}]", tolerance, loose)
    elif isinstance(expected, float) and not isinstance(got, (str, bool)):
        rtol, atol = tolerance
        if type(got) in (float, int):
            assert close(got, expected, rtol, atol), f"{path}: {got} != {expected}"
        else:  # None, a list, a numpy number: approx decides (or raises TypeError)
            assert got == pytest.approx(expected, rel=rtol, abs=atol, nan_ok=True), \
                f"{path}: {got} != {expected}"
    elif isinstance(expected, str) and isinstance(got, str) and got != expected:
        assert same_text(got, expected, tolerance), f"{path}:\n{got}\n!=\n{expected}"
    else:
        assert got == expected, f"{path}:\n{got}\n!=\n{expected}"


def close(got, expected, rtol, atol):
    """``got == pytest.approx(expected, rel=rtol, abs=atol, nan_ok=True)`` for an int or
    float ``got`` and a float ``expected``, as approx decides it (equal; or both NaN; or
    ``expected`` finite and ``|expected - got| <= max(rtol * |expected|, atol)``), without
    building an approx object (~50 us each, millions of numbers here)."""
    if got == expected:
        return True
    if math.isnan(expected):
        return math.isnan(got)
    if math.isinf(expected):
        return False
    return abs(expected - got) <= max(rtol * abs(expected), atol)


def floats_agree(got, expected, tolerance=(RTOL, ATOL)):
    """Whether lists ``got`` and ``expected`` are nested alike with floats for leaves, each
    ``close`` to its counterpart (a NumPy check of all at once for long lists: the
    fixtures' records hold up to 150,000 numbers)."""
    theirs = _float_leaves(expected)
    if theirs is None:  # most lists that are not floats: ``got`` is not walked
        return False
    mine = _float_leaves(got)
    if mine is None or mine[0] != theirs[0]:
        return False
    rtol, atol = tolerance
    mine, theirs = mine[1], theirs[1]
    if len(theirs) < 64:  # NumPy's set-up costs more than the loop below
        return all(close(a, b, rtol, atol) for a, b in zip(mine, theirs))
    mine, theirs = np.array(mine, np.float64), np.array(theirs, np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        near = np.abs(theirs - mine) <= np.maximum(rtol * np.abs(theirs), atol)
    return bool(np.all((mine == theirs) | (np.isnan(mine) & np.isnan(theirs))
                       | (np.isfinite(theirs) & near)))


_FLOAT = {float}


def _float_leaves(value):
    """(the nesting of list ``value``, its leaves in order) when every leaf is a float,
    else None. The nesting is a list of floats as ``-1 - its length``, any other list as
    its length then its items', a float as None."""
    nesting, leaves = [], []

    def walk(item):
        if type(item) is float:
            nesting.append(None)
            leaves.append(item)
            return True
        if type(item) is not list:
            return False
        if set(map(type, item)) <= _FLOAT:  # most lists: one C-level pass for all
            nesting.append(-1 - len(item))
            leaves.extend(item)
            return True
        nesting.append(len(item))
        return all(walk(each) for each in item)

    return (nesting, leaves) if walk(value) else None


# a number printed with more digits than float32 holds (Python's repr of a float: ``print(
# loss)``); numbers rounded for display (a progress bar's 4 decimals) stay text
FULL_PRECISION = re.compile(r"-?\d+\.\d{8,}(?:e[-+]\d+)?")


def same_text(got, expected, tolerance=(RTOL, ATOL)):
    """Whether two printed texts are equal but for their full-precision numbers
    (``FULL_PRECISION``), which agree to ``tolerance`` (relative, absolute)."""
    if FULL_PRECISION.sub("#", got) != FULL_PRECISION.sub("#", expected):
        return False
    rtol, atol = tolerance
    return all(close(float(a), float(b), rtol, atol)
               for a, b in zip(FULL_PRECISION.findall(got), FULL_PRECISION.findall(expected)))



def open_marked(names, open_cases):
    """``names`` as parameters of a comparison test, each of ``open_cases`` (name -> why
    minikeras still differs) a strict xfail with its reason."""
    return [pytest.param(name, marks=pytest.mark.xfail(reason=open_cases[name], strict=True))
            if name in open_cases else name for name in names]

TORCH_SIZE = re.compile(r"torch\.Size\(\[([^\]]*)\]\)")


# Keras's "Exception encountered when calling X.call()" frame around an error raised inside
# a layer's call, with the call's arguments listed; minikeras raises the error as it is
# (docs/porting.md). ``CALL_FRAME.sub(r"\1", text)`` leaves the error's own message.
CALL_FRAME = re.compile(r"Exception encountered when calling \w+\.call\(\)\.\n\n(.*?)"
                        r"\n\nArguments received by .*", re.DOTALL)


def shape_text(match):
    """torch.Size([12, 2]) (a ``TORCH_SIZE`` match) as the tuple (12, 2) numpy's shape prints."""
    return str(tuple(int(n) for n in match.group(1).split(",") if n.strip()))


INPUT_VALUE = re.compile(r"(Invalid input shape for input ).*?( with name ')", re.DOTALL)
CLASS_PATH = re.compile(r"<class '(?:mini)?keras\.[\w.]*\.(\w+)'>")


def neutral_error(text):
    """``text`` without the backend's and the package's parts: torch's shapes as numpy's,
    without Keras's call frame, an input's value or a class's module path (round 10's errors,
    tests/compat/test_script_fidelity_examples10_errors.py)."""
    text = CALL_FRAME.sub(r"\1", TORCH_SIZE.sub(shape_text, text))
    return CLASS_PATH.sub(r"<class '\1'>", INPUT_VALUE.sub(r"\1<value>\2", text))


TRAINER = re.compile(r"\b\w*Trainer\.")  # torch's TorchTrainer.fit(), minikeras's Trainer.fit()


def keras_spelled(text):
    """``text`` with the package's name as Keras's and the trainer class's name left out
    (the Keras 2 scripts' errors and warnings, round 11)."""
    return TRAINER.sub("Trainer.", text.replace("minikeras", "keras"))


def is_numeric(value):
    """Whether ``value`` (a number or a nested list) reads as float64 numbers."""
    try:
        return np.asarray(value, dtype="float64").dtype == np.float64
    except (TypeError, ValueError):
        return False


def as_json(value):
    """Tuples as lists, as a JSON fixture holds them."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_json(v) for v in value]
    return value


def without(not_compared, name, record, neutral=None, inside=()):
    """Case ``name``'s ``record`` as JSON holds it, without the keys ``not_compared`` (pairs
    of case and key) names for it, also under each key of ``inside`` (an "errors" dict);
    its texts passed through ``neutral`` when given. A test binds its own exclusions:
    ``without_not_compared = functools.partial(without, NOT_COMPARED)``."""
    record = json.loads(json.dumps(record))
    if neutral is not None:
        record = neutral(record)
    for case_name, key in not_compared:
        if case_name == name:
            record.pop(key, None)
            for group in inside:
                record.get(group, {}).pop(key, None)
    return record


def watch(array):
    """``array`` as a minikeras tensor whose gradient ``grad`` can be asked for (what the
    cases' ``tape.watch`` becomes; torch's leaf tensor in the fixture writers)."""
    return Tensor(np.asarray(array, dtype="float32"), requires_grad=True)


def with_mask(array, mask):
    """``array`` as a minikeras tensor carrying ``mask`` as its ``_keras_mask``."""
    tensor = keras.ops.convert_to_tensor(array)
    tensor._keras_mask = keras.ops.convert_to_tensor(mask)
    return tensor


def mask_of(tensor):
    return getattr(tensor, "_keras_mask", None)


def minikeras_gradient(fn, *arrays):
    """(fn(*arrays), the gradients of its sum for each array) by minikeras's tape; zeros
    where no path reaches an array."""
    xs = [watch(a) for a in arrays]
    value = fn(*xs)
    if not (isinstance(value, Tensor) and value.requires_grad):
        return np.asarray(value), [np.zeros_like(a) for a in arrays]
    return value.data, grad(keras.ops.sum(value), xs, unconnected_gradients="zero")
