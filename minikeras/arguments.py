"""Argument values shared by every family: checked on the way in, written plainly on the way out.

``check_number`` validates a numeric constructor argument with an error that names the
class, the argument and the value received (``is_real_number`` is its type test;
``is_integer`` the one for a count or a size);
``warn_user`` words a warning about an argument at the user's line; ``plain`` turns config
values into plain python (lists, ints, floats) for JSON; ``format_shape`` writes a shape
for a message. This module imports nothing of minikeras, so any module may use it.
"""
import math
import numbers
import os
import sys
import warnings

import numpy as np

_PACKAGE_ROOT = os.path.dirname(os.path.abspath(__file__))


def is_real_number(value):
    """True for ints, floats and numpy real scalars (0-d arrays too), False for bools."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, np.ndarray):
        return value.ndim == 0 and value.dtype.kind in "iuf"
    return isinstance(value, numbers.Real)


def is_integer(value):
    """True for python ints and numpy integer scalars, False for bools."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


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
    if not is_real_number(value) or not math.isfinite(float(value)):
        raise ValueError(
            f"{who}: argument `{name}` must be a finite real number{bounds}"
            f"{' or None' if allow_none else ''}. "
            f"Received: {name}={value!r} ({type(value).__name__}).")
    value = value.item() if isinstance(value, (np.ndarray, np.generic)) else value
    if (low is not None and (value < low or (low_open and value == low))) or (
            high is not None and (value > high or (high_open and value == high))):
        raise ValueError(f"{who}: argument `{name}` must be{bounds}. Received: {name}={value!r}.")
    return int(value) if isinstance(value, numbers.Integral) else float(value)


def warn_user(message, category=UserWarning):
    """``warnings.warn`` attributed to the first frame outside minikeras (the user's line)."""
    level, frame = 2, sys._getframe(1)   # stacklevel 2 is warn_user's caller
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(
            _PACKAGE_ROOT + os.sep):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)


def _bounds_text(low, high, low_open, high_open):
    if low is not None and high is not None:
        return f" in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if low is not None:
        return f" {'>' if low_open else '>='} {low:g}"
    if high is not None:
        return f" {'<' if high_open else '<='} {high:g}"
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


def numpy_config(array):
    """A numpy array as Keras's configs hold one (``serialize_keras_object`` of an array):
    ``{"class_name": "__numpy__", "config": {"value": [...], "dtype": "float32"}}``."""
    return {"class_name": "__numpy__", "config": {"value": array.tolist(),
                                                  "dtype": array.dtype.name}}


def array_of_numpy_config(config):
    """The array a :func:`numpy_config` dict describes."""
    return np.array(config["config"]["value"], dtype=config["config"].get("dtype"))


def format_shape(shape):
    """A shape as python prints a tuple, ``(None, 3)`` or ``(5,)``, for messages."""
    shape = tuple(shape)
    return "(" + ", ".join(str(d) for d in shape) + (",)" if len(shape) == 1 else ")")
