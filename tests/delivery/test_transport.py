"""The transport against misbehaving receivers on loopback (raw sockets)."""

import contextlib
import socket
import threading
import time

import pytest

from delivery import transport

DEADLINE = 1.0


class RawServer:
    """Accepts connections and runs `script(conn)` for each, for at most a few seconds."""

    def __init__(self, script):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.script = script
        self.thread = threading.Thread(target=self.serve, daemon=True)

    def serve(self):
        self.sock.settimeout(5)
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        with conn:
            conn.recv(65536)
            with contextlib.suppress(OSError):  # the client hung up: expected
                self.script(conn)

    def __enter__(self):
        self.thread.start()
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/"

    def __exit__(self, *exc):
        self.sock.close()


def drip(conn, data: bytes, pause: float = 0.05, limit: float = 4):
    end = time.monotonic() + limit
    for byte in data:
        if time.monotonic() > end:
            return
        conn.sendall(bytes([byte]))
        time.sleep(pause)


def slow_headers(conn):
    drip(conn, b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 1000)


def endless_body(conn):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
    drip(conn, b"x" * 1000)


def huge_body(conn):
    conn.sendall(b"HTTP/1.1 500 Oops\r\nContent-Length: 1000000\r\n\r\n" + b"y" * 1_000_000)


def post(url: str) -> transport.Result:
    return transport.post(
        url, headers={}, body=b"{}", connect_timeout=1, total_timeout=DEADLINE, max_bytes=20_000
    )


@pytest.mark.parametrize("script", [slow_headers, endless_body], ids=["headers", "body"])
def test_dripping_receiver_is_cut_off_at_the_deadline(script):
    started = time.monotonic()
    with RawServer(script) as url:
        result = post(url)
    assert time.monotonic() - started < DEADLINE + 0.5
    assert result.error_class == "timeout" and not result.ok


def test_only_the_first_20000_bytes_are_read():
    with RawServer(huge_body) as url:
        result = post(url)
    assert result.status == 500 and len(result.body) == 20_000
