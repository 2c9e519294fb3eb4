"""Tests that need an optional extra skip only when it is absent AND not in CI (CI=true
installs every extra through .ci/run, so there a missing one is a failure)."""
import importlib
import os
import shutil

import pytest


def in_ci():
    return os.environ.get("CI", "").lower() == "true"


def require_module(name, extra):
    """The module, or a skip (outside CI) naming the extra to install."""
    try:
        return importlib.import_module(name)
    except ImportError:
        if in_ci():
            raise
        pytest.skip(f'{name} is not installed (pip install "minikeras[{extra}]")',
                    allow_module_level=True)  # also when a test module asks at import


def require_program(name, how):
    """The program's path, or a skip (outside CI)."""
    path = shutil.which(name)
    if path is None:
        if in_ci():
            pytest.fail(f"`{name}` is not on PATH in CI; {how}")
        pytest.skip(f"`{name}` is not on PATH ({how})")
    return path
