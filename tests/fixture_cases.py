"""Fixtures made by real Keras from scripts shared with the tests: load the scripts' module
and the JSON Keras wrote (tests/fixtures/, each with its generator under tools/)."""
import importlib.util
import json
import os

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def load_cases(module_name, json_name):
    """(the module tests/fixtures/<module_name>.py, the parsed tests/fixtures/<json_name>)."""
    spec = importlib.util.spec_from_file_location(
        module_name, os.path.join(FIXTURES, f"{module_name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with open(os.path.join(FIXTURES, json_name), encoding="utf-8") as f:
        return module, json.load(f)
