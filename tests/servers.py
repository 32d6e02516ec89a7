"""Misbehaving receivers on loopback, built on raw sockets."""

import contextlib
import socket
import threading
import time


class RawServer:
    """Answers every connection by running `script(conn)` in a thread of its own."""

    def __init__(self, script):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.script = script
        self.connections = 0
        self.thread = threading.Thread(target=self.serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/"

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self.answer, args=(conn,), daemon=True).start()

    def answer(self, conn):
        with conn, contextlib.suppress(OSError):  # the client hung up: expected
            conn.recv(65536)
            self.script(conn)

    def __enter__(self) -> "RawServer":
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.sock.close()


def drip(conn, data: bytes, pause: float = 0.05, limit: float = 6):
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
