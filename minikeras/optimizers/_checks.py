"""Argument checks, automatic names and user-facing warnings shared by the optimizers.

Every hyperparameter check raises a ValueError that names the argument, the value
received and what would be accepted, so a typo fails when the optimizer is made
instead of as NaN weights an epoch later.
"""
import difflib
import math
import numbers
import os
import re
import sys
import warnings

import numpy as np

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


# ---- automatic names ----------------------------------------------------------------
_NAME_COUNTS = {}


def to_snake_case(name):
    """Keras's rule: ``RMSprop`` -> ``rm_sprop``, ``AdamW`` -> ``adam_w``, ``SGD`` -> ``sgd``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub(r"([a-z])([A-Z])", r"\1_\2", name)
    return name.lower()


def auto_name(class_name):
    """``adam`` for the first Adam made in this process, then ``adam_1``, ``adam_2``, ..."""
    base = to_snake_case(class_name)
    count = _NAME_COUNTS.get(base, 0)
    _NAME_COUNTS[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def reset_name_counters():
    """Forget the names handed out so far (what ``keras.backend.clear_session()`` does)."""
    _NAME_COUNTS.clear()


# ---- warnings that point at the user's line --------------------------------------------
def warn_user(message, category=UserWarning):
    """``warnings.warn`` with the location set to the first caller outside this package."""
    level = 1
    frame = sys._getframe(1)
    while frame is not None and os.path.dirname(
            os.path.abspath(frame.f_code.co_filename)) == _PACKAGE_DIR:
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)


# ---- hyperparameter checks -------------------------------------------------------------
def _describe(value):
    return f"{value!r} ({type(value).__name__})"


def is_real_number(value):
    """True for ints, floats and numpy real scalars (0-d arrays too), False for bools."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, np.ndarray):
        return value.ndim == 0 and value.dtype.kind in "iuf"
    return isinstance(value, numbers.Real)


def check_float(owner, name, value, low=None, high=None, low_open=False, high_open=False,
                allow_none=False):
    """Return ``value`` as a python float after checking its type and range.

    Ints and numpy scalars are accepted (they are unambiguous); bools, strings,
    None (unless ``allow_none``), NaN and infinities are rejected.
    """
    if value is None and allow_none:
        return None
    if not is_real_number(value) or not math.isfinite(float(value)):
        raise ValueError(
            f"{owner}: argument `{name}` must be a finite real number{_range_text(low, high, low_open, high_open)}"
            f"{' or None' if allow_none else ''}. Received: {name}={_describe(value)}.")
    value = float(value)
    if (low is not None and (value < low or (low_open and value == low))) or (
            high is not None and (value > high or (high_open and value == high))):
        raise ValueError(
            f"{owner}: argument `{name}` must be{_range_text(low, high, low_open, high_open)}. "
            f"Received: {name}={value!r}.")
    return value


def _range_text(low, high, low_open, high_open):
    if low is not None and high is not None:
        return f" in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if low is not None:
        return f" {'>' if low_open else '>='} {low:g}"
    if high is not None:
        return f" {'<' if high_open else '<='} {high:g}"
    return ""


def check_int(owner, name, value, low=None, allow_none=False):
    """Return ``value`` as a python int (integral floats such as 2.0 are accepted)."""
    if value is None and allow_none:
        return None
    ok = is_real_number(value) and math.isfinite(float(value)) and float(value) == int(value)
    if not ok or (low is not None and int(value) < low):
        bound = f" >= {low}" if low is not None else ""
        raise ValueError(
            f"{owner}: argument `{name}` must be an integer{bound}"
            f"{' or None' if allow_none else ''}. Received: {name}={_describe(value)}.")
    return int(value)


def check_bool(owner, name, value):
    """Return ``value`` as a bool; accepts bools, numpy bools and the ints 0 and 1."""
    if isinstance(value, (bool, np.bool_)) or (is_real_number(value) and value in (0, 1)):
        return bool(value)
    raise ValueError(f"{owner}: argument `{name}` must be True or False. "
                     f"Received: {name}={_describe(value)}.")


def unknown_arguments_error(owner, kwargs, known):
    """The ValueError for keyword arguments no optimizer takes, with close names."""
    hints = []
    for key in kwargs:
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        if close:
            hints.append(f"`{key}` -> `{close[0]}`")
    hint = f" Did you mean: {', '.join(hints)}?" if hints else ""
    return ValueError(f"{owner}: argument(s) not recognized: {kwargs}.{hint}")
