"""keras.config: the global numeric settings, under Keras 3's names, and the load size cap."""
import contextlib
import contextvars

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


__all__ = ["backend", "dtype_policy", "enable_unsafe_deserialization", "epsilon", "floatx",
           "image_data_format", "max_load_bytes", "set_dtype_policy", "set_epsilon",
           "set_floatx", "set_image_data_format", "set_max_load_bytes"]
