"""Every ```python block in README.md and docs/*.md runs (each file's blocks in order, one namespace)."""
import pathlib
import re

import pytest

from minikeras.registry import CUSTOM_OBJECTS
from tests.optional_extras import require_module, require_program

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
# A page whose examples need optional extras says so: <!-- extras: tensorboard plot -->
EXTRAS = re.compile(r"^<!-- extras: (.*?) -->$", re.M)
# The module that proves each extra is installed.
EXTRA_MODULES = {"tensorboard": "tensorboard", "plot": "pydot", "examples": "matplotlib",
                 "images": "PIL", "sklearn": "sklearn"}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_code_blocks_run(page, tmp_path, monkeypatch):
    text = page.read_text(encoding="utf-8")
    for extras in EXTRAS.findall(text):
        for extra in extras.split():
            require_module(EXTRA_MODULES[extra], extra)
            if extra == "plot":  # pydot draws through Graphviz's `dot` program
                require_program("dot", "install Graphviz: apt-get install graphviz")
    blocks = BLOCK.findall(text)
    monkeypatch.chdir(tmp_path)
    # the pages register their example classes ("Scale"): not for the tests that run after
    monkeypatch.setattr(CUSTOM_OBJECTS, "_entries", dict(CUSTOM_OBJECTS._entries))
    namespace = {"__name__": "__docs__"}
    for block in blocks:
        exec(compile(block, str(page), "exec"), namespace)  # noqa: S102 - our own docs
