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
