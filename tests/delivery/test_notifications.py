"""Project admins hear once when a rule starts failing, is disabled, or recovers."""

from mkwebhooks.devtools.receiver import Receiver
from mkwebhooks.projects.models import Membership, Role
from rules.models import WebhookRule
from tests.conftest import make_user
from tests.delivery.test_sending import attempt, transition


def admins(project):
    boss = make_user("boss")
    boss.email = "boss@example.com"
    boss.save()
    Membership.objects.create(project=project, user=boss, role=Role.ADMIN)
    viewer = make_user("looker")
    viewer.email = "looker@example.com"
    viewer.save()
    Membership.objects.create(project=project, user=viewer, role=Role.VIEWER)


def test_failing_then_recovered_is_one_mail_each(
    project, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.MKWEBHOOKS = {**settings.MKWEBHOOKS, "RETRY_SCHEDULE": [0] * 8}
    admins(project)
    with Receiver([500] * 6 + [200]) as flaky:
        rule, delivery = transition(project, flaky.url)
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(7):
                attempt(delivery)
    subjects = [m.subject for m in mailoutbox]
    assert subjects == [
        "Webhook rule studio/hook is failing",
        "Webhook rule studio/hook has recovered",
    ]
    assert mailoutbox[0].to == ["boss@example.com"]
    assert "4 attempts in a row failed" in mailoutbox[0].body


def test_automatic_disable_is_mailed_once(project, mailoutbox, django_capture_on_commit_callbacks):
    admins(project)
    with Receiver([410]) as gone:
        rule, delivery = transition(project, gone.url)
        with django_capture_on_commit_callbacks(execute=True):
            attempt(delivery)
    assert [m.subject for m in mailoutbox] == ["Webhook rule studio/hook was disabled"]
    assert "410 Gone" in mailoutbox[0].body
    assert WebhookRule.objects.get().health_notice == "disabled"
