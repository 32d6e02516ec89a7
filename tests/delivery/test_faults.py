"""Faults with real processes: kill -9, a broker that is down, bad receivers, two clusters."""

import shutil
import subprocess
import threading
import time
from collections import Counter

import pytest
from cloudevents.v1.http import from_http
from django.db import connection
from django_q.conf import Conf
from django_q.models import Schedule

from delivery.models import Delivery, Heartbeat
from delivery.outbox import deliveries_wake_due
from mkwebhooks.devtools import processes
from mkwebhooks.devtools.receiver import Receiver
from mkwebhooks.media.models import Job, Transform
from mkwebhooks.projects.models import Project
from tests import factories
from tests.delivery.test_end_to_end import wait_until
from tests.servers import RawServer, endless_body, slow_headers

pytestmark = pytest.mark.cluster
# The shortest lease the system check allows: longer than one whole attempt can take.
SHORT_LEASE = {"LEASE_SECONDS": 9, "CONNECT_TIMEOUT": 1.0, "TOTAL_TIMEOUT": 2.0}


@pytest.fixture
def sweeper(transactional_db):
    """What the sweeper schedule does in a cluster, every 0.2 s, from this process."""
    stop = threading.Event()

    def loop():
        while not stop.wait(0.2):
            deliveries_wake_due()
        connection.close()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join()


def start_job(project, name="job1"):
    job = factories.job(project, name)
    job.state = "Processing"
    job.save()
    return job


def test_kill_9_mid_delivery_then_a_new_cluster_sends_it(clusters, sweeper, project):
    with Receiver([(200, {}, 20), 200]) as holding:  # holds the first request open
        factories.rule(project, holding.url)
        first, _ = clusters.start(**SHORT_LEASE)
        start_job(project)
        holding.wait_for(1)
        clusters.kill9(first)
        clusters.start(**SHORT_LEASE)
        wait_until(lambda: Delivery.objects.filter(status="Sent").exists(), timeout=30)
        assert 1 <= len(holding.requests) <= 2
    delivery = Delivery.objects.get()
    outcomes = [a.outcome for a in delivery.attempt_log.all()]
    assert outcomes == ["worker_lost", "200"] and delivery.attempts == 2


def test_broker_down_at_commit_loses_nothing(clusters, sweeper, project, receiver, monkeypatch):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    port = processes.free_port()
    redis = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    factories.rule(project, receiver.url)
    clusters.start()
    with monkeypatch.context() as broker_of_this_process:
        broker_of_this_process.setattr(Conf, "ORM", None)
        broker_of_this_process.setattr(Conf, "REDIS", f"redis://127.0.0.1:{port}/0")
        redis.kill()
        redis.wait()
        job = start_job(project)  # commits although the broker is down
    assert Job.objects.get(pk=job.pk).state == "Processing"
    delivery = Delivery.objects.get()
    assert delivery.enqueued_at is None  # left for the sweeper
    receiver.wait_for(1)
    wait_until(lambda: Delivery.objects.filter(status="Sent").exists())


def test_500_500_200_goes_retrying_retrying_sent(clusters, sweeper, project):
    with Receiver([500, 500, 200]) as flaky:
        factories.rule(project, flaky.url)
        clusters.start(RETRY_SCHEDULE="0,1,1")
        start_job(project)
        seen = []
        deadline = time.monotonic() + 30
        while "Sent" not in seen and time.monotonic() < deadline:
            status = Delivery.objects.get().status
            if not seen or seen[-1] != status:
                seen.append(status)
            time.sleep(0.05)
    assert [s for s in seen if s != "Pending"] == ["Retrying", "Sent"]
    delivery = Delivery.objects.get()
    assert [a.response_status for a in delivery.attempt_log.all()] == [500, 500, 200]
    assert delivery.attempt_log.first().response_body == '{"error": "scripted"}'


def test_retry_after_is_waited_for_and_the_last_failure_is_final(clusters, sweeper, project):
    with Receiver([(503, {"Retry-After": "2"})]) as busy:
        factories.rule(project, busy.url)
        clusters.start(RETRY_SCHEDULE="0,1,1")
        start_job(project)
        wait_until(lambda: Delivery.objects.filter(status="Failed").exists(), timeout=30)
        times = [request.at for request in busy.requests]
        gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    assert len(busy.requests) == 3 and min(gaps) >= 2
    assert Delivery.objects.get().final_reason == "HTTP 503"


@pytest.mark.parametrize("script", [slow_headers, endless_body], ids=["drip", "endless"])
def test_slow_receiver_is_cut_at_the_deadline_and_the_worker_goes_on(
    clusters, sweeper, project, receiver, script
):
    with RawServer(script) as slow:
        factories.rule(project, slow.url, name="slow")
        factories.rule(project, receiver.url, name="fast", events=["MediaKind.JobFinished"])
        clusters.start(TOTAL_TIMEOUT=2, RETRY_SCHEDULE="0", WORKERS=1)
        job = start_job(project)
        wait_until(lambda: Delivery.objects.filter(status="Failed").exists(), timeout=15)
        job.state = "Finished"
        job.save()
        finished_at = time.time()
        [request] = receiver.wait_for(1, timeout=10)
    attempt = Delivery.objects.get(rule__name="slow", status="Failed").attempt_log.get()
    assert attempt.error_class == "timeout" and 2000 <= attempt.duration_ms < 3500
    assert request.at - finished_at < 3  # the one worker delivered the next event promptly


def test_1000_changes_to_20_rules_with_two_clusters(clusters, sweeper, receiver, capsys):
    projects = [Project.objects.create(name=f"p{n}") for n in range(20)]
    for project in projects:
        factories.rule(project, f"{receiver.url}/{project.name}")
    clusters.start(WORKERS=2)
    clusters.start(WORKERS=2)
    started = time.monotonic()
    for index in range(500):
        project = projects[index % 20]
        transform, _ = Transform.objects.get_or_create(project=project, name="t")
        job = Job.objects.create(project=project, transform=transform, name=f"j{index}")
        for state in ("Processing", "Finished"):
            job.state = state
            job.save()
    wait_until(lambda: Delivery.objects.filter(status="Sent").count() == 1000, timeout=240)
    elapsed = time.monotonic() - started
    receipts = Counter((r.path, from_http(r.headers, r.body)["id"]) for r in receiver.requests)
    duplicates = sum(count - 1 for count in receipts.values())
    with capsys.disabled():
        print(f"\n1,000 changes x 20 rules, 2 clusters: all Sent in {elapsed:.1f} s, "
              f"{len(receipts)} distinct receipts, {duplicates} duplicates")  # fmt: skip
    assert len(receipts) == 1000 and duplicates < 10


def test_the_cluster_scheduler_runs_the_sweeper(clusters, project):
    Schedule.objects.update_or_create(
        name="mkwebhooks sweeper",
        defaults={
            "func": "delivery.tasks.sweep",
            "schedule_type": "I",
            "minutes": 1,
            "repeats": -1,
        },
    )
    clusters.start(SWEEP_SECONDS=2)
    wait_until(lambda: Heartbeat.objects.filter(name="sweeper").exists(), timeout=45)
