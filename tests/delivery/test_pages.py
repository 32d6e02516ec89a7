import pytest
from django.test import Client

from delivery.models import Delivery
from delivery.services import deliveries_claim, delivery_send
from mkwebhooks.devtools.receiver import Receiver
from mkwebhooks.projects.models import Membership, Project, Role
from tests import factories
from tests.conftest import make_user


def logged_in(project, role) -> Client:
    user = make_user(f"{role}-page-user")
    Membership.objects.create(project=project, user=user, role=role)
    client = Client()
    client.force_login(user)
    return client


def delivered(project, url):
    auth = {"authentication": {"headers": {"Authorization": "Bearer page-secret"}}}
    factories.rule(project, url, **auth)
    job = factories.job(project)
    job.state = "Processing"
    job.save()
    delivery = Delivery.objects.get(rule__project=project)
    delivery_send(deliveries_claim([delivery.pk])[0])
    return delivery


def test_pages_need_a_login(client, db):
    assert client.get("/deliveries/").status_code == 302


def test_event_page_shows_attempts_with_secrets_masked(project, receiver):
    delivery = delivered(project, receiver.url)
    page = logged_in(project, Role.VIEWER).get(f"/deliveries/{delivery.uuid}/").content.decode()
    assert "MediaKind.JobStarted" in page and "Authorization: ********" in page
    assert "page-secret" not in page
    assert "Re-deliver" not in page  # viewers cannot


def test_list_shows_only_the_users_projects(project, receiver):
    delivered(project, receiver.url)
    other = Project.objects.create(name="other")
    delivered(other, receiver.url)
    page = logged_in(other, Role.VIEWER).get("/deliveries/").content.decode()
    assert "other/hook" in page and "studio/hook" not in page


def test_editor_redelivers_with_the_same_event_id(project, receiver):
    delivery = delivered(project, receiver.url)
    response = logged_in(project, Role.EDITOR).post(f"/deliveries/{delivery.uuid}/redeliver")
    assert response.status_code == 302
    again = Delivery.objects.exclude(pk=delivery.pk).get()
    assert again.event_id == delivery.event_id and again.status == "Pending"


def test_viewer_cannot_redeliver_and_outsiders_get_404(project, receiver):
    delivery = delivered(project, receiver.url)
    viewer = logged_in(project, Role.VIEWER)
    assert viewer.post(f"/deliveries/{delivery.uuid}/redeliver").status_code == 403
    outsider = logged_in(Project.objects.create(name="elsewhere"), Role.ADMIN)
    assert outsider.get(f"/deliveries/{delivery.uuid}/").status_code == 404


def test_api_redeliver_keeps_the_event_id(project, editor, receiver):
    delivery = delivered(project, receiver.url)
    path = f"/api/v1/projects/studio/webhook/rules/hook/events/{delivery.uuid}/redeliver"
    response = editor.post(path)
    assert response.status_code == 202
    assert response.json()["eventId"] == str(delivery.event_id)
    assert response.json()["status"] == "Pending"


def test_rule_health_page_charts_attempts_and_acts(project, receiver):
    delivered(project, receiver.url)
    with Receiver([500]) as failing:
        delivered(Project.objects.create(name="other"), failing.url)
    editor = logged_in(project, Role.EDITOR)
    page = editor.get("/deliveries/rules/studio/hook/").content.decode()
    assert "<svg" in page and "100.0 %" in page and "1 succeeded, 0 failed" in page
    response = editor.post("/deliveries/rules/studio/hook/test", {"type": "MediaKind.JobFinished"})
    assert response.status_code == 302
    assert Delivery.objects.filter(event__test=True, rule__name="hook").count() == 1
    viewer = logged_in(project, Role.VIEWER)
    assert "Send a test event" not in viewer.get("/deliveries/rules/studio/hook/").content.decode()
    assert viewer.post("/deliveries/rules/studio/hook/test", {"type": "x"}).status_code == 403
    assert viewer.get("/deliveries/rules/other/hook/").status_code == 404


def test_list_counts_statuses_and_searches_by_event_id(project, receiver):
    delivery = delivered(project, receiver.url)
    page = logged_in(project, Role.VIEWER)
    found = page.get("/deliveries/", {"q": str(delivery.event_id)}).content.decode()
    assert "Sent 1" in found and str(delivery.uuid) in found
    missing = page.get("/deliveries/", {"q": "/no/such/source"}).content.decode()
    assert "No deliveries match" in missing and "Sent 0" in missing


def test_counts_stop_at_the_cap_on_the_log_and_in_admin(project, admin_client, monkeypatch):
    from delivery import selectors
    from delivery.admin import CappedPaginator

    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    monkeypatch.setattr(CappedPaginator, "cap", 2)
    for name in ("a", "b", "c"):
        factories.rule(project, "https://hooks.example.com/", name=name)
    job = factories.job(project)
    job.state = "Processing"
    job.save()
    assert Delivery.objects.count() == 3
    log = admin_client.get("/deliveries/").content.decode()
    assert "Pending 2+" in log and "Sent 0" in log
    changelist = admin_client.get("/admin/delivery/delivery/").content.decode()
    assert "More than 2 deliveries" in changelist
    assert (
        admin_client.get("/admin/delivery/delivery/", {"type": "MediaKind.JobStarted"}).status_code
        == 200
    )


@pytest.mark.parametrize(
    "params", [{"before": "²"}, {"before": "9" * 5000}, {"q": "x" * 50_000}, {"rule": "r" * 9999}]
)
def test_odd_filters_on_the_list_are_not_errors(project, receiver, params):
    delivered(project, receiver.url)
    response = logged_in(project, Role.VIEWER).get("/deliveries/", params)
    assert response.status_code == 200


def test_an_attempt_that_sent_nothing_says_so(project):
    delivery = delivered(project, "https://no-such-host.invalid/hook")
    page = logged_in(project, Role.VIEWER).get(f"/deliveries/{delivery.uuid}/").content.decode()
    assert "Not sent to https://no-such-host.invalid/hook" in page
    assert "POST https://no-such-host.invalid/hook" not in page
