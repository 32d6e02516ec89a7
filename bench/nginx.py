"""A private nginx on loopback that answers 204 to every request: the fastest receiver we have."""

import http.client
import signal
import subprocess
import time
from pathlib import Path

NGINX = "/usr/sbin/nginx"
CONFIG = """
daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    # One kept-alive connection per sender for the whole run.
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    server {{
        listen 127.0.0.1:{port};
        # A 204 from `return` makes nginx read and discard the request body.
        location / {{ return 204; }}
    }}
}}
"""


class Nginx:
    def __init__(self, workdir: Path, port: int):
        self.dir, self.port = workdir / "nginx", port
        self.url = f"http://127.0.0.1:{port}/hook"
        self.process = None

    def __enter__(self) -> "Nginx":
        self.dir.mkdir(parents=True, exist_ok=True)
        config = self.dir / "nginx.conf"
        config.write_text(CONFIG.format(dir=self.dir, port=self.port))
        log = open(self.dir / "stderr.log", "wb")  # noqa: SIM115 (lives as long as nginx)
        command = [NGINX, "-p", str(self.dir), "-c", str(config), "-e", str(self.dir / "error.log")]
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            self.wait_ready()
            self.check_keepalive()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # nginx's fast shutdown
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def wait_ready(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (self.dir / "error.log").read_text(errors="replace")
                raise RuntimeError(f"nginx exited with {self.process.returncode}: {log}")
            try:
                http.client.HTTPConnection("127.0.0.1", self.port, timeout=1).connect()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nginx did not listen on port {self.port} within {timeout} s")

    def check_keepalive(self) -> None:
        """POSTs with a body must get 204 and leave the connection open for the next one."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            first_socket = None
            for _ in range(3):
                connection.request("POST", "/hook", body=b"{" + b"x" * 2000 + b"}")
                response = connection.getresponse()
                response.read()
                if response.status != 204 or response.will_close:
                    raise RuntimeError(
                        f"nginx answered {response.status}, close={response.will_close}"
                    )
                first_socket = first_socket or connection.sock
                if connection.sock is not first_socket:
                    raise RuntimeError("nginx did not keep the connection alive")
        finally:
            connection.close()
