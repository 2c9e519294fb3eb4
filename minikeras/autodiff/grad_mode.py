"""Switches for graph recording, and anomaly mode."""
import contextlib

_state = {"enabled": True, "anomaly": False}


def is_grad_enabled():
    return _state["enabled"]


@contextlib.contextmanager
def _set(key, value):
    previous = _state[key]
    _state[key] = value
    try:
        yield
    finally:
        _state[key] = previous


def no_grad():
    """Context manager: operations inside record no graph (inference, metrics)."""
    return _set("enabled", False)


def enable_grad():
    """Context manager: turn recording back on inside a ``no_grad`` block."""
    return _set("enabled", True)


def detect_anomaly():
    """Context manager: raise as soon as any primitive produces NaN or Inf, naming it."""
    return _set("anomaly", True)
