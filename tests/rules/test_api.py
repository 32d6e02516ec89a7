import json

import pytest

from mkwebhooks.projects.models import Role
from mkwebhooks.secrets import MASK
from rules.models import RuleSecret, WebhookRule
from tests.conftest import rule_spec

RULE = "/api/v1/projects/studio/webhook/rules/encodes"
URL = "https://hooks.example.com/mkio"


def put(client, body, path=RULE):
    return client.put(path, body, format="json")


def test_rule_put_creates_then_replaces(editor):
    created = put(editor, rule_spec(URL))
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["metadata"]["name"] == "encodes"
    assert body["metadata"]["createdBy"] == "editor-user"
    assert body["spec"]["queryParams"] == {"process": "123456"}
    replaced = put(editor, rule_spec(URL, events=["MediaKind.JobFinished"], headers={}))
    assert replaced.status_code == 200
    assert replaced.json()["spec"]["events"] == ["MediaKind.JobFinished"]
    assert replaced.json()["spec"]["headers"] == {}
    assert replaced.json()["metadata"]["id"] == body["metadata"]["id"]


def test_rule_get_masks_every_secret_value(editor):
    put(editor, rule_spec(URL))
    body = editor.get(RULE).json()
    assert body["spec"]["authentication"] == {
        "headers": {"Authorization": MASK},
        "queryParams": {"token": MASK},
    }
    assert "s3cr3t" not in json.dumps(body)


def test_rule_round_trip_keeps_stored_secrets(editor):
    put(editor, rule_spec(URL))
    read_back = editor.get(RULE).json()
    read_back["spec"]["enabled"] = False
    assert put(editor, {"spec": read_back["spec"]}).status_code == 200
    secrets = {s.name: s.value.reveal() for s in RuleSecret.objects.all()}
    assert secrets == {"Authorization": "Bearer s3cr3t-header-value", "token": "s3cr3t-query-value"}


def test_rule_mask_without_stored_value_is_rejected(editor):
    body = rule_spec(URL, authentication={"headers": {"X-Api-Key": MASK}})
    response = put(editor, body)
    assert response.status_code == 400
    assert (
        "spec.authentication.headers.X-Api-Key" in response.json()["error"]["extraDetail"]["fields"]
    )
    assert not WebhookRule.objects.exists()  # nothing half-saved


def test_rule_patch_merges_and_keeps_secrets(editor):
    put(editor, rule_spec(URL))
    response = editor.patch(
        RULE, {"spec": {"enabled": False, "headers": {"X-Team": None}}}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["spec"]["enabled"] is False
    assert response.json()["spec"]["headers"] == {}
    assert RuleSecret.objects.count() == 2


def test_rule_duplicate_events_are_collapsed(editor):
    events = ["MediaKind.JobStarted", "MediaKind.JobStarted", "MediaKind.JobFinished"]
    response = put(editor, rule_spec(URL, events=events))
    assert response.json()["spec"]["events"] == ["MediaKind.JobStarted", "MediaKind.JobFinished"]


def test_rule_list_pages_with_skiptoken(editor):
    for index in range(5):
        put(editor, rule_spec(URL), path=f"/api/v1/projects/studio/webhook/rules/r{index}")
    first = editor.get("/api/v1/projects/studio/webhook/rules", {"$top": 2}).json()
    assert [r["metadata"]["name"] for r in first["value"]] == ["r0", "r1"]
    pagination = first["supplemental"]["pagination"]
    assert pagination == {**pagination, "start": 0, "end": 1, "records": 2, "total": 5}
    token = pagination["skipToken"]
    second = editor.get("/api/v1/projects/studio/webhook/rules", {"$top": 2, "$skiptoken": token})
    assert [r["metadata"]["name"] for r in second.json()["value"]] == ["r2", "r3"]
    assert second.json()["supplemental"]["pagination"]["start"] == 2


def test_rule_delete_then_404(editor):
    put(editor, rule_spec(URL))
    assert editor.delete(RULE).status_code == 204
    assert editor.delete(RULE).status_code == 404
    assert editor.get(RULE).json()["error"]["code"] == "not_found"


def spec_with(**changes):
    body = rule_spec(URL)
    for key, value in changes.items():
        if value is KeyError:
            body["spec"].pop(key)
        else:
            body["spec"][key] = value
    return body


BAD_SPECS = {
    "missing enabled": (spec_with(enabled=KeyError), "spec.enabled"),
    "missing url": (spec_with(url=KeyError), "spec.url"),
    "missing events": (spec_with(events=KeyError), "spec.events"),
    "empty events": (spec_with(events=[]), "spec.events"),
    "unknown event": (spec_with(events=["MediaKind.JobStarted", "Nope"]), "spec.events[1]"),
    "ftp url": (spec_with(url="ftp://hooks.example.com/x"), "spec.url"),
    "credentials in url": (spec_with(url="https://user:pw@hooks.example.com/"), "spec.url"),
    "private address": (spec_with(url="https://10.1.2.3/hook"), "spec.url"),
    "header not a token": (spec_with(headers={"Bad Header": "x"}), "spec.headers.Bad Header"),
    "header with CRLF": (spec_with(headers={"X-A": "a\r\nX-Injected: 1"}), "spec.headers.X-A"),
    "reserved header": (
        spec_with(headers={"Content-Type": "text/plain"}),
        "spec.headers.Content-Type",
    ),
    "webhook- header": (spec_with(headers={"webhook-id": "1"}), "spec.headers.webhook-id"),
    "ce- header": (spec_with(headers={"ce-type": "x"}), "spec.headers.ce-type"),
    "secret reserved": (
        spec_with(authentication={"headers": {"Host": "evil"}}),
        "spec.authentication.headers.Host",
    ),
    "query key twice": (
        spec_with(authentication={"queryParams": {"process": "x"}}),
        "spec.authentication.queryParams.process",
    ),
    "header twice": (
        spec_with(authentication={"headers": {"x-team": "x"}}),
        "spec.authentication.headers.x-team",
    ),
    "enabled yes": (spec_with(enabled="yes"), "spec.enabled"),
    "events not a list": (spec_with(events="MediaKind.JobStarted"), "spec.events"),
    "header value number": (spec_with(headers={"X-A": 5}), "spec.headers.X-A"),
    "headers not a map": (spec_with(headers=["X-A"]), "spec.headers"),
    "too many headers": (spec_with(headers={f"X-{i}": "v" for i in range(33)}), "spec.headers"),
    "value too long": (spec_with(headers={"X-A": "v" * 4097}), "spec.headers.X-A"),
    "oversized spec": (spec_with(description="x" * 70_000), "spec"),
    "unknown field": (spec_with(evnets=["MediaKind.JobStarted"]), "spec.evnets"),
    "no spec": ({"metadata": {}}, "spec"),
}


@pytest.mark.parametrize("body, path", BAD_SPECS.values(), ids=BAD_SPECS.keys())
def test_rule_bad_input_is_a_400_naming_the_field(editor, body, path):
    response = put(editor, body)
    assert response.status_code == 400, response.json()
    payload = response.json()
    assert payload["status"] == 400 and payload["ref"] == response["X-Request-Id"]
    assert payload["error"]["code"] == "validation_error"
    assert path in payload["error"]["extraDetail"]["fields"], payload
    assert not WebhookRule.objects.exists()


def test_rule_plain_http_needs_the_setting(editor, settings):
    settings.MKWEBHOOKS = {**settings.MKWEBHOOKS, "ALLOW_HTTP": False}
    response = put(editor, spec_with(url="http://hooks.example.com/x"))
    assert response.status_code == 400
    assert "https://" in response.json()["error"]["extraDetail"]["fields"]["spec.url"]


def test_rule_unknown_event_error_lists_valid_types(editor):
    response = put(editor, spec_with(events=["Nope"]))
    message = response.json()["error"]["extraDetail"]["fields"]["spec.events[0]"]
    assert "MediaKind.JobStarted" in message and "MediaKind.ScheduledOperationError" in message


def test_rule_malformed_json_is_a_400(editor):
    response = editor.put(RULE, data='{"spec": {', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"


def test_rule_bad_name_is_a_400(editor):
    response = put(editor, rule_spec(URL), path="/api/v1/projects/studio/webhook/rules/" + "x" * 64)
    assert response.status_code == 400


def test_rule_scheduled_operation_events_follow_the_feature_flag(editor, settings):
    settings.MKWEBHOOKS = {**settings.MKWEBHOOKS, "SCHEDULED_OPERATION_EVENTS": False}
    response = put(editor, spec_with(events=["MediaKind.ScheduledOperationAccepted"]))
    assert response.status_code == 400
    types = editor.get("/api/v1/webhook/eventTypes").json()["value"]
    assert "MediaKind.ScheduledOperationAccepted" not in {t["name"] for t in types}


def test_rule_without_token_is_401(client, project):
    response = client.get(RULE)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_rule_in_someone_elses_project_is_404(member, project):
    from mkwebhooks.projects.models import Project

    Project.objects.create(name="other")
    outsider = member(Role.ADMIN, name="studio-admin")
    response = outsider.get("/api/v1/projects/other/webhook/rules")
    assert response.status_code == 404
    assert outsider.get("/api/v1/projects/missing/webhook/rules").status_code == 404


def test_rule_viewer_reads_but_cannot_write(member, editor):
    put(editor, rule_spec(URL))
    viewer = member(Role.VIEWER)
    assert viewer.get(RULE).status_code == 200
    response = put(viewer, rule_spec(URL))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert viewer.delete(RULE).status_code == 403
