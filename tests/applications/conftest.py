"""Fixtures shared by the keras.applications tests."""
import functools
import http.server
import threading

import pytest

from minikeras import applications


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


# headless models read by tests beyond test_architectures' check of their layers
SHARED_HEADLESS = ("ResNet50", "EfficientNetV2B0")


@pytest.fixture(scope="session")
def headless():
    """``headless(arch)``: ``applications.<arch>(weights=None, include_top=False)``, built
    once per session for the architectures in SHARED_HEADLESS (they stay in memory; no test
    changes them), anew for the others."""
    kept = {}

    def build(arch):
        if arch not in kept:
            model = getattr(applications, arch)(weights=None, include_top=False)
            if arch not in SHARED_HEADLESS:
                return model
            kept[arch] = model
        return kept[arch]
    return build
