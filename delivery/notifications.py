"""E-mail to a project's admins when one of its rules starts failing, is disabled, or recovers.

Each notice is claimed with a conditional update of `health_notice`, so concurrent workers
send at most one e-mail per rule per change.
"""

from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from mkwebhooks.projects.models import Membership, Role
from rules.models import WebhookRule

SUBJECTS = {
    "failing": "Webhook rule {rule} is failing",
    "disabled": "Webhook rule {rule} was disabled",
    "": "Webhook rule {rule} has recovered",
}


def rule_notice_change(*, rule: WebhookRule, notice: str, detail: str) -> None:
    """Move the rule to `notice` and, if that is a change, e-mail the admins after commit."""
    claimed = WebhookRule.objects.filter(pk=rule.pk).exclude(health_notice=notice)
    if notice == "failing":  # "disabled" outranks "failing"
        claimed = claimed.exclude(health_notice="disabled")
    if claimed.update(health_notice=notice):
        transaction.on_commit(partial(notice_send, rule_id=rule.pk, notice=notice, detail=detail))


def notice_send(*, rule_id: int, notice: str, detail: str) -> None:
    rule = WebhookRule.objects.select_related("project").get(pk=rule_id)
    admins = Membership.objects.filter(project=rule.project, role=Role.ADMIN).exclude(
        user__email=""
    )
    recipients = list(admins.values_list("user__email", flat=True))
    if not recipients:
        return
    body = (
        f"{detail}\n\nRule: {rule}\nURL: {rule.url}\n"
        f"Review it at /deliveries/rules/{rule.project.name}/{rule.name}/"
    )
    subject = SUBJECTS[notice].format(rule=rule)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=True)
