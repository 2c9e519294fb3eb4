"""Argument checks and user-facing warnings shared by the optimizers.

Every hyperparameter check raises a ValueError that names the argument, the value
received and what would be accepted, so a typo fails when the optimizer is made
instead of as NaN weights an epoch later.
"""
import difflib
import inspect
import math

import numpy as np

from ..arguments import check_number, is_real_number, warn_user


# ---- hyperparameter checks -------------------------------------------------------------
def _describe(value):
    return f"{value!r} ({type(value).__name__})"


def check_float(owner, name, value, low=None, high=None, low_open=False, high_open=False,
                allow_none=False):
    """``value`` as a python float after ``check_number``'s checks (ints are accepted)."""
    value = check_number(owner, name, value, low, high, low_open, high_open, allow_none)
    return None if value is None else float(value)


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
    return ValueError(f"Argument(s) not recognized: {kwargs} ({owner}).{hint}")  # Keras's words first


# ---- Keras 2 spellings ---------------------------------------------------------------------
def default_learning_rate(cls):
    param = inspect.signature(cls.__init__).parameters.get("learning_rate")
    return None if param is None or param.default is param.empty else param.default


def argument_names(cls):
    """Every keyword the optimizer class accepts (its own and its bases')."""
    names = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is not None:
            names.update(inspect.signature(init).parameters)
    return sorted(names - {"self", "args", "kwargs"})


def pop_keras2_arguments(cls, learning_rate, kwargs):
    """Take Keras 2's ``lr=`` (an alias, with a DeprecationWarning) and ``decay=`` (ignored,
    as Keras 3 does) out of ``kwargs``; return the learning rate to use."""
    if "lr" in kwargs:
        lr = kwargs.pop("lr")
        if learning_rate != default_learning_rate(cls) and learning_rate != lr:
            raise ValueError(f"{cls.__name__}: got both `learning_rate={learning_rate}` and its "
                             f"Keras 2 alias `lr={lr}`; pass only `learning_rate`.")
        warn_user("The `lr` argument is deprecated (Keras 2); use `learning_rate=` instead.",
                  DeprecationWarning)
        learning_rate = lr
    decay = kwargs.pop("decay", None)
    if decay is not None and decay != 0:
        warn_user("Argument `decay` is no longer supported and will be ignored. "
                  "For Keras 2's time decay use learning_rate=keras.optimizers.schedules."
                  f"InverseTimeDecay(lr, decay_steps=1, decay_rate={decay}).")
    return learning_rate
