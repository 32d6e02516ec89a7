"""Scale-out: two gunicorn web servers and two qclusters on PostgreSQL + Redis, nothing lost."""

import json
import time
from concurrent.futures import ThreadPoolExecutor
from itertools import cycle

import pytest
import redis
import requests
from django.conf import settings
from rest_framework.authtoken.models import Token

from delivery.models import Delivery
from mkwebhooks.devtools import processes
from mkwebhooks.projects.models import Membership, Project, Role
from tests.conftest import database_url, encryption_keys, make_user, rule_spec

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.skipif(
        settings.EMBEDDED or not settings.BROKER_URL,
        reason="scale-out runs on PostgreSQL + Redis (the second make test configuration)",
    ),
]
JOBS = 250  # two transitions each: 500 events, one delivery each


@pytest.fixture
def start_web_servers(transactional_db, tmp_path):
    """Return a starter of two gunicorn servers on the test database; stops them after."""
    running = []

    def start(**extra_env) -> list[str]:
        env = processes.child_env(
            {
                "DATABASE_URL": database_url(),
                "MKWEBHOOKS_ENCRYPTION_KEYS": ",".join(encryption_keys()),
                "DJANGO_SECRET_KEY": settings.SECRET_KEY,
                **extra_env,
            }
        )
        ports = [processes.free_port(), processes.free_port()]
        running.extend(processes.start_gunicorn(p, env, tmp_path / f"web-{p}.log") for p in ports)
        return [f"http://127.0.0.1:{port}" for port in ports]

    yield start
    for process in running:
        processes.stop(process)


@pytest.fixture
def web_servers(start_web_servers) -> list[str]:
    return start_web_servers(MKWEBHOOKS_API_RATE="100000/min")


def test_with_a_shared_cache_the_rate_limit_holds_across_web_servers(start_web_servers):
    limit = 6
    servers = start_web_servers(
        MKWEBHOOKS_API_RATE=f"{limit}/min", DJANGO_CACHE_URL=settings.BROKER_URL
    )
    token = Token.objects.create(user=make_user("throttled", staff=True))
    cache = redis.Redis.from_url(settings.BROKER_URL)
    assert not [key for key in cache.scan_iter("*throttle*") if token.key.encode() in key]
    statuses = [
        requests.get(f"{servers[n % 2]}/api/v1/projects", timeout=10,
                     headers={"Authorization": f"Bearer {token.key}"}).status_code
        for n in range(limit + 2)
    ]  # fmt: skip
    assert statuses == [200] * limit + [429, 429]  # each server alone would allow 2 × limit
    throttle_keys = [key for key in cache.scan_iter("*throttle_token*")]
    assert throttle_keys and not [key for key in throttle_keys if token.key.encode() in key]


def test_two_web_servers_and_two_clusters_lose_nothing(web_servers, clusters, receiver, capsys):
    user = make_user("scale-editor")
    Membership.objects.create(
        project=Project.objects.create(name="studio"), user=user, role=Role.EDITOR
    )
    headers = {"Authorization": f"Bearer {Token.objects.create(user=user).key}"}
    servers = cycle(web_servers)  # every request to the next web server

    def call(method: str, path: str, body: dict) -> None:
        url = f"{next(servers)}/api/v1/projects/studio/{path}"
        response = requests.request(method, url, json=body, headers=headers, timeout=30)
        assert response.status_code < 300, (path, response.status_code, response.text)

    call("PUT", "webhook/rules/hook", rule_spec(receiver.url))
    call("PUT", "media/transforms/encode", {})
    clusters.start(WORKERS=2)
    clusters.start(WORKERS=2)

    def job_life(n: int) -> None:
        call("PUT", f"media/transforms/encode/jobs/job-{n}", {})
        for state in ("Processing", "Finished"):
            call("PATCH", f"transforms/encode/jobs/job-{n}", {"properties": {"state": state}})

    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(job_life, range(JOBS)))
    deadline = time.monotonic() + 120
    while Delivery.objects.exclude(status="Sent").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    elapsed = time.monotonic() - started

    assert Delivery.objects.count() == 2 * JOBS
    assert Delivery.objects.filter(status="Sent").count() == 2 * JOBS
    received = [json.loads(request.body)["id"] for request in receiver.requests]
    expected = set(Delivery.objects.values_list("event_id", flat=True))
    assert {str(event_id) for event_id in expected} == set(received)  # none lost
    with capsys.disabled():
        duplicates = len(received) - len(set(received))
        print(f"\n{2 * JOBS} transitions via 2 gunicorns, 2 qclusters: all Sent in "
              f"{elapsed:.1f} s, {duplicates} duplicate receipts")  # fmt: skip
