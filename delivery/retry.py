"""When to try again: the retry policy of SPEC §6, in one place."""

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from delivery.transport import Result
from mkwebhooks.conf import webhook_settings

THROTTLING_ERRORS = {"throttled", "timeout"}
FINAL_ERRORS = {"gone"}


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # "²".isdigit() is true, too
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max((moment - now).total_seconds(), 0.0)


def retry_delay(*, attempts_made: int, result: Result, now: datetime) -> float | None:
    """Seconds until the next attempt, or None when the delivery has failed for good."""
    schedule = webhook_settings.RETRY_SCHEDULE
    if result.error_class in FINAL_ERRORS or attempts_made >= len(schedule):
        return None
    jitter = webhook_settings.RETRY_JITTER
    delay = schedule[attempts_made] * random.uniform(1 - jitter, 1 + jitter)
    if result.error_class in THROTTLING_ERRORS:
        delay = max(delay, webhook_settings.THROTTLED_MIN_DELAY)
    asked = parse_retry_after(result.headers.get("retry-after"), now)
    if asked is not None:
        delay = max(delay, min(asked, webhook_settings.RETRY_AFTER_CAP))
    return delay
