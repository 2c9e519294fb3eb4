"""keras.config: the global numeric settings, under Keras 3's names, and the load size cap."""
import contextlib
import contextvars
import os

from .arguments import warn_user
from .backend import (backend, epsilon, floatx, image_data_format, set_epsilon, set_floatx,
                      set_image_data_format)
from .dtype_policies import dtype_policy, set_dtype_policy


def enable_unsafe_deserialization():
    """Accepted for Keras compatibility. minikeras never runs code stored in a file (no
    lambdas, no bytecode), so there is nothing unsafe to enable: this changes nothing."""


# Loading a file never allocates more than this many bytes for weights (16 GiB, far above
# real models), whatever sizes its config or datasets declare.
_MAX_LOAD_BYTES = [2 ** 34]
_LOAD_BUDGET = contextvars.ContextVar("minikeras_load_budget", default=None)


def max_load_bytes():
    """The most bytes of weights a load (``load_model``, ``load_weights``) may allocate."""
    return _MAX_LOAD_BYTES[0]


def set_max_load_bytes(n):
    """Set the load size cap (minikeras extension; default 16 GiB)."""
    if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
        raise ValueError(f"`max_load_bytes` must be a positive int. Received: {n!r}")
    _MAX_LOAD_BYTES[0] = n


@contextlib.contextmanager
def load_budget(source):
    """Within this block every variable created is charged against :func:`max_load_bytes`."""
    token = _LOAD_BUDGET.set({"left": max_load_bytes(), "source": str(source)})
    try:
        yield
    finally:
        _LOAD_BUDGET.reset(token)


def charge_load_bytes(nbytes, what):
    """Count ``nbytes`` against the current load's budget; ValueError when it is exceeded."""
    budget = _LOAD_BUDGET.get()
    if budget is None:
        return
    budget["left"] -= nbytes
    if budget["left"] < 0:
        raise ValueError(
            f"Loading {budget['source']}: {what} would take the model's weights past the load "
            f"limit of {max_load_bytes():,} bytes. If the file is trusted, raise the limit with "
            "keras.config.set_max_load_bytes(n).")


_INTERACTIVE_LOGGING = [True]


def enable_interactive_logging():
    """Print progress bars and messages to stdout (the default)."""
    _INTERACTIVE_LOGGING[0] = True


def disable_interactive_logging():
    """Send progress lines and messages to Python's ``logging`` (logger "minikeras", level
    INFO) instead of stdout, e.g. for a service whose output goes to a log."""
    _INTERACTIVE_LOGGING[0] = False


def is_interactive_logging_enabled():
    return _INTERACTIVE_LOGGING[0]


# Debugging caps on every fit (epochs) and every epoch of fit/evaluate/predict (steps), as
# Keras's; also read from KERAS_MAX_EPOCHS / KERAS_MAX_STEPS_PER_EPOCH at import.
_CAPS = {kind: int(os.environ[name]) if name in os.environ else None
         for kind, name in (("epochs", "KERAS_MAX_EPOCHS"),
                            ("steps_per_epoch", "KERAS_MAX_STEPS_PER_EPOCH"))}


def set_max_epochs(max_epochs):
    """Cap the epochs of every ``fit`` at ``max_epochs`` (None: no cap); for debugging."""
    _CAPS["epochs"] = _checked_cap("max_epochs", max_epochs)


def max_epochs():
    return _CAPS["epochs"]


def set_max_steps_per_epoch(max_steps_per_epoch):
    """Cap the steps of every epoch of fit/evaluate/predict (None: no cap); for debugging."""
    _CAPS["steps_per_epoch"] = _checked_cap("max_steps_per_epoch", max_steps_per_epoch)


def max_steps_per_epoch():
    return _CAPS["steps_per_epoch"]


def _checked_cap(name, value):
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValueError(f"`{name}` must be an int or None. Received: {name}={value!r}")
    return value


def capped(kind, requested):
    """``requested`` epochs or steps (None: all) under the debugging cap, warning as Keras
    does ("Limiting epochs to 2") when the cap lowers it."""
    cap = _CAPS[kind]
    if cap and (requested is None or cap < requested):
        warn_user(f"Limiting {kind} to {cap}")
        return cap
    return requested


__all__ = ["backend", "disable_interactive_logging", "dtype_policy",
           "enable_interactive_logging", "enable_unsafe_deserialization", "epsilon", "floatx",
           "image_data_format", "is_interactive_logging_enabled", "max_epochs",
           "max_load_bytes", "max_steps_per_epoch", "set_dtype_policy", "set_epsilon",
           "set_floatx", "set_image_data_format", "set_max_epochs", "set_max_load_bytes",
           "set_max_steps_per_epoch"]
