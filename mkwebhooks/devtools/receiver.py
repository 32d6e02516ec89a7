"""A real HTTP receiver on loopback for the demo and the tests.

It records every request and answers from a script of responses (the last one
repeats), e.g. `Receiver([500, 500, 200])`, `Receiver([(503, {"Retry-After": "2"})])`,
or `Receiver([(200, {}, 30), 200])` to hold the first request open for 30 s.
`echo=True` makes it a careless receiver that quotes each request back (path and headers
in the body, the URL in `Location`), as debug endpoints and error pages do.
"""

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


class Receiver:
    def __init__(self, responses=(204,), host: str = "127.0.0.1", echo: bool = False):
        self.echo = echo
        self.responses = [(*r, 0)[:3] if isinstance(r, tuple) else (r, {}, 0) for r in responses]
        self.requests: list[Received] = []
        self.condition = threading.Condition()
        self.server = ThreadingHTTPServer((host, 0), self.handler_class())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def next_response(self) -> tuple[int, dict, float]:
        with self.condition:
            index = min(len(self.requests), len(self.responses)) - 1
            return self.responses[max(index, 0)]

    def record(self, received: Received) -> None:
        with self.condition:
            self.requests.append(received)
            self.condition.notify_all()

    def wait_for(self, count: int, timeout: float = 30) -> list[Received]:
        """Block until `count` requests arrived; return them (fewer on timeout)."""
        deadline = time.monotonic() + timeout
        with self.condition:
            while len(self.requests) < count and time.monotonic() < deadline:
                self.condition.wait(max(deadline - time.monotonic(), 0.01))
            return list(self.requests)

    def handler_class(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.record(Received(self.path, dict(self.headers), body, time.time()))
                status, headers, hold = receiver.next_response()
                time.sleep(hold)
                payload = b'{"error": "scripted"}' if status >= 300 else b'{"received": true}'
                payload = b"" if status in (204, 304) else payload  # these carry no body
                if receiver.echo:
                    payload = json.dumps({"path": self.path, "headers": dict(self.headers)})
                    payload = payload.encode()
                    headers = {**headers, "Location": f"https://example.com{self.path}"}
                self.send_response(status)
                for name, value in {**headers, "Content-Length": str(len(payload))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format, *args):  # keep test and demo output clean
                pass

        return Handler
