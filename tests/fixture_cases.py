"""Fixtures made by real Keras from scripts shared with the tests: load the scripts' module
and the JSON Keras wrote (tests/fixtures/, each with its generator under tools/)."""
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
    """(the module tests/fixtures/<module_name>.py, the parsed tests/fixtures/<json_name>)."""
    with open(os.path.join(FIXTURES, json_name), encoding="utf-8") as f:
        return load_module(module_name), json.load(f)


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
