"""Start the product's own processes (web server, qcluster) as children, for demo, run and tests."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from django.conf import settings

MANAGE = str(Path(settings.BASE_DIR) / "manage.py")
# Loopback targets over plain HTTP: what a local receiver needs (never for production).
LOCAL_TARGETS_ENV = {
    "MKWEBHOOKS_ALLOW_HTTP": "1",
    "MKWEBHOOKS_ALLOWED_TARGET_NETWORKS": "127.0.0.0/8",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1", **LOCAL_TARGETS_ENV, **(extra or {})}


def start(args: list[str], env: dict[str, str], log: Path | None = None) -> subprocess.Popen:
    """Run `python <args>` (manage.py or a module) in its own process group."""
    output = open(log, "ab") if log else None  # noqa: SIM115 (closed with the process)
    return subprocess.Popen(
        [sys.executable, *args],
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT if output else None,
        start_new_session=True,
    )


def start_qcluster(env: dict[str, str], log: Path | None = None) -> subprocess.Popen:
    return start([MANAGE, "qcluster"], env, log)


def start_web(port: int, env: dict[str, str], log: Path | None = None) -> subprocess.Popen:
    process = start([MANAGE, "runserver", f"127.0.0.1:{port}", "--noreload"], env, log)
    wait_http(f"http://127.0.0.1:{port}/healthz", process)
    return process


def start_gunicorn(
    port: int, env: dict[str, str], log: Path | None = None, workers: int = 2
) -> subprocess.Popen:
    """The production web server, as docs/DEPLOY.md runs it."""
    args = ["-m", "gunicorn", "mkwebhooks.wsgi", "--chdir", str(settings.BASE_DIR),
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", "4"]  # fmt: skip
    process = start(args, env, log)
    wait_http(f"http://127.0.0.1:{port}/healthz", process)
    return process


def wait_http(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{' '.join(process.args[1:])} exited with {process.returncode}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def wait_for_cluster(log: Path, process: subprocess.Popen, timeout: float = 30) -> None:
    """Wait until a qcluster started with `log` says it is running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists() and "running" in log.read_text(errors="replace"):
            return
        if process.poll() is not None:
            raise RuntimeError(f"qcluster exited: {log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.1)
    raise RuntimeError(f"qcluster did not start: {log.read_text(errors='replace')[-2000:]}")


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    """Stop a child and everything it started (qcluster forks workers)."""
    if process.poll() is not None:
        return
    # A qcluster gets SIGINT in all its processes, as Ctrl-C in a terminal would send it:
    # the cluster stops, and a worker in the sweeper's loop ends it at once (other workers
    # ignore SIGINT and finish their task). runserver may have inherited an ignored SIGINT
    # (children of background shells do), so it gets SIGTERM.
    if "qcluster" in process.args:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout)
    with contextlib.suppress(ProcessLookupError):  # what is left of the group, if anything
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
