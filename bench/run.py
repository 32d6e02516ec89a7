"""Benchmark the delivery engine: `make bench`, or `.venv/bin/python bench/run.py [--quick]`.

This process only orchestrates. Settings are read from the environment when Django starts,
so each part runs as a child process (`python -m bench.<part>`) with the environment of its
configuration, prints progress lines and, on its last line, its figures as JSON. Nothing here
touches the test databases: a SQLite file in a temporary directory, the PostgreSQL database
mkwebhooks_bench (dropped and created), Redis DB 14 (flushed) and a queue name of our own.
A part that crashes is reported and makes the run exit 1; a missed target does not.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: make the `bench` package importable
from bench.nginx import Nginx  # noqa: E402
from bench.report import machine_load, print_table  # noqa: E402

PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_DATABASE = "mkwebhooks_bench"
REDIS_URL = "redis://127.0.0.1:6379/14"  # the test suite uses DB 15
# The suite's test-only keys: never use them for anything real.
KEYS_ENV = {
    "DJANGO_SECRET_KEY": "test-only-secret-key-not-for-production",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "MKWEBHOOKS_ENCRYPTION_KEYS": "yDSI4yrCk2xkrKTpwYgHRhRbb12dLmRhuZ0XKI7LLY0=",
}


@dataclass(frozen=True)
class Scale:
    requests: int
    transitions: int
    latency_seconds: float
    rules: int
    wait_sweeper: bool  # steady state: the sweeper already holds its worker slot


FULL = Scale(requests=5000, transitions=5000, latency_seconds=30, rules=1000, wait_sweeper=True)
QUICK = Scale(requests=1000, transitions=300, latency_seconds=5, rules=100, wait_sweeper=False)


@dataclass(frozen=True)
class Part:
    key: str
    title: str
    config: str  # "sqlite" or "pg"
    module: str
    args: list


def say(text: str) -> None:
    print(text, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environments(workdir: Path) -> dict[str, dict[str, str]]:
    common = {
        **os.environ,
        **KEYS_ENV,
        "PYTHONUNBUFFERED": "1",
        "BENCH_LOGDIR": str(workdir),
        # Production mode (DEBUG on would also record every query in memory).
        "DJANGO_DEBUG": "0",
        "MKWEBHOOKS_ALLOW_HTTP": "1",
        "MKWEBHOOKS_ALLOWED_TARGET_NETWORKS": "127.0.0.0/8",
        "MKWEBHOOKS_QUEUE_NAME": f"mkwebhooks-bench-{os.getpid()}",
    }
    return {
        "sqlite": {
            **common,
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "MKWEBHOOKS_BROKER_URL": "",
        },
        "pg": {
            **common,
            "DATABASE_URL": f"{PG_SERVER}/{PG_DATABASE}",
            "MKWEBHOOKS_BROKER_URL": REDIS_URL,
        },
    }


def prepare(envs: dict[str, dict[str, str]]) -> None:
    """Fresh PostgreSQL database and Redis DB; migrate both configurations."""
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {PG_DATABASE}")
    redis.Redis.from_url(REDIS_URL).flushdb()
    for name, env in envs.items():
        say(f"== migrate {name}")
        command = [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"]
        subprocess.run(command, env=env, cwd=ROOT, check=True)


def parts(scale: Scale, url: str) -> list[Part]:
    sweeper = ["--wait-sweeper"] if scale.wait_sweeper else []
    target = ["--url", url]
    deliveries = [*target, "--transitions", str(scale.transitions), "--rules", "2", *sweeper]
    latency = ["--seconds", str(scale.latency_seconds), "--rate", "50", "--clusters", "2"]
    return [
        Part("1", "baseline L", "sqlite", "baseline", [*target, "--requests", str(scale.requests)]),
        Part("2a", "throughput, SQLite + ORM broker", "sqlite", "throughput",
             [*deliveries, "--label", "2a", "--clusters", "1"]),
        Part("2b", "throughput, PostgreSQL + Redis", "pg", "throughput",
             [*deliveries, "--label", "2b", "--clusters", "2"]),
        Part("3", "latency, PostgreSQL + Redis", "pg", "latency", [*latency, *sweeper]),
        Part("4", "fan-out, PostgreSQL + Redis", "pg", "fanout",
             [*target, "--rules", str(scale.rules), "--clusters", "2", *sweeper]),
    ]  # fmt: skip


def PROFILE(url: str) -> Part:  # noqa: N802 (a Part, like those of parts())
    return Part("P", "where the CPU goes (pyinstrument)", "pg", "profile", ["--url", url])


def run_child(part: Part, env: dict[str, str], workdir: Path) -> dict:
    """Run one part; echo its progress lines; return the JSON of its last line.

    Its stderr (Django's and django-q2's log) goes to a file: the driver logs what a web
    process would log, without flooding the terminal.
    """
    command = [sys.executable, "-m", f"bench.{part.module}", *part.args]
    stderr = workdir / f"part-{part.key}.stderr.log"
    # Its own session: a Ctrl-C reaches only us, and we pass exactly one SIGINT on, so the
    # child's clean-up (stopping its qclusters) is not itself interrupted.
    with open(stderr, "wb") as log:
        child = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True,
            start_new_session=True,
        )  # fmt: skip
    last = ""
    try:
        for line in child.stdout:
            last = line.strip()
            if not last.startswith("{"):
                say(f"   {last}")
        child.wait()
    except BaseException:
        child.send_signal(signal.SIGINT)  # its finally blocks stop its qclusters
        child.wait(60)
        raise
    if child.returncode != 0 or not last.startswith("{"):
        tail = stderr.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"part {part.key} exited with {child.returncode}:\n{tail}")
    return json.loads(last)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a much smaller smoke run")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--only", help="run only these parts, e.g. 1,2b")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile the transitions and "
        "the deliver task with pyinstrument instead (PostgreSQL + Redis)",
    )
    args = parser.parse_args()
    scale = QUICK if args.quick else FULL
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # clean up as on Ctrl-C
    workdir = Path(tempfile.mkdtemp(prefix="mkwebhooks-bench-"))
    say(f"== {scale}; logs in {workdir}; {machine_load()}")
    results, loads, crashed = {}, {}, []
    try:
        envs = environments(workdir)
        prepare(envs)
        with Nginx(workdir, free_port()) as nginx:
            say(f"== nginx on {nginx.url}: 204 to POSTs with a body, keep-alive checked")
            chosen = [PROFILE(nginx.url)] if args.profile else parts(scale, nginx.url)
            for part in chosen:
                if args.only and part.key not in args.only.split(","):
                    continue
                loads[part.key] = machine_load()
                say(f"== part {part.key}: {part.title} ({loads[part.key]})")
                if part.config == "pg":
                    redis.Redis.from_url(REDIS_URL).flushdb()  # no tasks left from a part before
                try:
                    results[part.key] = run_child(part, envs[part.config], workdir)
                except (RuntimeError, subprocess.TimeoutExpired) as exc:
                    say(f"!! part {part.key} crashed: {exc}")
                    crashed.append(part.key)
        loads["end"] = machine_load()
        if not args.profile:
            print_table(results, crashed, scale, loads)
    finally:
        if crashed or args.keep:
            say(f"logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if crashed:
        say(f"!! crashed: {', '.join(crashed)}")
    return 1 if crashed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # every part has stopped its processes by now
        say("!! interrupted")
        sys.exit(130)
