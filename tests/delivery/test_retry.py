from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from delivery.retry import parse_retry_after, retry_delay
from delivery.transport import Result

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def failure(error_class="http_5xx", **headers) -> Result:
    return Result(10, status=500, headers=headers, error_class=error_class)


@pytest.mark.parametrize("attempts_made, base", [(1, 5), (2, 300), (3, 1800), (7, 36000)])
def test_retry_delay_follows_the_svix_schedule_with_jitter(attempts_made, base):
    delays = [
        retry_delay(attempts_made=attempts_made, result=failure(), now=NOW) for _ in range(50)
    ]
    assert all(base * 0.8 <= d <= base * 1.2 for d in delays)
    assert len(set(delays)) > 1


def test_retry_stops_after_eight_attempts():
    assert retry_delay(attempts_made=8, result=failure(), now=NOW) is None


@pytest.mark.parametrize("error_class", ["throttled", "timeout"])
def test_throttling_and_timeouts_wait_at_least_a_minute(error_class):
    assert retry_delay(attempts_made=1, result=failure(error_class), now=NOW) >= 60


def test_gone_is_never_retried():
    assert retry_delay(attempts_made=1, result=failure("gone"), now=NOW) is None


def test_retry_after_seconds_and_http_date():
    assert parse_retry_after("120", NOW) == 120
    later = format_datetime(NOW + timedelta(minutes=10), usegmt=True)
    assert parse_retry_after(later, NOW) == 600
    assert parse_retry_after("soon", NOW) is None


def test_retry_after_is_capped():
    result = failure(**{"retry-after": str(10**9)})
    assert retry_delay(attempts_made=1, result=result, now=NOW) == 36000


def test_retry_after_in_other_digits_is_ignored():
    assert parse_retry_after("²", NOW) is None and parse_retry_after("١٢", NOW) is None
