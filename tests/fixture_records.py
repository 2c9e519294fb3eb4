"""Keras's records (tests/fixtures/<name>.json) read on first use, not at import.

Every pytest-xdist worker imports every test module to collect it, but runs only some: a
comparison module's JSON (up to 5 MB) parsed at import was parsed once per worker, and
with ``-n 0`` by any run that only collects. ``LazyRecords`` parses it the first time a test
reads it, once per process."""
import collections.abc
import gc
import json
import os

from tests.fixture_cases import FIXTURES


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
