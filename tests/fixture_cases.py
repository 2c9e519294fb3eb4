"""Fixtures made by real Keras from scripts shared with the tests: load the scripts' module
and the JSON Keras wrote (tests/fixtures/, each with its generator under tools/).

Every pytest-xdist worker imports every test module to collect it but runs only some, so
the JSON (up to 5 MB a file) is parsed the first time a test reads it (``LazyRecords``),
not at import."""
import collections.abc
import gc
import importlib.util
import json
import os
import sys

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def load_module(module_name):
    """The module tests/fixtures/<module_name>.py (that folder goes on sys.path, as the
    fixture writers put it, so a cases module imports its siblings by their names)."""
    if FIXTURES not in sys.path:
        sys.path.append(FIXTURES)
    spec = importlib.util.spec_from_file_location(
        module_name, os.path.join(FIXTURES, f"{module_name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_cases(module_name, json_name):
    """(the module tests/fixtures/<module_name>.py, tests/fixtures/<json_name> parsed on
    first use)."""
    return load_module(module_name), LazyRecords(json_name)


class LazyRecords(collections.abc.Mapping):
    """The parsed tests/fixtures/``json_name`` as a read-only mapping, parsed on first use."""

    def __init__(self, json_name):
        self._path = os.path.join(FIXTURES, json_name)
        self._records = None

    def _loaded(self):
        if self._records is None:
            # Without the cyclic collector while parsing: the parse makes up to ~10^5 lists
            # and dicts, and mid-run (the heap full of models) each step of them into the
            # old generation set off full collections: 0.34 s -> 0.12 s for the 5 MB file,
            # ~1 s of the round-20 layer sweep's run. Its state is restored after.
            collecting = gc.isenabled()
            gc.disable()
            try:
                with open(self._path, encoding="utf-8") as f:
                    self._records = json.load(f)
            finally:
                if collecting:
                    gc.enable()
        return self._records

    def __getitem__(self, key):
        return self._loaded()[key]

    def __iter__(self):
        return iter(self._loaded())

    def __len__(self):
        return len(self._loaded())


def load_flat_numbers(npz_name):
    """(case -> {key: array}, case -> Keras's error message) from tests/fixtures/<npz_name>,
    written by tools/flat_numbers.py: a flat ``values`` array described by ``index`` (one
    "<case>|<key>|<shape>" per array, in order) and ``errors`` ("<case>|<message>")."""
    import numpy as np
    arrays = np.load(os.path.join(FIXTURES, npz_name))
    out, offset, values = {}, 0, arrays["values"]
    for entry in arrays["index"]:
        name, key, shape = str(entry).rsplit("|", 2)
        shape = tuple(int(n) for n in shape.split(",") if n)
        size = int(np.prod(shape))
        out.setdefault(name, {})[key] = values[offset:offset + size].reshape(shape)
        offset += size
    assert offset == values.size
    return out, dict(str(e).split("|", 1) for e in arrays["errors"])
