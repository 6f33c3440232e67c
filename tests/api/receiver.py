"""A webhook receiver for the tests (issue 22): an HTTP server on loopback in a thread of its own that
records every POST (path, headers, exact body bytes) and answers as the test says: a status, after
holding the answer until released, or not at all (stopped: connections refused on its port)."""
import http.server
import json
import socket
import threading
import time


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # the answer in one go, not behind a delayed ACK

    def log_message(self, *args):
        pass

    def do_POST(self):
        rcv = self.server.receiver
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        entry = {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body,
                 "at": time.time()}
        with rcv.cv:
            rcv.requests.append(entry)
            status = rcv.answer(entry)
            rcv.cv.notify_all()
        if rcv.delay:  # a slow receiver: the answer after this many seconds (outside the lock)
            time.sleep(rcv.delay)
        hold = rcv.hold
        if hold is not None:
            with rcv.cv:
                rcv.holding += 1
                rcv.cv.notify_all()
            hold.wait(60)
        extra = {}
        if isinstance(status, tuple):  # (status, headers, body)
            status, extra, payload = status
        else:
            payload = b"received" if 200 <= status < 300 else b"receiver says no"
        try:
            self.send_response(status)
            for k, v in extra.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            pass


class Receiver:
    """answer(entry) -> status, or (status, headers, body), decides each answer (default: 200 for
    every request).  tls: an ssl.SSLContext to serve https with."""

    def __init__(self, tls=None):
        self.tls = tls
        self.requests = []
        self.cv = threading.Condition()
        self.status = 200
        self.answer = lambda entry: self.status
        self.hold = None  # a threading.Event: answers wait until it is set
        self.delay = 0  # seconds every answer is held back
        self.holding = 0
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.httpd = None
        self.start()

    def url(self, path="/hook"):
        return "%s://127.0.0.1:%d%s" % ("https" if self.tls else "http", self.port, path)

    def start(self):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), _Handler)
        if self.tls:
            self.httpd.socket = self.tls.wrap_socket(self.httpd.socket, server_side=True)
        self.httpd.daemon_threads = True
        self.httpd.receiver = self
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        """Closes the listening socket: connections are refused until start()."""
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def events(self, path=None):
        with self.cv:
            return [json.loads(r["body"]) for r in self.requests if path is None or r["path"] == path]

    def wait_for(self, pred, timeout=15.0, what="requests"):
        """Waits until pred(self.requests) is true; returns the requests then."""
        deadline = time.time() + timeout
        with self.cv:
            while not pred(self.requests):
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError("receiver: %s did not arrive in %.0f s; got %d: %r" % (
                        what, timeout, len(self.requests), [r["body"][:120] for r in self.requests[-5:]]))
                self.cv.wait(left)
            return list(self.requests)

    def wait_count(self, n, timeout=15.0, path=None):
        return self.wait_for(lambda rs: len([r for r in rs if path is None or r["path"] == path]) >= n, timeout,
                             "%d requests" % n)

    def close(self):
        if self.hold is not None:
            self.hold.set()
        self.stop()
