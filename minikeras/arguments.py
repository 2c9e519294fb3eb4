"""Argument values shared by every family: checked on the way in, written plainly on the way out.

``check_number`` validates a numeric constructor argument with an error that names the
class, the argument and the value received; ``plain`` turns config values into plain
python (lists, ints, floats) for JSON; ``format_shape`` writes a shape for a message.
This module imports nothing of minikeras, so any module may use it.
"""
import math
import numbers

import numpy as np


def check_number(who, name, value, low=None, high=None, low_open=False, high_open=False,
                 allow_none=False):
    """``value`` as a plain python number (ints stay ints) after checking it.

    It must be a finite real number (bools, strings, NaN and infinities are refused),
    ``>= low`` (``> low`` with ``low_open``) and ``<= high`` (``< high`` with
    ``high_open``) where those are given; None passes only with ``allow_none``.
    """
    if value is None and allow_none:
        return None
    bounds = _bounds_text(low, high, low_open, high_open)
    if (isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real)
            or not math.isfinite(float(value))):
        raise ValueError(
            f"{who}: argument `{name}` must be a finite number{bounds}"
            f"{' or None' if allow_none else ''}. Received: {name}={value!r}")
    if (low is not None and (value < low or (low_open and value == low))) or (
            high is not None and (value > high or (high_open and value == high))):
        raise ValueError(f"{who}: argument `{name}` must be{bounds}. Received: {name}={value!r}")
    return int(value) if isinstance(value, numbers.Integral) else float(value)


def _bounds_text(low, high, low_open, high_open):
    if low is not None and high is not None:
        return f" in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if low is not None:
        return f" {'>' if low_open else '>='} {low}"
    if high is not None:
        return f" {'<' if high_open else '<='} {high}"
    return ""


def plain(value):
    """A config value as plain python: tuples become lists (JSON has only lists), dicts are
    walked, numpy arrays and scalars become lists and python numbers."""
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (np.ndarray, np.generic)):
        return value.tolist()
    return value


def format_shape(shape):
    """A shape as python prints a tuple, ``(None, 3)`` or ``(5,)``, for messages."""
    shape = tuple(shape)
    return "(" + ", ".join(str(d) for d in shape) + (",)" if len(shape) == 1 else ")")
