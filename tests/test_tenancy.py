"""Every role on every endpoint and page: outsiders see nothing, each role only what it may."""

import pytest
from django.test import Client

from delivery.models import Delivery
from mkwebhooks.projects.models import Membership, Project, Role
from tests import factories
from tests.conftest import client_for, make_user

P = "/api/v1/projects/studio"
RULE = f"{P}/webhook/rules/hook"
JOB = f"{P}/transforms/encode/jobs/job1"
RULE_BODY = {"spec": {"enabled": True, "url": "https://hooks.example.com/",
                      "events": ["MediaKind.JobStarted"]}}  # fmt: skip
RANK = {None: 0, Role.VIEWER: 1, Role.EDITOR: 2, Role.ADMIN: 3}

# (method, path, body, the least role that may do it)
ENDPOINTS = [
    ("get", P, None, Role.VIEWER),
    ("put", P, {"spec": {"members": {}}}, Role.ADMIN),
    ("get", f"{P}/webhook/rules", None, Role.VIEWER),
    ("get", RULE, None, Role.VIEWER),
    ("put", RULE, RULE_BODY, Role.EDITOR),
    ("patch", RULE, {"spec": {"enabled": False}}, Role.EDITOR),
    ("get", f"{RULE}/events", None, Role.VIEWER),
    ("get", f"{RULE}/history", None, Role.VIEWER),
    ("post", f"{RULE}/events/redeliver", {"since": "2000-01-01T00:00Z"}, Role.EDITOR),
    ("post", f"{RULE}/signingSecret", None, Role.EDITOR),
    ("get", JOB, None, Role.VIEWER),
    ("patch", JOB, {"properties": {"description": "x"}}, Role.EDITOR),
    ("put", f"{P}/media/transforms/encode", {}, Role.EDITOR),
    ("get", f"{P}/media/transforms", None, Role.VIEWER),
    ("post", f"{P}/live/liveChannels/ch1/start", None, Role.EDITOR),
    ("delete", RULE, None, Role.EDITOR),
]


@pytest.fixture
def world(project):
    rule = factories.rule(project, "https://hooks.example.com/")
    job = factories.job(project)
    factories.channel(project)
    job.state = "Processing"
    job.save()
    Project.objects.create(name="elsewhere")
    return rule


def member_client(project, role):
    user = make_user(f"user-{role or 'outsider'}")
    if role:
        Membership.objects.create(project=project, user=user, role=role)
    else:
        Membership.objects.create(project=Project.objects.get(name="elsewhere"), user=user,
                                  role=Role.ADMIN)  # an admin, but of another project  # fmt: skip
    return user, client_for(user)


@pytest.mark.parametrize("role", [None, Role.VIEWER, Role.EDITOR, Role.ADMIN])
@pytest.mark.parametrize("method, path, body, least", ENDPOINTS, ids=lambda v: str(v)[:40])
def test_api_roles(world, project, role, method, path, body, least):
    _, client = member_client(project, role)
    response = getattr(client, method)(path, body, format="json")
    if role is None:
        assert response.status_code == 404  # outsiders cannot tell the project exists
    elif RANK[role] < RANK[least]:
        assert response.status_code == 403
    else:
        assert response.status_code < 400, response.content


@pytest.mark.parametrize("role", [None, Role.VIEWER, Role.EDITOR])
def test_page_roles(world, project, role):
    user, _ = member_client(project, role)
    browser = Client()
    browser.force_login(user)
    delivery = Delivery.objects.get()
    listing = browser.get("/deliveries/").content.decode()
    detail = browser.get(f"/deliveries/{delivery.uuid}/")
    redeliver = browser.post(f"/deliveries/{delivery.uuid}/redeliver")
    if role is None:
        assert "studio/hook" not in listing
        assert detail.status_code == 404 and redeliver.status_code == 404
    elif role == Role.VIEWER:
        assert "studio/hook" in listing and detail.status_code == 200
        assert "Re-deliver" not in detail.content.decode() and redeliver.status_code == 403
    else:
        assert "Re-deliver" in detail.content.decode() and redeliver.status_code == 302


def test_non_staff_members_cannot_use_the_admin(world, project):
    user, _ = member_client(project, Role.ADMIN)
    browser = Client()
    browser.force_login(user)
    assert browser.get("/admin/rules/webhookrule/").status_code == 302  # to the admin login
