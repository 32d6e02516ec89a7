"""Real qcluster process, real receiver on loopback, the API through Django's test client."""

import time

import pytest
from cloudevents.v1.http import from_http
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task

from delivery.models import Delivery, Heartbeat
from delivery.outbox import broker, deliveries_wake_due
from mkwebhooks.devtools import processes
from mkwebhooks.devtools.receiver import Receiver
from tests.conftest import rule_spec

pytestmark = pytest.mark.cluster
RULE = "/api/v1/projects/studio/webhook/rules/encodes"
JOB = "/api/v1/projects/studio/media/transforms/encode/jobs"


def wait_until(condition, timeout: float = 30, sweep: bool = False):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if sweep:
            deliveries_wake_due()  # what the sweeper schedule does in production
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def all_sent(count: int):
    return lambda: Delivery.objects.filter(status="Sent").count() == count


def run_job(client, name: str, states=("Processing", "Finished")):
    client.put("/api/v1/projects/studio/media/transforms/encode", {}, format="json")
    assert client.put(f"{JOB}/{name}", {"properties": {}}, format="json").status_code == 201
    for state in states:
        response = client.patch(f"{JOB}/{name}", {"properties": {"state": state}}, format="json")
        assert response.status_code == 200, response.json()


def test_transitions_are_delivered_by_a_real_cluster(cluster, editor, receiver):
    assert editor.put(RULE, rule_spec(receiver.url + "/hook"), format="json").status_code == 201
    run_job(editor, "j1")
    received = receiver.wait_for(2)
    events = [from_http(r.headers, r.body) for r in received]
    assert sorted(e["type"] for e in events) == ["MediaKind.JobFinished", "MediaKind.JobStarted"]
    for request in received:
        assert request.headers["Authorization"] == "Bearer s3cr3t-header-value"
        assert request.path == "/hook?process=123456&token=s3cr3t-query-value"
    wait_until(all_sent(2))
    history = editor.get(f"{RULE}/events").json()
    assert [d["status"] for d in history["value"]] == ["Sent", "Sent"]
    assert history["value"][0]["type"] == "MediaKind.JobFinished"  # newest first
    assert history["value"][0]["lastAttempt"]["httpStatus"] == 204


def test_read_back_rule_put_unchanged_still_sends_the_real_secrets(cluster, editor, receiver):
    editor.put(RULE, rule_spec(receiver.url), format="json")
    read_back = editor.get(RULE).json()
    assert editor.put(RULE, {"spec": read_back["spec"]}, format="json").status_code == 200
    run_job(editor, "j2", states=("Processing",))
    [request] = receiver.wait_for(1)
    assert request.headers["Authorization"] == "Bearer s3cr3t-header-value"
    assert "token=s3cr3t-query-value" in request.path


def test_failed_attempt_is_retried_until_sent(cluster, editor):
    with Receiver([500, 200]) as flaky:
        editor.put(RULE, rule_spec(flaky.url), format="json")
        run_job(editor, "j3", states=("Processing",))
        wait_until(all_sent(1), sweep=True)
        assert len(flaky.requests) == 2
        ids = {from_http(r.headers, r.body)["id"] for r in flaky.requests}
        assert len(ids) == 1  # the same event id on the retry
    delivery = Delivery.objects.get()
    assert [a.response_status for a in delivery.attempt_log.all()] == [500, 200]


def test_lost_enqueue_is_recovered_by_the_sweeper(cluster, editor, receiver):
    editor.put(RULE, rule_spec(receiver.url), format="json")
    run_job(editor, "j4", states=("Processing",))
    wait_until(all_sent(1))
    Delivery.objects.update(
        status="Pending", next_attempt_at=timezone.now(), enqueued_at=None, leased_until=None
    )
    assert deliveries_wake_due() == 1
    assert len(receiver.wait_for(2)) == 2


def test_migrations_install_the_sweeper_schedule(db):
    schedule = Schedule.objects.get(func="delivery.tasks.sweep")
    assert schedule.schedule_type == Schedule.MINUTES and schedule.repeats == -1


def test_a_cluster_stops_at_once_even_in_the_sweepers_loop(clusters):
    process, log = clusters.start()
    async_task("delivery.tasks.sweep", broker=broker())  # what the schedule starts each minute
    wait_until(Heartbeat.objects.filter(name="sweeper").exists)  # the 50 s loop is running
    started = time.monotonic()
    processes.stop(process)  # SIGINT, as Ctrl-C on make run; SIGKILL after 10 s
    assert time.monotonic() - started < 5
    assert "has stopped" in log.read_text()
