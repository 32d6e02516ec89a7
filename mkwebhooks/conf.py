"""One accessor for the product's settings, read lazily (DRF's api_settings pattern).

`settings.MKWEBHOOKS` overrides any default below; `override_settings` works in tests
because nothing is cached.
"""

from django.conf import settings

import mkwebhooks

DEFAULTS = {
    # Fernet keys, newest first. Empty: the embedded mode derives one from SECRET_KEY.
    "ENCRYPTION_KEYS": [],
    "ALLOW_HTTP": False,
    "ALLOWED_TARGET_NETWORKS": [],
    "SCHEDULED_OPERATION_EVENTS": True,
    # Svix's schedule: at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (8 attempts).
    "RETRY_SCHEDULE": [0, 5, 300, 1800, 7200, 18000, 36000, 36000],
    "RETRY_JITTER": 0.2,
    "THROTTLED_MIN_DELAY": 60,
    "RETRY_AFTER_CAP": 36000,
    "DISABLE_AFTER_FAILING_FOR": 5 * 24 * 3600,
    # The project's admins are e-mailed once a rule has failed this many attempts in a row.
    "FAILING_NOTICE_AFTER": 4,
    "CONNECT_TIMEOUT": 5.0,
    "TOTAL_TIMEOUT": 15.0,
    "MAX_RESPONSE_BYTES": 20_000,
    # A delivery claimed by a worker that died is re-sent after the lease ends.
    "LEASE_SECONDS": 60,
    # Deliveries per task: claimed together, sent one after another over one session.
    "TASK_BATCH": 20,
    # A first attempt whose enqueue was lost is picked up by the sweeper after this.
    "REENQUEUE_AFTER_SECONDS": 30,
    # …and, while the broker's queue is never empty, after this (a lost task behind a backlog).
    "REENQUEUE_BEHIND_BACKLOG_SECONDS": 600,
    "SWEEP_SECONDS": 50,
    "SWEEP_INTERVAL": 1.0,
    "SWEEP_BATCH": 200,
    # After a signing-secret rotation the previous secret keeps signing this long.
    "SIGNING_GRACE_SECONDS": 24 * 3600,
    "USER_AGENT": f"mkwebhooks/{mkwebhooks.__version__}",
    # Delivery records older than this are purged daily (0 keeps them forever).
    "RETENTION_DAYS": 30,
    # Per API token; the counters live in each process's cache (see docs/DECISIONS.md).
    "API_RATE": "1200/min",
    "PAGE_SIZE": 100,
    "MAX_PAGE_SIZE": 1000,
}


class WebhookSettings:
    def __getattr__(self, name: str):
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown mkwebhooks setting: {name}")
        return getattr(settings, "MKWEBHOOKS", {}).get(name, DEFAULTS[name])


webhook_settings = WebhookSettings()


def longest_attempt_seconds() -> float:
    """What one attempt can take: the DNS lookup and connect, the whole deadline, recording."""
    return webhook_settings.CONNECT_TIMEOUT + webhook_settings.TOTAL_TIMEOUT + 5
