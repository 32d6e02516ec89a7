import hashlib

from django.utils import timezone

from mkwebhooks.api.envelope import iso, metadata
from rules.models import RuleSecret, WebhookRule


def rule_spec(rule: WebhookRule) -> dict:
    """The rule's spec as clients read it: secret values print as the mask."""
    authentication = {key: {} for key in RuleSecret.SPEC_KEYS.values()}
    for secret in rule.secrets.all():
        key = RuleSecret.SPEC_KEYS[RuleSecret.Location(secret.location)]
        authentication[key][secret.name] = str(secret.value)
    return {
        "enabled": rule.enabled,
        "url": rule.url,
        "events": rule.events,
        "headers": rule.headers,
        "queryParams": rule.query_params,
        "authentication": authentication,
    }


def rule_body(rule: WebhookRule) -> dict:
    return {
        "metadata": metadata(rule, project=rule.project.name),
        "spec": rule_spec(rule),
        "status": {
            "disabledReason": rule.disabled_reason or None,
            "disabledAt": iso(rule.disabled_at),
            "signing": signing_status(rule),
        },
    }


def signing_status(rule: WebhookRule) -> dict:
    """Whether deliveries are signed, and since when; never the secret."""
    keys = rule.signing_keys_in_force(timezone.now())
    return {
        "enabled": bool(keys),
        "secretCreated": iso(keys[0].created) if keys else None,
        "signatures": len(keys),
    }


def rule_etag(rule: WebhookRule) -> str:
    """Changes with every write to the rule (its `updated` moves), secrets included."""
    version = hashlib.sha256(f"{rule.uuid}:{rule.updated.isoformat()}".encode()).hexdigest()
    return f'"{version[:32]}"'
