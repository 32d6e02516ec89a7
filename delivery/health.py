"""A rule's health over a window: the numbers and the chart of its review page."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count
from django.utils import timezone

from delivery.models import Attempt, Delivery
from rules.models import WebhookRule

CHART_W, CHART_H, HOURS = 720, 160, 24


@dataclass
class Bar:
    x: float
    width: float
    ok_height: float
    failed_height: float
    label: str
    ok: int
    failed: int

    @property
    def ok_y(self) -> float:
        return CHART_H - self.ok_height

    @property
    def failed_y(self) -> float:
        return CHART_H - self.ok_height - self.failed_height


def percentile(values: list[int], fraction: float) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(int(fraction * len(ordered)), len(ordered) - 1)]


def hourly_bars(attempts: list[Attempt], now: datetime) -> list[Bar]:
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=HOURS - 1)
    ok, failed = [0] * HOURS, [0] * HOURS
    for attempt in attempts:
        slot = int((attempt.started_at - start).total_seconds() // 3600)
        if 0 <= slot < HOURS:
            (ok if attempt.response_status and attempt.response_status < 300 else failed)[slot] += 1
    tallest = max([o + f for o, f in zip(ok, failed, strict=True)] + [1])
    width = CHART_W / HOURS
    return [
        Bar(x=i * width, width=width - 2, ok_height=ok[i] / tallest * CHART_H,
            failed_height=failed[i] / tallest * CHART_H,
            label=f"{(start + timedelta(hours=i)):%H}:00", ok=ok[i], failed=failed[i])
        for i in range(HOURS)
    ]  # fmt: skip


def rule_health(rule: WebhookRule) -> dict:
    """Success rate, attempts per delivery, latency and failures over the last 24 h."""
    now = timezone.now()
    since = now - timedelta(hours=HOURS)
    attempts = list(
        Attempt.objects.filter(delivery__rule=rule, started_at__gte=since)
        .exclude(error_class="in_flight")
        .only("started_at", "duration_ms", "response_status", "error_class", "error_detail",
              "delivery_id", "number")
        .order_by("-started_at")[:5000]
    )  # fmt: skip
    ok = [a for a in attempts if a.response_status and a.response_status < 300]
    deliveries = Delivery.objects.filter(rule=rule, created__gte=since)
    statuses = dict(deliveries.values_list("status").annotate(n=Count("pk")))
    attempted = deliveries.filter(attempts__gt=0).count()
    durations = [a.duration_ms for a in attempts]
    return {
        "since": since,
        "statuses": {status: statuses.get(status, 0) for status in Delivery.Status.values},
        "attempt_count": len(attempts),
        "success_rate": round(100 * len(ok) / len(attempts), 1) if attempts else None,
        "attempts_per_delivery": round(len(attempts) / attempted, 2) if attempted else None,
        "p50": percentile(durations, 0.5),
        "p95": percentile(durations, 0.95),
        "bars": hourly_bars(attempts, now),
        "chart_width": CHART_W,
        "chart_height": CHART_H,
        "last_failures": [a for a in attempts if a not in ok][:10],
    }
