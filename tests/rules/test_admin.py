"""Rules in admin: secrets are write-only inputs, blank keeps the stored value."""

from rules.models import RuleSecret, WebhookRule
from tests import factories

SECRET = "Bearer admin-typed-secret"


def rule_form(project, **overrides) -> dict:
    data = {
        "project": project.pk,
        "name": "from-admin",
        "enabled": "on",
        "url": "https://hooks.example.com/admin",
        "events": ["MediaKind.JobStarted"],
        "headers": '{"X-Team": "media"}',
        "query_params": "{}",
        "secrets-TOTAL_FORMS": "1",
        "secrets-INITIAL_FORMS": "0",
        "secrets-0-location": "header",
        "secrets-0-name": "Authorization",
        "secrets-0-value": SECRET,
        "changes-TOTAL_FORMS": "0",  # the read-only audit-trail inline
        "changes-INITIAL_FORMS": "0",
    }
    return {**data, **overrides}


def test_admin_creates_a_rule_with_a_secret_it_never_shows(admin_client, project):
    response = admin_client.post("/admin/rules/webhookrule/add/", rule_form(project))
    assert response.status_code == 302, response.content.decode()[-3000:]
    rule = WebhookRule.objects.get()
    assert rule.secrets.get().value.reveal() == SECRET
    page = admin_client.get(f"/admin/rules/webhookrule/{rule.pk}/change/").content.decode()
    assert "Authorization" in page and "********" in page
    assert "admin-typed-secret" not in page


def test_admin_blank_secret_keeps_the_stored_value(admin_client, project):
    rule = factories.rule(
        project, "https://hooks.example.com/", authentication={"headers": {"X-Key": "kept-value"}}
    )
    secret = rule.secrets.get()
    form = rule_form(
        project,
        name=rule.name,
        **{
            "secrets-INITIAL_FORMS": "1",
            "secrets-0-id": str(secret.pk),
            "secrets-0-rule": str(rule.pk),
            "secrets-0-name": "X-Key",
            "secrets-0-value": "",
        },
    )
    response = admin_client.post(f"/admin/rules/webhookrule/{rule.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert RuleSecret.objects.get().value.reveal() == "kept-value"


def test_admin_rejects_what_the_api_rejects(admin_client, project):
    form = rule_form(project, url="ftp://hooks.example.com/", headers='{"Host": "x"}')
    form["secrets-0-name"] = "Bad Header"
    response = admin_client.post("/admin/rules/webhookrule/add/", form)
    page = response.content.decode()
    assert response.status_code == 200
    assert "spec.url" in page and "spec.headers.Host" in page and "not a valid HTTP header" in page
    assert not WebhookRule.objects.exists()


def test_delivery_admin_is_read_only_and_filters(admin_client, project):
    factories.rule(project, "https://hooks.example.com/")
    job = factories.job(project)
    job.state = "Processing"
    job.save()
    listing = admin_client.get("/admin/delivery/delivery/", {"status__exact": "Pending"})
    assert listing.status_code == 200 and b"MediaKind.JobStarted" in listing.content
    assert admin_client.get("/admin/delivery/delivery/add/").status_code == 403


def test_admin_action_redelivers_a_rules_recent_failures(admin_client, project):
    from delivery.models import Delivery

    rule = factories.rule(project, "https://hooks.example.com/")
    job = factories.job(project)
    job.state = "Processing"
    job.save()
    Delivery.objects.update(status="Failed")
    response = admin_client.post(
        "/admin/rules/webhookrule/",
        {"action": "redeliver_failed_last_day", "_selected_action": [rule.pk]},
    )
    assert response.status_code == 302
    assert Delivery.objects.filter(status="Pending").count() == 1
