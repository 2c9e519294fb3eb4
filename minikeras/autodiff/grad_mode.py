"""Switches for graph recording, and anomaly mode."""
_state = {"enabled": True, "anomaly": False}


def is_grad_enabled():
    return _state["enabled"]


class _Set:
    """Context manager: ``_state[key] = value`` inside the block, the previous value after.
    A plain class: entered once per metric update and per predict batch, it costs a
    fraction of a generator-based context manager."""

    __slots__ = ("key", "value", "previous")

    def __init__(self, key, value):
        self.key, self.value = key, value

    def __enter__(self):
        self.previous = _state[self.key]
        _state[self.key] = self.value

    def __exit__(self, *exc):
        _state[self.key] = self.previous


def no_grad():
    """Context manager: operations inside record no graph (inference, metrics)."""
    return _Set("enabled", False)


def enable_grad():
    """Context manager: turn recording back on inside a ``no_grad`` block."""
    return _Set("enabled", True)


def detect_anomaly():
    """Context manager: raise as soon as any primitive produces NaN or Inf, naming it."""
    return _Set("anomaly", True)
