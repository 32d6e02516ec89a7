from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from delivery.models import Attempt, Delivery, Event
from tests import factories

EVENTS = "/api/v1/projects/studio/webhook/rules/hook/events"


def failed_deliveries(project, count: int):
    rule = factories.rule(project, "https://hooks.example.com/")
    for index in range(count):
        job = factories.job(project, f"job{index}")
        job.state = "Processing"
        job.save()
    Delivery.objects.update(status="Failed", next_attempt_at=None)
    return rule


def test_api_redelivers_failed_in_a_time_range(project, editor):
    failed_deliveries(project, 3)
    Delivery.objects.filter(pk=Delivery.objects.first().pk).update(
        created=timezone.now() - timedelta(days=2)
    )
    since = (timezone.now() - timedelta(hours=1)).isoformat()
    response = editor.post(f"{EVENTS}/redeliver", {"since": since}, format="json")
    assert response.status_code == 202 and response.json() == {"redelivered": 2}
    again = Delivery.objects.filter(status="Pending")
    assert again.count() == 2
    assert set(again.values_list("event_id", flat=True)) <= set(
        Event.objects.values_list("pk", flat=True)
    )


@pytest.mark.parametrize("since", ["yesterday", "2026-02-30T00:00Z", "2026-01-01T25:00Z"])
def test_api_redeliver_needs_a_real_zoned_since(project, editor, since):
    failed_deliveries(project, 1)
    response = editor.post(f"{EVENTS}/redeliver", {"since": since}, format="json")
    assert response.status_code == 400
    assert "since" in response.json()["error"]["extraDetail"]["fields"]


def test_a_disabled_rule_gets_no_redelivery(project, editor):
    rule = failed_deliveries(project, 1)
    rule.enabled = False
    rule.save()
    delivery = Delivery.objects.get()
    for path, body in [(f"{EVENTS}/{delivery.uuid}/redeliver", {}),
                       (f"{EVENTS}/redeliver", {"since": "2026-01-01T00:00Z"})]:  # fmt: skip
        response = editor.post(path, body, format="json")
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "rule_disabled"
    assert Delivery.objects.count() == 1


def test_a_disabled_rule_gets_no_redelivery_from_pages_admin_or_command(project, admin_client):
    rule = failed_deliveries(project, 1)
    rule.enabled = False
    rule.save()
    delivery = Delivery.objects.get()
    page = admin_client.post(f"/deliveries/{delivery.uuid}/redeliver", follow=True)
    assert "is disabled; enable it first" in page.content.decode()
    action = {"action": "redeliver", "_selected_action": [delivery.pk]}
    listing = admin_client.post("/admin/delivery/delivery/", action, follow=True)
    assert "0 deliveries queued again (1 skipped: rule disabled)" in listing.content.decode()
    args = ["--project", "studio", "--rule", "hook", "--since", "2000-01-01T00:00Z"]
    with pytest.raises(CommandError, match="is disabled"):
        call_command("redeliver_failed", *args, stdout=StringIO())
    assert Delivery.objects.count() == 1


def test_viewer_cannot_bulk_redeliver(project, member):
    failed_deliveries(project, 1)
    response = member("viewer").post(
        f"{EVENTS}/redeliver", {"since": "2026-01-01T00:00Z"}, format="json"
    )
    assert response.status_code == 403


def test_redeliver_command_shows_progress(project):
    failed_deliveries(project, 3)
    out = StringIO()
    args = ["--project", "studio", "--rule", "hook", "--since", "2000-01-01T00:00Z"]
    call_command("redeliver_failed", *args, stdout=out)
    assert "100% 3/3" in out.getvalue() and "3 deliveries queued again" in out.getvalue()
    assert Delivery.objects.filter(status="Pending").count() == 3


def test_purge_deletes_old_records_only(project):
    failed_deliveries(project, 3)
    old = list(Delivery.objects.values_list("pk", flat=True)[:2])
    Delivery.objects.filter(pk__in=old).update(created=timezone.now() - timedelta(days=40))
    Event.objects.update(time=timezone.now() - timedelta(days=40))
    Attempt.objects.create(
        delivery_id=old[0], number=1, started_at=timezone.now(), duration_ms=1,
        request_url="https://hooks.example.com/", request_headers={},
    )  # fmt: skip
    out = StringIO()
    call_command("purge_deliveries", days=30, stdout=out)
    assert "2 deliveries older than 30 days deleted" in out.getvalue()
    assert Delivery.objects.count() == 1 and Event.objects.count() == 1
    assert not Attempt.objects.exists()


def test_purge_keeps_open_deliveries_whatever_their_age(project):
    failed_deliveries(project, 2)
    Delivery.objects.update(created=timezone.now() - timedelta(days=40))
    Delivery.objects.filter(pk=Delivery.objects.first().pk).update(status="Retrying")
    call_command("purge_deliveries", days=1, stdout=StringIO())
    assert list(Delivery.objects.values_list("status", flat=True)) == ["Retrying"]
