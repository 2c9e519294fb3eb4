"""Fixtures shared by the keras.applications tests."""
import contextlib
import functools
import http.server
import threading

import numpy as np
import pytest

from minikeras import applications
from minikeras.initializers.base import RandomInitializer


@pytest.fixture
def server(tmp_path):
    """An HTTP server on 127.0.0.1 serving ``tmp_path / "site"``; yields (folder, base URL)."""
    site = tmp_path / "site"
    site.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield site, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


class _ZeroGenerator:
    """Stands in for the numpy Generator of every random initializer in tests that check an
    architecture (names, classes, weight shapes, counts), never its weights' values: each
    initializer still runs (shape checks, fans, scaling, truncation, dtype) and asks for the
    same draws, but gets zeros at once instead of ~60M random numbers per large model (most
    of a build's time). The draws themselves are checked in tests/test_initializers.py."""

    @staticmethod
    def _zeros(size, dtype):
        if np.dtype(dtype) not in (np.float32, np.float64):  # as numpy's Generator refuses
            raise TypeError(f"Unsupported dtype {dtype!r} for a random draw")
        return np.zeros(size, dtype)

    def random(self, size=None, dtype=np.float64):
        return self._zeros(size, dtype)

    def standard_normal(self, size=None, dtype=np.float64):
        return self._zeros(size, dtype)


@contextlib.contextmanager
def weights_not_drawn():
    """Within: random initializers draw zeros (``_ZeroGenerator``); for architecture checks."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(RandomInitializer, "_generator", lambda self: _ZeroGenerator())
        yield


@pytest.fixture
def architecture_only():
    """For a test that checks architectures only: its builds draw no random weights."""
    with weights_not_drawn():
        yield


# headless models read by tests beyond test_architectures' check of their layers
SHARED_HEADLESS = ("ResNet50", "EfficientNetV2B0")


@pytest.fixture(scope="session")
def headless():
    """``headless(arch)``: ``applications.<arch>(weights=None, include_top=False)``, built
    once per session for the architectures in SHARED_HEADLESS (they stay in memory; no test
    changes them), anew for the others. Their random weights are zeros
    (``weights_not_drawn``): the tests read their architecture, names and fixed layers."""
    kept = {}

    def build(arch):
        if arch not in kept:
            with weights_not_drawn():
                model = getattr(applications, arch)(weights=None, include_top=False)
            if arch not in SHARED_HEADLESS:
                return model
            kept[arch] = model
        return kept[arch]
    return build
