"""Fixtures made by real Keras from scripts shared with the tests: load the scripts' module
and the JSON Keras wrote (tests/fixtures/, each with its generator under tools/)."""
import importlib.util
import json
import os

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def load_module(module_name):
    """The module tests/fixtures/<module_name>.py."""
    spec = importlib.util.spec_from_file_location(
        module_name, os.path.join(FIXTURES, f"{module_name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_cases(module_name, json_name):
    """(the module tests/fixtures/<module_name>.py, the parsed tests/fixtures/<json_name>)."""
    with open(os.path.join(FIXTURES, json_name), encoding="utf-8") as f:
        return load_module(module_name), json.load(f)
