"""Writes to webhook rules. Views and admin call these; none of them repeats the logic."""

import base64
import secrets
from datetime import timedelta
from functools import partial

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from mkwebhooks.conf import webhook_settings
from mkwebhooks.projects.models import Project
from mkwebhooks.secrets import MASK
from rules.audit import rule_change_record, rule_snapshot
from rules.models import RuleSecret, SigningKey, WebhookRule
from rules.representations import rule_etag


class PreconditionFailed(Exception):
    """The client's If-Match names a version of the rule that is no longer current."""


def check_precondition(rule: WebhookRule | None, if_match: str | None) -> None:
    if if_match is None or if_match.strip() == "*" and rule is not None:
        return
    if rule is None or rule_etag(rule) not in {tag.strip() for tag in if_match.split(",")}:
        raise PreconditionFailed


def resolve_secrets(rule: WebhookRule | None, authentication: dict) -> list[RuleSecret]:
    """Build the rule's secrets; a value equal to the mask keeps the stored one."""
    stored = {}
    if rule is not None:
        stored = {(s.location, s.name): s.value for s in rule.secrets.all()}
    secrets, errors = [], {}
    for location, key in RuleSecret.SPEC_KEYS.items():
        for name, value in authentication.get(key, {}).items():
            if value == MASK:
                value = stored.get((location, name))
                if value is None:
                    errors[f"spec.authentication.{key}.{name}"] = (
                        f"is the mask {MASK!r} but no value is stored for this key."
                    )
            secrets.append(RuleSecret(location=location, name=name, value=value))
    if errors:
        raise ValidationError(errors)
    return secrets


def rule_upsert(
    *, project: Project, name: str, spec: dict, user, if_match: str | None = None
) -> tuple[WebhookRule, bool]:
    """Create or wholly replace a rule from a validated spec; return (rule, created)."""
    write = partial(rule_write, project=project, name=name, spec=spec, user=user,
                    if_match=if_match)  # fmt: skip
    try:
        return write()
    except IntegrityError:
        # Created by a concurrent request between our lookup and insert (a row that does
        # not exist yet cannot be locked): now it exists, so this PUT replaces it.
        return write()


@transaction.atomic
def rule_write(
    *, project: Project, name: str, spec: dict, user, if_match: str | None
) -> tuple[WebhookRule, bool]:
    rule = WebhookRule.objects.select_for_update().filter(project=project, name=name).first()
    check_precondition(rule, if_match)
    before = rule_snapshot(rule)
    secrets = resolve_secrets(rule, spec["authentication"])
    created = rule is None
    if created:
        rule = WebhookRule(project=project, name=name, created_by=user)
    rule.enabled, rule.url, rule.events = spec["enabled"], spec["url"], spec["events"]
    rule.headers, rule.query_params = spec["headers"], spec["queryParams"]
    rule.updated_by = user
    rule.save()
    rule.secrets.all().delete()
    for secret in secrets:
        secret.rule = rule
    RuleSecret.objects.bulk_create(secrets)
    rule_change_record(rule=rule, user=user, before=before)
    return rule, created


@transaction.atomic
def rule_delete(*, rule: WebhookRule, user, if_match: str | None = None) -> None:
    """Delete a rule and its delivery history, keeping the deletion in the audit trail."""
    rule = WebhookRule.objects.select_for_update().get(pk=rule.pk)
    check_precondition(rule, if_match)
    before = rule_snapshot(rule)
    rule.delete()
    rule_change_record(rule=rule, user=user, before=before, deleted=True)


def rule_disable(*, rule: WebhookRule, reason: str) -> bool:
    """Disable a rule on the delivery engine's behalf, recording why; False if it already was."""
    return bool(
        WebhookRule.objects.filter(pk=rule.pk, enabled=True).update(
            enabled=False, disabled_reason=reason[:300], disabled_at=timezone.now()
        )
    )


@transaction.atomic
def rule_signing_rotate(*, rule: WebhookRule) -> tuple[str, object]:
    """Create a new signing secret; earlier ones keep signing for the grace period.

    Return (the new secret, shown only now; when the previous one stops signing).
    """
    now = timezone.now()
    grace_end = now + timedelta(seconds=webhook_settings.SIGNING_GRACE_SECONDS)
    previous = rule.signing_keys.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=grace_end))
    had_previous = previous.update(expires_at=grace_end) > 0
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    SigningKey.objects.create(rule=rule, secret=secret)
    return secret, grace_end if had_previous else None


def rule_signing_stop(*, rule: WebhookRule) -> int:
    return rule.signing_keys.all().delete()[0]


def secrets_reencrypt(*, progress=lambda n: None, batch: int = 200) -> int:
    """Re-encrypt every stored secret with the newest key (a wrong key stops it, loudly)."""
    count = 0
    for model, field in ((RuleSecret, "value"), (SigningKey, "secret")):
        after = 0
        while rows := list(model.objects.filter(pk__gt=after).order_by("pk")[:batch]):
            for row in rows:
                setattr(row, field, getattr(row, field).rotated())
            with transaction.atomic():
                model.objects.bulk_update(rows, [field])
            after, count = rows[-1].pk, count + len(rows)
            progress(len(rows))
    return count
