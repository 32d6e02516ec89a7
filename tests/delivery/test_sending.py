"""The send path against a real receiver on loopback, run in-process (no cluster)."""

import json
import socket
from datetime import timedelta

import pytest
from cloudevents.v1.http import from_http
from django.utils import timezone

from delivery.models import Delivery
from delivery.services import deliveries_claim, delivery_send
from mkwebhooks.devtools.receiver import Receiver
from mkwebhooks.secrets import MASK
from rules.models import WebhookRule
from tests import factories

SECRETS = {
    "authentication": {
        "headers": {"Authorization": "Bearer header-secret-1"},
        "queryParams": {"sig": "query secret&2"},
    }
}


def transition(project, rule_url, **spec):
    rule = factories.rule(project, rule_url, **{**SECRETS, **spec})
    job = factories.job(project)
    job.state = "Processing"
    job.save()
    return rule, Delivery.objects.get(rule=rule)


def attempt(delivery: Delivery):
    [claimed] = deliveries_claim([delivery.pk])
    delivery_send(claimed)
    delivery.refresh_from_db()
    return delivery


def test_sent_request_is_a_structured_cloudevent(project, receiver):
    rule, delivery = transition(
        project, receiver.url + "/hook?fixed=1", queryParams={"process": "42"}
    )
    assert attempt(delivery).status == "Sent"
    [request] = receiver.requests
    assert request.path == "/hook?fixed=1&process=42&sig=query+secret%262"
    assert request.headers["Authorization"] == "Bearer header-secret-1"
    assert request.headers["Content-Type"] == "application/cloudevents+json; charset=utf-8"
    assert request.headers["User-Agent"].startswith("mkwebhooks/")
    event = from_http(request.headers, request.body)
    assert event["specversion"] == "1.0" and event["type"] == "MediaKind.JobStarted"
    assert event["source"] == "/api/v1/projects/studio/transforms/encode/jobs/job1"
    assert event["sequence"] == "000000000001"
    assert event.data["previousState"] == "Queued" and event.data["state"] == "Processing"
    assert event.data["projectName"] == "studio"
    assert event.data["resource"]["properties"]["state"] == "Processing"


def test_snapshot_equals_what_get_returned_at_the_transition(project, editor, receiver):
    rule, delivery = transition(project, receiver.url)
    snapshot = delivery.event.data["resource"]
    assert editor.get(delivery.event.source).json() == snapshot


def test_attempt_log_masks_secrets(project, receiver):
    rule, delivery = transition(project, receiver.url)
    attempt(delivery)
    logged = delivery.attempt_log.get()
    assert logged.request_headers["Authorization"] == MASK
    assert "sig=********" in logged.request_url
    assert "secret" not in json.dumps(logged.request_headers) + logged.request_url


def test_sequence_counts_per_source(project, receiver):
    factories.rule(project, receiver.url)
    job = factories.job(project)
    for state in ("Processing", "Finished"):
        job.state = state
        job.save()
    other = factories.job(project, "job2")
    other.state = "Processing"
    other.save()
    sequences = {(d.event.source[-4:], d.event.sequence) for d in Delivery.objects.all()}
    assert sequences == {("job1", 1), ("job1", 2), ("job2", 1)}


def test_server_error_is_retried_with_backoff(project, settings):
    settings.MKWEBHOOKS = {**settings.MKWEBHOOKS, "RETRY_SCHEDULE": [0, 300, 600]}
    with Receiver([500]) as failing:
        rule, delivery = transition(project, failing.url)
        before = timezone.now()
        delivery = attempt(delivery)
    assert delivery.status == "Retrying"
    assert (
        before + timedelta(seconds=239) < delivery.next_attempt_at < before + timedelta(seconds=361)
    )
    logged = delivery.attempt_log.get()
    assert (logged.response_status, logged.error_class) == (500, "http_5xx")
    assert logged.response_body == '{"error": "scripted"}'


def test_retry_after_is_honoured(project, settings):
    settings.MKWEBHOOKS = {**settings.MKWEBHOOKS, "RETRY_SCHEDULE": [0, 1, 1]}
    with Receiver([(503, {"Retry-After": "120"})]) as failing:
        rule, delivery = transition(project, failing.url)
        before = timezone.now()
        delivery = attempt(delivery)
    assert delivery.next_attempt_at >= before + timedelta(seconds=120)


def test_last_failed_attempt_marks_the_delivery_failed(project, settings):
    settings.MKWEBHOOKS = {**settings.MKWEBHOOKS, "RETRY_SCHEDULE": [0, 0]}
    with Receiver([500, 502]) as failing:
        rule, delivery = transition(project, failing.url)
        attempt(delivery)
        delivery = attempt(delivery)
    assert delivery.status == "Failed" and delivery.attempts == 2
    assert delivery.final_reason == "HTTP 502"


def test_redirect_is_not_followed(project, receiver):
    with Receiver([(301, {"Location": receiver.url + "/elsewhere"})]) as redirecting:
        rule, delivery = transition(project, redirecting.url)
        delivery = attempt(delivery)
    assert delivery.status == "Retrying"
    assert delivery.attempt_log.get().error_class == "redirect"
    assert receiver.requests == []


def test_gone_fails_the_delivery_and_disables_the_rule(project, editor):
    with Receiver([410]) as gone:
        rule, delivery = transition(project, gone.url)
        delivery = attempt(delivery)
    rule.refresh_from_db()
    assert delivery.status == "Failed"
    assert not rule.enabled and "410" in rule.disabled_reason and rule.disabled_at
    status = editor.get("/api/v1/projects/studio/webhook/rules/hook").json()["status"]
    assert "410 Gone" in status["disabledReason"] and status["disabledAt"]


def test_rule_failing_for_days_is_disabled(project, settings):
    with Receiver([500]) as failing:
        rule, delivery = transition(project, failing.url)
        WebhookRule.objects.filter(pk=rule.pk).update(
            failing_since=timezone.now() - timedelta(days=6)
        )
        attempt(delivery)
    rule.refresh_from_db()
    assert not rule.enabled and "5 days" in rule.disabled_reason


def test_success_clears_the_failure_run(project, receiver):
    rule, delivery = transition(project, receiver.url)
    WebhookRule.objects.filter(pk=rule.pk).update(failing_since=timezone.now())
    attempt(delivery)
    rule.refresh_from_db()
    assert rule.failing_since is None


def test_disabled_rule_does_not_send_queued_deliveries(project, receiver):
    rule, delivery = transition(project, receiver.url)
    WebhookRule.objects.filter(pk=rule.pk).update(enabled=False)
    assert not deliveries_claim([delivery.pk])
    delivery.refresh_from_db()
    assert (delivery.status, delivery.final_reason) == ("Failed", "rule disabled")
    assert receiver.requests == []


def test_connection_refused_is_classified_without_the_url(project):
    with Receiver() as gone_away:
        url = gone_away.url
    rule, delivery = transition(project, url)
    logged = attempt(delivery).attempt_log.get()
    assert logged.error_class == "connection"
    assert "secret" not in logged.error_detail and "127.0.0.1" not in logged.error_detail


def test_target_blocked_at_send_time(project, receiver, settings):
    rule, delivery = transition(project, receiver.url)
    settings.MKWEBHOOKS = {**settings.MKWEBHOOKS, "ALLOWED_TARGET_NETWORKS": []}
    logged = attempt(delivery).attempt_log.get()
    assert logged.error_class == "blocked_target"
    assert receiver.requests == []


def test_claim_is_exclusive(project, receiver):
    rule, delivery = transition(project, receiver.url)
    assert deliveries_claim([delivery.pk])
    assert not deliveries_claim([delivery.pk])  # leased


@pytest.mark.parametrize("status", ["Sent", "Failed"])
def test_final_delivery_is_not_claimed(project, receiver, status):
    rule, delivery = transition(project, receiver.url)
    Delivery.objects.filter(pk=delivery.pk).update(status=status)
    assert not deliveries_claim([delivery.pk])


def test_unresolvable_host_is_a_dns_failure(project):
    rule, delivery = transition(project, "https://no-such-host.invalid/hook")
    logged = attempt(delivery).attempt_log.get()
    assert logged.error_class == "dns"
    assert delivery.status == "Retrying"


def test_a_dead_workers_last_attempt_still_counts(project, receiver, settings):
    settings.MKWEBHOOKS = {**settings.MKWEBHOOKS, "RETRY_SCHEDULE": [0, 0]}
    rule, delivery = transition(project, receiver.url)
    for _ in range(2):  # two workers claim it and die before recording anything
        assert deliveries_claim([delivery.pk])
        Delivery.objects.filter(pk=delivery.pk).update(leased_until=timezone.now())
    assert not deliveries_claim([delivery.pk])
    delivery.refresh_from_db()
    assert delivery.status == "Failed" and "no attempts left" in delivery.final_reason
    assert [a.outcome for a in delivery.attempt_log.all()] == ["worker_lost", "worker_lost"]
    assert receiver.requests == []


def test_re_enabling_a_rule_clears_the_disabled_reason(project, editor):
    with Receiver([410]) as gone:
        rule, delivery = transition(project, gone.url)
        attempt(delivery)
    path = "/api/v1/projects/studio/webhook/rules/hook"
    response = editor.patch(path, {"spec": {"enabled": True}}, format="json")
    status = response.json()["status"]
    assert (status["disabledReason"], status["disabledAt"]) == (None, None)


@pytest.mark.parametrize(
    "host",
    ["localhost", "127.1", "0x7f.1", "2130706433", "0177.0.0.1", "[::1]", "[::ffff:127.0.0.1]"],
)
def test_loopback_spellings_are_refused_at_send_time(project, receiver, settings, host):
    port = receiver.url.rsplit(":", 1)[1]
    loopback = ["127.0.0.0/8", "::1/128"]
    settings.MKWEBHOOKS = {**settings.MKWEBHOOKS, "ALLOWED_TARGET_NETWORKS": loopback}
    rule, delivery = transition(project, f"http://{host}:{port}/hook")  # allowed while saving
    settings.MKWEBHOOKS = {**settings.MKWEBHOOKS, "ALLOWED_TARGET_NETWORKS": []}
    logged = attempt(delivery).attempt_log.get()
    assert logged.error_class in {"blocked_target", "dns"}
    assert receiver.requests == []


def test_test_event_is_marked_and_logged_like_any_delivery(project, editor, receiver):
    factories.rule(project, receiver.url)
    path = "/api/v1/projects/studio/webhook/rules/hook/test"
    response = editor.post(path, {"type": "MediaKind.JobFinished"}, format="json")
    assert response.status_code == 202
    delivery = Delivery.objects.get(uuid=response.json()["id"])
    attempt(delivery)
    event = from_http(receiver.requests[0].headers, receiver.requests[0].body)
    assert event["type"] == "MediaKind.JobFinished" and event["test"] is True
    history = editor.get("/api/v1/projects/studio/webhook/rules/hook/events").json()["value"]
    assert history[0]["status"] == "Sent"
    assert editor.post(path, {"type": "Nope"}, format="json").status_code == 400


def test_a_late_worker_does_not_overwrite_a_newer_outcome(project, receiver):
    rule, delivery = transition(project, receiver.url)
    [claimed] = deliveries_claim([delivery.pk])
    newer = timezone.now() + timedelta(minutes=5)
    Delivery.objects.filter(pk=delivery.pk).update(leased_until=newer, status="Sent")
    delivery_send(claimed)  # its lease was taken over meanwhile
    delivery.refresh_from_db()
    assert delivery.leased_until == newer and delivery.status == "Sent"
    assert delivery.attempt_log.get().response_status == 204  # the attempt itself is kept


def test_an_internal_error_costs_one_attempt_not_the_schedule(project, receiver, monkeypatch):
    from delivery import services

    rule, delivery = transition(project, receiver.url)

    def broken(*args, **kwargs):
        raise KeyError("a bug")

    monkeypatch.setattr(services.transport, "post", broken)  # stands in for any bug of ours
    services.delivery_send_safely(deliveries_claim([delivery.pk])[0])
    delivery.refresh_from_db()
    assert delivery.status == "Retrying" and delivery.leased_until is None
    assert delivery.attempt_log.get().outcome == "internal"


def dns_answers(monkeypatch, host: str, answers: list[str]) -> list[str]:
    """Public DNS cannot be controlled here, so this one name's answers are scripted:
    each lookup of `host` takes the next answer (the last repeats); others resolve as usual."""
    real, asked = socket.getaddrinfo, []

    def getaddrinfo(name, port, *args, **kwargs):
        if name != host:
            return real(name, port, *args, **kwargs)
        asked.append(name)
        address = answers[min(len(asked), len(answers)) - 1]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def test_rebinding_to_loopback_after_save_is_refused_at_send_time(
    project, editor, receiver, settings, monkeypatch
):
    settings.MKWEBHOOKS = {**settings.MKWEBHOOKS, "ALLOWED_TARGET_NETWORKS": []}
    dns_answers(monkeypatch, "rebind.example", ["93.184.216.34", "127.0.0.1"])
    port = receiver.url.rsplit(":", 1)[1]
    body = {"spec": {"enabled": True, "url": f"http://rebind.example:{port}/hook",
                     "events": ["MediaKind.JobStarted"]}}  # fmt: skip
    response = editor.put("/api/v1/projects/studio/webhook/rules/hook", body, format="json")
    assert response.status_code in (200, 201), response.json()  # public when saved
    job = factories.job(project)
    job.state = "Processing"
    job.save()
    logged = attempt(Delivery.objects.get()).attempt_log.get()
    assert logged.error_class == "blocked_target" and "127.0.0.1" in logged.error_detail
    assert receiver.requests == []


def test_the_request_goes_to_the_address_that_was_checked(project, receiver, monkeypatch):
    # The guard checks 127.0.0.1 (allowed in tests); any later lookup would say
    # 203.0.113.7 (TEST-NET, unreachable). Delivery only works if nobody looks again.
    asked = dns_answers(monkeypatch, "pinned.example", ["127.0.0.1", "203.0.113.7"])
    port = receiver.url.rsplit(":", 1)[1]
    rule, delivery = transition(project, f"http://pinned.example:{port}/hook")
    asked.clear()
    assert attempt(delivery).status == "Sent"
    assert len(asked) == 1  # the guard's lookup, and no other
    assert receiver.requests[0].headers["Host"] == f"pinned.example:{port}"
