import logging
import uuid
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from delivery.events import CATALOG, catalog_markdown
from mkwebhooks.api.middleware import RequestIdLogFilter
from mkwebhooks.projects.models import Role
from tests.conftest import make_user, rule_spec


def test_every_response_carries_a_request_id(editor, project):
    response = editor.get("/api/v1/projects/studio")
    assert uuid.UUID(response["X-Request-Id"])


class Capture(logging.Handler):
    def __init__(self):
        super().__init__()
        self.addFilter(RequestIdLogFilter())
        self.ids = []

    def emit(self, record):
        self.ids.append(record.request_id)


def test_request_id_appears_in_server_logs(editor, project):
    capture = Capture()
    logging.getLogger("django.request").addHandler(capture)
    try:
        response = editor.get("/api/v1/projects/studio/webhook/rules/missing")
    finally:
        logging.getLogger("django.request").removeHandler(capture)
    assert response.json()["ref"] == response["X-Request-Id"]
    assert response["X-Request-Id"] in capture.ids


def test_unknown_api_url_answers_in_the_error_shape(editor):
    response = editor.get("/api/v1/nothing/here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_post_to_an_unknown_api_url_is_a_404_not_a_csrf_page(db):
    client = APIClient(enforce_csrf_checks=True)  # as curl: no CSRF cookie, a Bearer token
    token = Token.objects.create(user=make_user("poster", staff=True)).key
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.post("/api/v1/projects/studio/webhook/rules/r/events//redeliver")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_event_types_lists_the_catalog(editor):
    body = editor.get("/api/v1/webhook/eventTypes").json()
    assert [t["name"] for t in body["value"]] == [t.name for t in CATALOG]
    assert all(t["description"] for t in body["value"])


def test_staff_put_project_with_members(staff, member, project):
    member(Role.VIEWER, name="alice")
    body = {"spec": {"description": "Live sports", "members": {"alice": {"role": "editor"}}}}
    response = staff.put("/api/v1/projects/sports", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["spec"]["members"] == {"alice": {"role": "editor"}}
    assert staff.put("/api/v1/projects/sports", body, format="json").status_code == 200


def test_project_put_with_unknown_member_is_a_400(staff):
    body = {"spec": {"members": {"ghost": {"role": "viewer"}}}}
    response = staff.put("/api/v1/projects/sports", body, format="json")
    assert response.status_code == 400
    assert "spec.members.ghost" in response.json()["error"]["extraDetail"]["fields"]


def test_project_put_with_an_unknown_spec_key_is_a_400(staff, project):
    body = {"spec": {"descriptoin": "typo"}}
    response = staff.put("/api/v1/projects/studio", body, format="json")
    assert response.status_code == 400
    assert "spec.descriptoin" in response.json()["error"]["extraDetail"]["fields"]


def test_members_cannot_create_projects_and_list_only_theirs(member, staff, project):
    editor = member(Role.EDITOR)
    staff.put("/api/v1/projects/other", {"spec": {}}, format="json")
    created = editor.put("/api/v1/projects/mine", {"spec": {}}, format="json")
    assert created.status_code == 404
    assert "only staff can create projects" in created.json()["error"]["detail"]
    # Another's project answers the same: a PUT does not tell which projects exist.
    other = editor.put("/api/v1/projects/other", {"spec": {}}, format="json")
    assert other.status_code == 404 and other.json()["error"] == created.json()["error"] | {
        "detail": created.json()["error"]["detail"].replace("mine", "other")
    }
    names = [p["metadata"]["name"] for p in editor.get("/api/v1/projects").json()["value"]]
    assert names == ["studio"]


def test_bad_paging_parameters_are_400s(editor, project):
    rules = "/api/v1/projects/studio/webhook/rules"
    for params, field in (
        ({"$top": "0"}, "$top"),
        ({"$skiptoken": "garbage"}, "$skiptoken"),
        ({"$orderby": "url"}, "$orderby"),
    ):
        response = editor.get(rules, params)
        assert response.status_code == 400
        assert field in response.json()["error"]["extraDetail"]["fields"]


def test_healthz_reports_database_broker_and_queue(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok" and body["broker"] == "ok"
    assert {"dueDeliveries", "oldestDueAgeSeconds", "workerLastSeenSecondsAgo"} <= set(body)


def test_readme_lists_the_catalog():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    assert catalog_markdown() in readme


def test_api_paths_that_match_nothing_answer_json_even_in_debug(editor, settings):
    settings.DEBUG = True
    for path in ("/api/v1/", "/api/v1/projects/studio/webhook/rules/", "/api/v1/x/y/z/w/v"):
        response = editor.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_api_is_throttled_per_token(editor, project, settings):
    settings.MKWEBHOOKS = {**settings.MKWEBHOOKS, "API_RATE": "3/min"}
    statuses = [editor.get("/api/v1/projects/studio").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = editor.get("/api/v1/projects/studio")
    assert response.json()["error"]["code"] == "throttled" and int(response["Retry-After"]) > 0


def test_a_cache_that_is_down_does_not_take_the_api_down(editor, project, settings, caplog):
    unreachable = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                    "LOCATION": unreachable}
    }  # fmt: skip
    assert editor.get("/api/v1/projects/studio").status_code == 200
    assert "rate limit not applied: cache unavailable" in caplog.text


def test_a_regenerated_token_revokes_the_old_one(db):
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    user = get_user_model().objects.create_user("rotating", is_staff=True)
    old = Token.objects.create(user=user).key
    call_command("drf_create_token", "-r", "rotating", stdout=StringIO())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {old}")
    assert client.get("/api/v1/projects").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {Token.objects.get(user=user).key}")
    assert client.get("/api/v1/projects").status_code == 200


def test_another_authorization_scheme_is_a_401_that_says_bearer(editor, project):
    editor.credentials(HTTP_AUTHORIZATION="Token abc")
    response = editor.get("/api/v1/projects/studio/webhook/rules")
    assert response.status_code == 401
    assert "Bearer <token>" in response.json()["error"]["detail"]


def test_a_form_encoded_body_is_a_415_that_asks_for_json(editor, project):
    response = editor.put(
        "/api/v1/projects/studio/webhook/rules/r1", "enabled=true", content_type="text/plain"
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    assert "application/json" in response.json()["error"]["detail"]


def test_history_filtered_by_an_unknown_event_type_is_a_400(editor, project):
    editor.put(
        "/api/v1/projects/studio/webhook/rules/r1",
        {"spec": rule_spec("https://hooks.example.com/")},
        format="json",
    )
    response = editor.get("/api/v1/projects/studio/webhook/rules/r1/events", {"type": "Nope"})
    assert response.status_code == 400
    extra = response.json()["error"]["extraDetail"]
    assert "type" in extra["fields"] and "MediaKind.JobStarted" in extra["validTypes"]
