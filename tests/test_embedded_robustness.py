"""The embedded default under a small team's load, and secrets at rest."""

import os
import shutil
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from django.db import connection
from rest_framework.authtoken.models import Token

from delivery.models import Delivery
from mkwebhooks.projects.models import Membership, Role
from tests.conftest import make_user, rule_spec
from tests.delivery.test_end_to_end import wait_until

pytestmark = pytest.mark.cluster
THREADS, JOBS_PER_THREAD = 6, 8


def api_session(live_server, project) -> requests.Session:
    user = make_user("loader")
    Membership.objects.create(project=project, user=user, role=Role.EDITOR)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {Token.objects.create(user=user).key}"
    session.base = f"{live_server.url}/api/v1/projects/{project.name}"
    return session


def drive_jobs(session: requests.Session, worker: int, statuses: list[int]) -> None:
    jobs = f"{session.base}/media/transforms/encode/jobs"
    for index in range(JOBS_PER_THREAD):
        job = f"{jobs}/w{worker}-{index}"
        statuses.append(session.put(job, json={"properties": {}}, timeout=60).status_code)
        for state in ("Processing", "Finished"):
            body = {"properties": {"state": state}}
            statuses.append(session.patch(job, json=body, timeout=60).status_code)


def test_concurrent_api_writes_beside_a_cluster_never_lock(live_server, cluster, project, receiver):
    session = api_session(live_server, project)
    session.put(f"{session.base}/webhook/rules/all", json=rule_spec(receiver.url), timeout=30)
    session.put(f"{session.base}/media/transforms/encode", json={}, timeout=30)
    statuses: list[int] = []
    threads = [
        threading.Thread(target=drive_jobs, args=(session, n, statuses)) for n in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = THREADS * JOBS_PER_THREAD * 2
    wait_until(lambda: Delivery.objects.filter(status="Sent").count() == expected, timeout=90)
    assert sorted(set(statuses)) == [200, 201]
    assert len(statuses) == THREADS * JOBS_PER_THREAD * 3
    assert "database is locked" not in cluster.read_text()
    assert len(receiver.requests) == expected


def test_concurrent_puts_of_a_new_rule_all_succeed(live_server, project):
    session = api_session(live_server, project)
    url, start = f"{session.base}/webhook/rules/raced", threading.Barrier(8)

    def put() -> int:
        start.wait()
        spec = rule_spec("https://hooks.example.com/")
        return session.put(url, json=spec, timeout=30).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(lambda _: put(), range(8)))
    assert statuses == [200] * 7 + [201]


SECRET_VALUES = ["Bearer s3cr3t-header-value", "s3cr3t-header-value", "s3cr3t-query-value"]


def database_bytes() -> bytes:
    settings = connection.settings_dict
    if settings["ENGINE"].endswith("sqlite3"):
        # Read by another process: a close() of any descriptor of the database file in this
        # process would cancel SQLite's POSIX locks on it (SQLite's "how to corrupt" §2.2).
        files = [str(f) for f in (Path(settings["NAME"]), Path(f"{settings['NAME']}-wal"))]
        return subprocess.run(["cat", *filter(os.path.exists, files)], check=True,
                              capture_output=True).stdout  # fmt: skip
    if not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    url = (
        f"postgresql://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    )
    return subprocess.run(["pg_dump", url], check=True, capture_output=True).stdout


def test_database_holds_no_secret_in_plain_text(cluster, editor, receiver):
    editor.put("/api/v1/projects/studio/webhook/rules/r", rule_spec(receiver.url), format="json")
    editor.put("/api/v1/projects/studio/media/transforms/t", {}, format="json")
    editor.put("/api/v1/projects/studio/media/transforms/t/jobs/j", {}, format="json")
    job = "/api/v1/projects/studio/transforms/t/jobs/j"
    editor.patch(job, {"properties": {"state": "Processing"}}, format="json")
    wait_until(lambda: Delivery.objects.filter(status="Sent").exists())
    assert receiver.requests[0].headers["Authorization"] == SECRET_VALUES[0]
    dump = database_bytes()
    assert b"encodes" in dump or b"process" in dump  # the dump holds the rule itself
    for value in SECRET_VALUES:
        assert value.encode() not in dump
