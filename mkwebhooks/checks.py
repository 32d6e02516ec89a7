"""System checks that refuse an unsafe or self-defeating configuration at start-up."""

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, Warning, register

from mkwebhooks.conf import longest_attempt_seconds, webhook_settings
from mkwebhooks.secrets import UNDECRYPTABLE
from mkwebhooks.settings import INSECURE_SECRET_KEY


@register()
def check_secret_keys(app_configs, **kwargs):
    problems = []
    keys = webhook_settings.ENCRYPTION_KEYS
    for index, key in enumerate(keys):
        try:
            Fernet(key.encode())
        except ValueError:
            problems.append(
                Error(
                    f"MKWEBHOOKS_ENCRYPTION_KEYS item {index + 1} is not a Fernet key.",
                    hint="Generate one with: python -c 'from cryptography.fernet import "
                    "Fernet; print(Fernet.generate_key().decode())'",
                    id="mkwebhooks.E001",
                )
            )
    if not keys and not settings.DEBUG:
        problems.append(
            Error(
                "MKWEBHOOKS_ENCRYPTION_KEYS is not set: webhook secrets cannot be encrypted.",
                hint="Set it to one or more Fernet keys, newest first.",
                id="mkwebhooks.E002",
            )
        )
    elif not keys:
        problems.append(
            Warning(
                "No MKWEBHOOKS_ENCRYPTION_KEYS: the embedded mode derives one from SECRET_KEY.",
                hint="Set MKWEBHOOKS_ENCRYPTION_KEYS before storing real secrets.",
                id="mkwebhooks.W001",
            )
        )
    if settings.SECRET_KEY == INSECURE_SECRET_KEY and not settings.DEBUG:
        problems.append(
            Error(
                "DJANGO_SECRET_KEY is not set while DEBUG is off.",
                hint="Set DJANGO_SECRET_KEY to a long random value.",
                id="mkwebhooks.E003",
            )
        )
    return problems


@register()
def check_task_timeouts(app_configs, **kwargs):
    """A task still running must never be handed to a second worker."""
    cluster = settings.Q_CLUSTER
    timeout, retry = cluster.get("timeout"), cluster.get("retry", 60)
    longest_send = longest_attempt_seconds()
    # A deliver task starts no attempt that could outlive its lease.
    longest_task = max(webhook_settings.LEASE_SECONDS, webhook_settings.SWEEP_SECONDS)
    problems = []
    if not timeout or retry <= timeout or longest_task >= timeout:
        problems.append(
            Error(
                f"Q_CLUSTER timeout={timeout}, retry={retry} cannot hold a {longest_task} s task.",
                hint="Keep LEASE_SECONDS, SWEEP_SECONDS < timeout < retry.",
                id="mkwebhooks.E004",
            )
        )
    if longest_send >= webhook_settings.LEASE_SECONDS:
        problems.append(
            Error(
                f"MKWEBHOOKS_LEASE_SECONDS={webhook_settings.LEASE_SECONDS} is shorter than one "
                f"attempt can take ({longest_send:g} s): a second worker would send it again.",
                hint="Keep LEASE_SECONDS > CONNECT_TIMEOUT + TOTAL_TIMEOUT + 5.",
                id="mkwebhooks.E006",
            )
        )
    return problems


@register()
def check_stored_secrets_decrypt(app_configs, **kwargs):
    """A wrong key must stop the start, not turn up later as failed deliveries.

    Every stored secret is tried, not a sample: after a key was dropped without
    `rotate_secrets`, only the older secrets fail (a few ms per thousand secrets)."""
    from django.db import DatabaseError

    from rules.models import RuleSecret, SigningKey

    try:
        stored = [
            *RuleSecret.objects.values_list("value", flat=True),
            *SigningKey.objects.values_list("secret", flat=True),
        ]
    except DatabaseError:  # no tables yet (before migrate) or no database: nothing to check
        return []
    unreadable = sum(not secret.readable() for secret in stored)
    if not unreadable:
        return []
    return [
        Error(
            f"{UNDECRYPTABLE} ({unreadable} of {len(stored)} stored secrets.)",
            hint="Check MKWEBHOOKS_ENCRYPTION_KEYS.",
            id="mkwebhooks.E005",
        )
    ]
