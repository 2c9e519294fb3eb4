"""The guard every load runs under: documented errors only, bounded nesting, bounded size.

A malformed file or config must end in a ``ValueError`` (``UnreadableFileError`` and
``UnsafeFileError`` are ValueErrors) or a ``TypeError`` (a class that cannot be found or
built), with a message naming the file. :func:`guarded_load` turns whatever a library
raises on damaged input (h5py's ``KeyError`` / ``RuntimeError``, ``IndexError``,
``AttributeError``, ``UnicodeDecodeError``, ...) into an ``UnreadableFileError`` that
names the file and keeps the original message, and charges every variable the load
creates against ``keras.config.max_load_bytes()``.

Nested models are rebuilt recursively, so the guard checks the config's nesting depth
first (:data:`MAX_CONFIG_DEPTH` levels of JSON, far beyond a Sequential nested 250 deep)
and gives the load enough Python stack for that depth.
"""
import contextlib
import struct
import sys
import zipfile
import zlib

from ..config import load_budget
from .weights_h5 import UnreadableFileError

MAX_CONFIG_DEPTH = 2000
_STACK_FRAMES = 40000

_LIBRARY_ERRORS = (LookupError, AttributeError, RuntimeError, OSError, EOFError, OverflowError,
                   AssertionError, zipfile.BadZipFile, struct.error, zlib.error)


def config_depth(config):
    """How deep ``config`` nests (dicts and lists), measured without recursion."""
    deepest, stack = 0, [(config, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, (list, tuple)):
            children = value
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_CONFIG_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def check_config_depth(config, source):
    """Refuse a config nested deeper than :data:`MAX_CONFIG_DEPTH` with a clear ValueError."""
    if config_depth(config) > MAX_CONFIG_DEPTH:
        raise UnreadableFileError(
            f"{source!s}: the model config is nested more than {MAX_CONFIG_DEPTH} levels deep; "
            "minikeras refuses it (a real model nests far less).")


@contextlib.contextmanager
def deep_stack():
    """Enough Python stack for saving or loading a model nested as deep as configs may be."""
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, _STACK_FRAMES))
    try:
        yield
    finally:
        sys.setrecursionlimit(old_limit)


@contextlib.contextmanager
def guarded_load(source):
    """Run a load: documented errors naming ``source``, enough stack, the size budget."""
    try:
        with deep_stack(), load_budget(source):
            yield
    except RecursionError:
        raise UnreadableFileError(f"{source!s}: the model is nested too deeply to load.") \
            from None
    except UnicodeError as error:
        raise UnreadableFileError(f"{source!s}: text in the file is not valid UTF-8 ({error}).") \
            from None
    except (ValueError, TypeError, MemoryError, FileNotFoundError):
        raise
    except _LIBRARY_ERRORS as error:
        raise UnreadableFileError(
            f"Cannot load {source!s}: the file or its config is malformed "
            f"({type(error).__name__}: {error}).") from None
