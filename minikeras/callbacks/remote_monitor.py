"""RemoteMonitor: post each epoch's logs to an HTTP server (with the standard library's
urllib, so no extra dependency)."""
import json
import urllib.error
import urllib.parse
import urllib.request

import numpy as np

from ..arguments import warn_user
from .callback import CALLBACKS, Callback

TIMEOUT_SECONDS = 30  # a server that stops answering does not stall training for longer


@CALLBACKS.register("RemoteMonitor")
class RemoteMonitor(Callback):
    """At each epoch end, HTTP POST ``{"epoch": epoch, **logs}`` to ``root + path``.

    The payload is JSON: the request body itself with ``send_as_json=True``
    (``Content-Type: application/json``), else a form with one field, ``field``, holding it.
    A server that cannot be reached gives a warning, not an error; an HTTP error status
    from a reachable server is ignored, as Keras does.

    Args:
        root: the server's root URL. path: the path under it.
        field: the form field name (form payloads only). headers: extra HTTP headers.
        send_as_json: send the JSON as the body.
    """

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data",
                 headers=None, send_as_json=False):
        super().__init__()
        self.root, self.path, self.field = root, path, field
        self.headers, self.send_as_json = headers, send_as_json

    def on_epoch_end(self, epoch, logs=None):
        send = {"epoch": epoch}
        for key, value in (logs or {}).items():
            send[key] = value.item() if isinstance(value, (np.ndarray, np.generic)) else value
        if self.send_as_json:
            body, kind = json.dumps(send).encode(), "application/json"
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode()
            kind = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.root + self.path, data=body, method="POST",
                                         headers={"Content-Type": kind, **(self.headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS):
                pass
        except urllib.error.HTTPError:
            pass  # the server answered
        except (urllib.error.URLError, OSError, ValueError):
            warn_user(f"Could not reach RemoteMonitor root server at {self.root}")
