"""RemoteMonitor posts {"epoch": e, **logs} per epoch to a local HTTP server (payload rules
from Keras 3.15's documentation: a form field holding the JSON, or the JSON as the body)."""
import http.server
import json
import socket
import threading
import urllib.parse

import numpy as np
import pytest

import minikeras as keras


@pytest.fixture
def server():
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            received.append((self.path, self.headers["Content-Type"],
                             self.headers.get("X-Token"), body))
            self.send_response(404 if self.path == "/missing" else 200)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", received
    httpd.shutdown()


def fitted(callback, epochs=2):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    return model.fit(np.ones((4, 3), "float32"), np.ones((4, 1), "float32"), epochs=epochs,
                     verbose=0, callbacks=[callback])


def test_form_payload_per_epoch(server):
    root, received = server
    history = fitted(keras.callbacks.RemoteMonitor(root=root, headers={"X-Token": "t"}))
    assert [r[0] for r in received] == ["/publish/epoch/end/"] * 2
    assert received[0][1] == "application/x-www-form-urlencoded" and received[0][2] == "t"
    sent = [json.loads(urllib.parse.parse_qs(r[3])["data"][0]) for r in received]
    assert [s["epoch"] for s in sent] == [0, 1]
    assert [s["loss"] for s in sent] == pytest.approx(history.history["loss"])


def test_json_payload_and_an_error_status_is_ignored(server, recwarn):
    root, received = server
    fitted(keras.callbacks.RemoteMonitor(root=root, path="/missing", send_as_json=True), 1)
    assert received[0][1] == "application/json" and json.loads(received[0][3])["epoch"] == 0
    assert not [w for w in recwarn if "RemoteMonitor" in str(w.message)]


def test_an_unreachable_server_warns():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nothing listens there
    root = f"http://127.0.0.1:{port}"
    with pytest.warns(UserWarning, match=f"Could not reach RemoteMonitor root server at {root}"):
        fitted(keras.callbacks.RemoteMonitor(root=root), 1)
