"""A small HTTP server on 127.0.0.1 for download tests; never the internet.

``serve(files)`` starts it in a daemon thread and stops it on exit of the ``with``;
``files`` maps a URL path ("/a.npz") to its bytes. ``truncate`` lists paths whose
response announces the full length but closes after half of it (an interrupted
download). Every request is logged in ``server.requests``.
"""
import contextlib
import http.server
import threading

REQUEST_TIMEOUT = 5  # seconds; a stuck client never holds the test


class _Handler(http.server.BaseHTTPRequestHandler):
    timeout = REQUEST_TIMEOUT

    def do_GET(self):
        server = self.server
        server.requests.append(self.path)
        body = server.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.path in server.truncate:
            self.wfile.write(body[:len(body) // 2])
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(files, truncate=()):
    """Serve ``files`` on 127.0.0.1; yields the server (``.url(path)``, ``.requests``)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.files, server.truncate, server.requests = dict(files), set(truncate), []
    server.daemon_threads = True
    host, port = server.server_address
    server.url = lambda path: f"http://{host}:{port}{path}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=REQUEST_TIMEOUT)
