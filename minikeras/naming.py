"""Keras's automatic names: snake_case of the class name, made unique per process."""
import collections
import re

_counts = collections.Counter()   # auto_name's
_uids = collections.Counter()     # get_uid's (its own count, as in Keras)


def to_snake_case(name):
    """``Dense`` -> ``dense``, ``RMSprop`` -> ``rm_sprop``, ``L1L2`` -> ``l1l2``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub(r"([a-z])([A-Z])", r"\1_\2", name)
    return name.lower()


def auto_name(prefix):
    """``prefix`` the first time, then ``prefix_1``, ``prefix_2``, ..."""
    count = _counts[prefix]
    _counts[prefix] += 1
    return prefix if count == 0 else f"{prefix}_{count}"


def get_uid(prefix=""):
    """``keras.backend.get_uid``: 1, 2, 3, ... per ``prefix``, counted since the last
    ``clear_session``."""
    _uids[prefix] += 1
    return _uids[prefix]


def reset_names():
    """Forget every auto name and uid (``keras.backend.clear_session()``)."""
    _counts.clear()
    _uids.clear()


_SCOPES = []  # the open name_scope entries, outermost first


class name_scope:
    """``with keras.name_scope("block"):`` prefixes the paths of the variables made inside
    (``block/dense/kernel``, ``block/v``). Scopes nest.

    Args:
        name: the scope's name (no "/").
        caller: the object opening it; with ``deduplicate``, entering the scope its caller
            already has open (same name) opens nothing.
        deduplicate: see ``caller``.
        override_parent: a path that replaces every enclosing scope's.
    """

    def __init__(self, name, caller=None, deduplicate=True, override_parent=None):
        if not isinstance(name, str) or "/" in name:
            raise ValueError("Argument `name` must be a string and cannot contain character "
                             f"`/`. Received: name={name!r}")
        self.name, self.caller = name, caller
        self.deduplicate, self.override_parent = deduplicate, override_parent
        self._opened = False

    def __enter__(self):
        top = _SCOPES[-1] if _SCOPES else None
        if not (self.deduplicate and top is not None and self.caller is not None
                and top.caller is self.caller and top.name == self.name):
            _SCOPES.append(self)
            self._opened = True
        return self

    def __exit__(self, *exc_info):
        if self._opened:
            _SCOPES.remove(self)
            self._opened = False


def current_path():
    """The open name scopes' path ("" outside any), e.g. ``"outer/inner"``."""
    parts = []
    for scope in _SCOPES:
        if scope.override_parent is not None:
            parts = [p for p in scope.override_parent.split("/") if p]
        parts.append(scope.name)
    return "/".join(parts)


def scoped(name):
    """``name`` under the open name scopes: ``"outer/name"`` (just ``name`` outside any)."""
    prefix = current_path()
    return f"{prefix}/{name}" if prefix else name
