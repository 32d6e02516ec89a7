"""Input an attacker (or a buggy client) sends: always a 4xx in the error shape, never stored."""

import base64
import json

import pytest
from django.test import Client

from delivery import transport
from mkwebhooks.media.models import Job, Transform
from mkwebhooks.media.states import InvalidTransition
from mkwebhooks.projects.models import Membership, Role
from rules.models import WebhookRule
from tests.conftest import make_user, rule_spec

RULES = "/api/v1/projects/studio/webhook/rules"
TRANSFORM = "/api/v1/projects/studio/media/transforms/t1"


def raw_put(client, path, text: str):
    return client.generic("PUT", path, text.encode("utf-8", "surrogatepass"), "application/json")


@pytest.mark.parametrize(
    "text",
    ['{"properties": {"a": "\\ud800"}}', '{"properties": {"\\u0000": "x"}}'],
    ids=["lone surrogate", "NUL key"],
)
def test_unstorable_strings_are_400s_and_nothing_is_saved(editor, project, text):
    response = raw_put(editor, TRANSFORM, text)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"
    assert not Transform.objects.exists()
    assert editor.get("/api/v1/projects/studio/media/transforms").status_code == 200


def test_surrogate_in_a_query_parameter_name_is_a_400(editor, project):
    body = json.dumps(rule_spec("https://hooks.example.com/")).replace('"process"', '"k\\ud800"')
    assert raw_put(editor, f"{RULES}/r1", body).status_code == 400
    assert not WebhookRule.objects.exists()


def test_deep_nesting_is_a_400(editor, project):
    response = raw_put(editor, TRANSFORM, "[" * 100_000 + "]" * 100_000)
    assert response.status_code == 400


def test_oversized_body_is_a_413(editor, project):
    response = raw_put(editor, TRANSFORM, json.dumps({"properties": {"x": "y" * 3_000_000}}))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def token(**fields) -> str:
    base = {"v": "a", "pk": 1, "o": 0, "ob": "name asc"}
    return base64.urlsafe_b64encode(json.dumps({**base, **fields}).encode()).decode()


@pytest.mark.parametrize(
    "params",
    [
        {"$skiptoken": token(v=None)},
        {"$skiptoken": token(pk=[1])},
        {"$skiptoken": token(pk="x")},
        {"$skiptoken": token(o="x")},
        {"$skiptoken": token(o=-1)},
        {"$skiptoken": token(v={"a": 1}, ob="created asc"), "$orderby": "created asc"},
        {"$skiptoken": token(v="not a date", ob="created asc"), "$orderby": "created asc"},
        {"$skiptoken": token(v="a\x00b")},
        {"$skiptoken": token(pk=2**70)},
        {"$top": "²"},
        {"$top": "9" * 5000},
    ],
)
def test_tampered_paging_parameters_are_400s(editor, project, params):
    response = editor.get(RULES, params)
    assert response.status_code == 400
    fields = response.json()["error"]["extraDetail"]["fields"]
    assert set(fields) <= {"$skiptoken", "$top"}


@pytest.mark.parametrize(
    "url",
    [
        "https://[64:ff9b::a9fe:a9fe]/",
        "https://[2002:7f00:1::]/",
        "https://[::127.0.0.1]/",
        "https://[fec0::1]/",
        "https://[::ffff:169.254.169.254]/",
        "https://[fe80::1%25eth0]/",
        "https://%31%32%37.0.0.1/",
        "https://2130706433/",
        "https://0x7f.1/",
        "https://169.254.169.254/latest/meta-data/",
    ],
)
def test_non_public_targets_are_refused_at_save(editor, project, settings, url):
    settings.MKWEBHOOKS = {**settings.MKWEBHOOKS, "ALLOWED_TARGET_NETWORKS": []}
    response = editor.put(f"{RULES}/r1", rule_spec(url), format="json")
    assert response.status_code == 400
    assert "spec.url" in response.json()["error"]["extraDetail"]["fields"]


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/a\r\nX-Injected: y",
        "https://hooks.example.com\t:8443/",
        "https://hooks.example.com/a b",
        "https://hooks.example.com/\x7f",
    ],
)
def test_urls_with_spaces_or_control_characters_are_refused(editor, project, url):
    response = editor.put(f"{RULES}/r1", rule_spec(url), format="json")
    assert response.status_code == 400
    assert "control characters" in response.json()["error"]["extraDetail"]["fields"]["spec.url"]
    assert not WebhookRule.objects.exists()


@pytest.mark.parametrize(
    "headers, field",
    [
        ({"X-Snow": "TOP☃"}, "X-Snow"),
        ({"X-Lead": " lead"}, "X-Lead"),
        ({"X-A": "1", "x-a": "2"}, "x-a"),
    ],
)
def test_header_values_the_client_cannot_send_are_refused(editor, project, headers, field):
    body = rule_spec("https://hooks.example.com/", authentication={"headers": headers})
    response = editor.put(f"{RULES}/r1", body, format="json")
    assert response.status_code == 400
    assert (
        f"spec.authentication.headers.{field}" in response.json()["error"]["extraDetail"]["fields"]
    )


def test_transport_never_raises_nor_quotes_what_it_could_not_send():
    result = transport.post(
        "http://127.0.0.1:9/",
        headers={"X-Secret": "s3cr☃t"},
        body=b"{}",
        connect_timeout=1,
        total_timeout=2,
        max_bytes=100,
    )
    assert result.error_class in {"request", "connection"}
    assert "s3cr" not in result.error_detail and "☃" not in result.error_detail


def test_resources_are_born_in_their_first_state(project):
    transform = Transform.objects.create(project=project, name="t")
    with pytest.raises(InvalidTransition):
        Job.objects.create(project=project, transform=transform, name="j", state="Finished")


def test_project_admins_manage_members_but_editors_cannot(member, project):
    admin = member(Role.ADMIN, name="boss")
    make_user("newbie")
    body = {"spec": {"members": {"boss": {"role": "admin"}, "newbie": {"role": "viewer"}}}}
    assert admin.put("/api/v1/projects/studio", body, format="json").status_code == 200
    assert Membership.objects.filter(user__username="newbie").exists()
    editor = member(Role.EDITOR, name="worker")
    assert editor.put("/api/v1/projects/studio", body, format="json").status_code == 403


def test_members_sign_in_to_the_delivery_pages_without_admin_rights(project):
    user = make_user("operator")
    Membership.objects.create(project=project, user=user, role=Role.VIEWER)
    client = Client()
    page = client.get("/deliveries/", follow=True)
    assert page.request["PATH_INFO"] == "/accounts/login/"
    response = client.post("/accounts/login/", {"username": "operator", "password": "pw-123456789"})
    assert response.status_code == 302 and response["Location"] == "/deliveries/"
    assert client.get("/deliveries/").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/projects/a%00b",
        "/api/v1/projects/studio/webhook/rules/a%00b",
        "/api/v1/projects/studio/webhook/rules?x=%00",
        "/deliveries/?q=%00",
        "/deliveries/rules/studio/a%00b/",
    ],
)
def test_a_nul_in_the_url_is_a_400_in_the_error_shape(editor, project, path):
    response = editor.get(path)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"
