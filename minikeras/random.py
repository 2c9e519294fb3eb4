"""Seeding: one global generator, and child generators drawn from it.

``set_random_seed(n)`` makes everything that draws randomness (initializers,
dropout, shuffling) repeatable bit for bit.
"""
import random as _py_random

import numpy as np

_state = {"generator": np.random.default_rng()}


def set_random_seed(seed):
    """Seed Python's ``random``, numpy's legacy global RNG and minikeras's generator."""
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise ValueError(
            f"Expected `seed` argument to be an integer. Received: seed={seed!r} "
            f"(of type {type(seed).__name__})")
    seed = int(seed)
    _py_random.seed(seed)
    np.random.seed(seed % 2**32)
    _state["generator"] = np.random.default_rng(seed)


def global_generator():
    """Return the process-wide generator (reset by :func:`set_random_seed`)."""
    return _state["generator"]


def make_generator(seed=None):
    """Return a generator: seeded from ``seed`` when given, else a child of the global one."""
    if seed is None:
        return np.random.default_rng(global_generator().integers(0, 2**63 - 1))
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(int(seed))


def draw_seed():
    """Draw a fresh integer seed from the global generator."""
    return int(global_generator().integers(0, 2**31 - 1))
