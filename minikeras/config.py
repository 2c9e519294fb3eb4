"""keras.config: the global numeric settings, under Keras 3's names, and the load size cap."""
import contextlib
import contextvars
import functools
import os
import types

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


# ---- flash attention (Keras's three states: None = use when possible, False = never) ----
_FLASH_ATTENTION = [None]


def enable_flash_attention():
    """Let attention layers use flash attention where the device supports it (the default).
    On minikeras's CPU there is no flash kernel, so an attention computes as without it; only
    an explicit ``flash_attention=True`` raises."""
    _FLASH_ATTENTION[0] = None


def disable_flash_attention():
    """Never use flash attention in attention layers."""
    _FLASH_ATTENTION[0] = False


def is_flash_attention_enabled():
    """``None`` when flash attention is enabled (used where possible), ``False`` when disabled:
    the values Keras returns."""
    return _FLASH_ATTENTION[0]


# ---- traceback filtering ------------------------------------------------------------------
_TRACEBACK_FILTERING = [True]
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def enable_traceback_filtering():
    """Hide minikeras's own frames from the tracebacks of errors raised by ``fit``,
    ``evaluate`` and ``predict`` (the default), so a traceback ends in the user's code."""
    _TRACEBACK_FILTERING[0] = True


def disable_traceback_filtering():
    """Show full tracebacks, minikeras's internal frames included (for debugging)."""
    _TRACEBACK_FILTERING[0] = False


def is_traceback_filtering_enabled():
    return _TRACEBACK_FILTERING[0]


def filter_traceback(fn):
    """``fn``, re-raising its errors with minikeras's internal frames removed from the
    traceback while :func:`is_traceback_filtering_enabled` (the outermost frame is kept when
    every frame is internal)."""
    @functools.wraps(fn)
    def filtered(*args, **kwargs):
        if not _TRACEBACK_FILTERING[0]:
            return fn(*args, **kwargs)
        try:
            return fn(*args, **kwargs)
        except Exception as error:
            raise error.with_traceback(_without_internal_frames(error.__traceback__)) from None
    return filtered


def _without_internal_frames(tb):
    """A copy of the traceback ``tb`` keeping only frames outside the minikeras package."""
    frames = []
    while tb is not None:
        frames.append((tb.tb_frame, tb.tb_lasti, tb.tb_lineno))
        tb = tb.tb_next
    kept = [f for f in frames if not f[0].f_code.co_filename.startswith(_PACKAGE_DIR)]
    kept = kept or frames[:1]
    result = None
    for frame, lasti, lineno in reversed(kept):
        result = types.TracebackType(result, frame, lasti, lineno)
    return result


# ---- backends -----------------------------------------------------------------------------
_KERAS_BACKENDS = ("tensorflow", "jax", "torch", "numpy", "openvino")


def is_nnx_enabled():
    """Whether Flax NNX features of Keras's JAX backend are on: always ``False``, as minikeras
    has no JAX backend."""
    return False


def set_backend(backend):
    """Select the backend by name, as Keras's ``keras.config.set_backend``.

    minikeras has one backend, ``"numpy"``: selecting it sets ``KERAS_BACKEND`` and keeps
    every object usable (Keras reloads its package; here nothing changes, so nothing needs
    reloading). Another Keras backend raises ValueError saying it is not available.
    """
    if backend not in _KERAS_BACKENDS:
        raise ValueError(f"Available backends are {_KERAS_BACKENDS}. Received: "
                         f"backend={backend!r}")
    if backend != "numpy":
        raise ValueError(
            f"minikeras computes with numpy only; the {backend!r} backend is not available. "
            f"Use keras.config.set_backend('numpy'), or install Keras with {backend} to "
            "run on it.")
    os.environ["KERAS_BACKEND"] = backend


__all__ = ["backend", "disable_flash_attention", "disable_interactive_logging",
           "disable_traceback_filtering", "dtype_policy", "enable_flash_attention",
           "enable_interactive_logging", "enable_traceback_filtering",
           "enable_unsafe_deserialization", "epsilon", "floatx", "image_data_format",
           "is_flash_attention_enabled", "is_interactive_logging_enabled", "is_nnx_enabled",
           "is_traceback_filtering_enabled", "max_epochs", "max_load_bytes",
           "max_steps_per_epoch", "set_backend", "set_dtype_policy", "set_epsilon",
           "set_floatx", "set_image_data_format", "set_max_epochs", "set_max_load_bytes",
           "set_max_steps_per_epoch"]
