"""ETag / If-Match, and the audit trail (API and admin)."""

import json

from rules.models import RuleChange
from tests.conftest import rule_spec
from tests.rules.test_admin import rule_form

RULE = "/api/v1/projects/studio/webhook/rules/encodes"
URL = "https://hooks.example.com/mkio"


def test_stale_if_match_is_a_412_and_changes_nothing(editor, member):
    created = editor.put(RULE, rule_spec(URL), format="json")
    etag = created["ETag"]
    assert editor.get(RULE)["ETag"] == etag
    other = member("editor", name="other-editor")
    assert (
        other.patch(
            RULE, {"spec": {"enabled": False}}, format="json", HTTP_IF_MATCH=etag
        ).status_code
        == 200
    )
    stale = editor.put(RULE, rule_spec(URL + "/v2"), format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "precondition_failed"
    assert editor.get(RULE).json()["spec"]["url"] == URL
    assert editor.delete(RULE, HTTP_IF_MATCH=etag).status_code == 412
    fresh = editor.get(RULE)["ETag"]
    assert editor.delete(RULE, HTTP_IF_MATCH=fresh).status_code == 204


def test_if_match_on_a_missing_rule_is_a_412(editor, project):
    response = editor.put(RULE, rule_spec(URL), format="json", HTTP_IF_MATCH='"abc"')
    assert response.status_code == 412


def test_history_records_who_changed_what_without_secret_values(editor):
    editor.put(RULE, rule_spec(URL), format="json")
    editor.patch(RULE, {"spec": {"enabled": False}}, format="json")
    new_secret = {"authentication": {"headers": {"Authorization": "Bearer rotated-value"}}}
    editor.patch(RULE, {"spec": new_secret}, format="json")
    editor.delete(RULE)
    history = editor.get(f"{RULE}/history").json()["value"]
    assert [h["action"] for h in history] == ["deleted", "updated", "updated", "created"]
    assert history[2]["changes"] == {"enabled": {"from": True, "to": False}}
    assert history[1]["changes"] == {"authentication.headers.Authorization": "set"}
    assert all(h["user"] == "editor-user" for h in history)
    text = json.dumps(history)
    assert "rotated-value" not in text and "s3cr3t" not in text


def test_unchanged_put_records_nothing(editor):
    editor.put(RULE, rule_spec(URL), format="json")
    spec = editor.get(RULE).json()["spec"]  # secrets come back masked: kept as they are
    editor.put(RULE, {"spec": spec}, format="json")
    assert RuleChange.objects.count() == 1


def test_admin_changes_are_audited_too(admin_client, project):
    admin_client.post("/admin/rules/webhookrule/add/", rule_form(project))
    change = RuleChange.objects.get()
    assert change.action == "created" and change.user.is_superuser
    assert change.changes["authentication.headers.Authorization"] == "set"
    assert "admin-typed-secret" not in json.dumps(change.changes)
    page = admin_client.get(f"/admin/rules/webhookrule/{change.rule_id}/change/").content.decode()
    assert "audit trail" in page and "admin-typed-secret" not in page
