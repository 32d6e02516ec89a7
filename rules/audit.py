"""The audit trail of rules: snapshots compared field by field, secrets by fingerprint only."""

from rules.models import RuleChange, RuleSecret, WebhookRule

SECRET_PREFIX = "authentication."


def rule_snapshot(rule: WebhookRule | None) -> dict:
    """What a change can touch. Secret values are represented by their ciphertext, which
    changes whenever a value is written, so a diff can say "set" without decrypting."""
    if rule is None or rule.pk is None:
        return {}
    snapshot = {
        "enabled": rule.enabled,
        "url": rule.url,
        "events": rule.events,
        "headers": rule.headers,
        "queryParams": rule.query_params,
    }
    for secret in rule.secrets.all():
        key = RuleSecret.SPEC_KEYS[RuleSecret.Location(secret.location)]
        snapshot[f"{SECRET_PREFIX}{key}.{secret.name}"] = secret.value.token
    return snapshot


def snapshot_diff(before: dict, after: dict) -> dict:
    changes = {}
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if key.startswith(SECRET_PREFIX):
            changes[key] = "removed" if new is None else "set"
        else:
            changes[key] = {"from": old, "to": new}
    return changes


def rule_change_record(*, rule: WebhookRule, user, before: dict, deleted: bool = False) -> None:
    """Record a change of `rule` (already saved or deleted) against the `before` snapshot."""
    after = {} if deleted else rule_snapshot(rule)
    changes = snapshot_diff(before, after)
    if not changes:
        return
    action = RuleChange.Action.DELETED if deleted else (
        RuleChange.Action.UPDATED if before else RuleChange.Action.CREATED
    )  # fmt: skip
    RuleChange.objects.create(
        project_id=rule.project_id,
        rule=None if deleted else rule,
        rule_name=rule.name,
        user=user if user and user.is_authenticated else None,
        action=action,
        changes=changes,
    )
