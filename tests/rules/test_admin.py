"""Rules in admin: secrets are write-only inputs, blank keeps the stored value."""

from delivery.models import Delivery
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
        "headers-key": ["X-Team", ""],  # key/value rows; blank rows are ignored
        "headers-value": ["media", ""],
        "query_params-key": [""],
        "query_params-value": [""],
        "secrets-TOTAL_FORMS": "1",
        "secrets-INITIAL_FORMS": "0",
        "secrets-0-location": "header",
        "secrets-0-name": "Authorization",
        "secrets-0-value": SECRET,
        "changes-TOTAL_FORMS": "0",  # the read-only audit-trail inline
        "changes-INITIAL_FORMS": "0",
    }
    return {**data, **overrides}


def stored_secret_form(project, rule, **overrides) -> dict:
    """The change form of a rule with one stored secret, X-Key, its value left blank."""
    secret = rule.secrets.get()
    stored = {
        "secrets-INITIAL_FORMS": "1",
        "secrets-0-id": str(secret.pk),
        "secrets-0-rule": str(rule.pk),
        "secrets-0-name": "X-Key",
        "secrets-0-value": "",
    }
    return rule_form(project, name=rule.name, **{**stored, **overrides})


def test_admin_creates_a_rule_with_a_secret_it_never_shows(admin_client, project):
    response = admin_client.post("/admin/rules/webhookrule/add/", rule_form(project))
    assert response.status_code == 302, response.content.decode()[-3000:]
    rule = WebhookRule.objects.get()
    assert rule.secrets.get().value.reveal() == SECRET
    assert rule.headers == {"X-Team": "media"} and rule.query_params == {}
    page = admin_client.get(f"/admin/rules/webhookrule/{rule.pk}/change/").content.decode()
    assert "Authorization" in page and "********" in page
    assert "admin-typed-secret" not in page


def test_admin_blank_secret_keeps_the_stored_value(admin_client, project):
    rule = factories.rule(
        project, "https://hooks.example.com/", authentication={"headers": {"X-Key": "kept-value"}}
    )
    response = admin_client.post(
        f"/admin/rules/webhookrule/{rule.pk}/change/", stored_secret_form(project, rule)
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert RuleSecret.objects.get().value.reveal() == "kept-value"


def test_admin_rejects_what_the_api_rejects(admin_client, project):
    form = rule_form(project, url="ftp://hooks.example.com/", **{"headers-key": ["Host"]})
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


def test_admin_key_value_rows_name_the_problem(admin_client, project):
    twice = rule_form(project, **{"headers-key": ["X-A", "x-a"], "headers-value": ["1", "2"]})
    page = admin_client.post("/admin/rules/webhookrule/add/", twice).content.decode()
    assert "&#x27;x-a&#x27; appears twice." in page
    nameless = rule_form(project, **{"query_params-key": [""], "query_params-value": ["v"]})
    page = admin_client.post("/admin/rules/webhookrule/add/", nameless).content.decode()
    assert "The value &#x27;v&#x27; needs a name." in page
    extra = rule_form(project, **{"headers-key": ["X-A"], "headers-value": ["1", "stray"]})
    page = admin_client.post("/admin/rules/webhookrule/add/", extra).content.decode()
    assert "The value &#x27;stray&#x27; needs a name." in page
    assert not WebhookRule.objects.exists()


def test_admin_delete_box_removes_a_secret_and_the_trail_says_so(admin_client, project):
    rule = factories.rule(
        project, "https://hooks.example.com/", authentication={"headers": {"X-Key": "gone-soon"}}
    )
    form = stored_secret_form(project, rule, **{"secrets-0-DELETE": "on"})
    response = admin_client.post(f"/admin/rules/webhookrule/{rule.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert not RuleSecret.objects.exists()
    change = rule.changes.order_by("-created").first()
    assert "removed" in str(change.changes) and "gone-soon" not in str(change.changes)


def test_admin_rule_pages_show_the_latest_deliveries(admin_client, project):
    rule = factories.rule(project, "https://hooks.example.com/")
    job = factories.job(project)
    job.state = "Processing"
    job.save()
    delivery = Delivery.objects.get()
    Delivery.objects.update(status="Failed")
    listing = admin_client.get("/admin/rules/webhookrule/").content.decode()
    assert '<td class="field-last_delivery">Failed</td>' in listing
    page = admin_client.get(f"/admin/rules/webhookrule/{rule.pk}/change/").content.decode()
    assert f'href="/deliveries/{delivery.uuid}/"' in page and "MediaKind.JobStarted" in page


def test_the_delivery_log_cannot_be_deleted_or_faceted_in_admin(admin_client, project):
    factories.rule(project, "https://hooks.example.com/")
    job = factories.job(project)
    job.state = "Processing"
    job.save()
    delivery = Delivery.objects.get()
    page = admin_client.get("/admin/delivery/delivery/").content.decode()
    assert "delete_selected" not in page and "_facets" not in page
    assert admin_client.get(f"/admin/delivery/delivery/{delivery.pk}/delete/").status_code == 403
    response = admin_client.post(
        "/admin/delivery/delivery/", {"action": "redeliver", "_selected_action": [delivery.pk]}
    )
    assert response.status_code == 302 and Delivery.objects.count() == 2
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["1 deliveries queued again."]


def test_admin_checks_secrets_with_the_rule_as_the_api_does(admin_client, project):
    both = rule_form(project, **{"headers-key": ["Authorization"], "headers-value": ["plain"]})
    page = admin_client.post("/admin/rules/webhookrule/add/", both).content.decode()
    assert "spec.authentication.headers.Authorization: is also set in headers." in page
    twice = rule_form(
        project,
        **{"secrets-TOTAL_FORMS": "2", "secrets-1-location": "header",
           "secrets-1-name": "authorization", "secrets-1-value": "Bearer other"},
    )  # fmt: skip
    page = admin_client.post("/admin/rules/webhookrule/add/", twice).content.decode()
    assert "is set twice" in page
    assert not WebhookRule.objects.exists() and not RuleSecret.objects.exists()


def test_moving_a_stored_secret_needs_its_value_again(admin_client, project):
    # A query value may start with a space; a header value may not. Moving it unseen
    # would store a header no request can carry.
    auth = {"authentication": {"queryParams": {"key": " kept"}}}
    rule = factories.rule(project, "https://hooks.example.com/", **auth)
    moved = {"secrets-0-location": "header", "secrets-0-name": "X-Key"}
    form = stored_secret_form(project, rule, **moved)
    page = admin_client.post(f"/admin/rules/webhookrule/{rule.pk}/change/", form).content.decode()
    assert "Type the value again" in page
    assert RuleSecret.objects.get().location == "query"
