from django.db.models import Min, QuerySet
from django.utils import timezone

from delivery.models import Delivery, Heartbeat
from rules.models import WebhookRule


def deliveries_of_rule(
    *, rule: WebhookRule, status: str | None, event_type: str | None
) -> QuerySet:
    deliveries = Delivery.objects.filter(rule=rule).select_related("event")
    if status:
        deliveries = deliveries.filter(status=status)
    if event_type:
        deliveries = deliveries.filter(event__type=event_type)
    return deliveries


def queue_health() -> dict:
    """Pending work and the worker's last sign of life, for /healthz."""
    now = timezone.now()
    due = Delivery.objects.filter(
        status__in=(Delivery.Status.PENDING, Delivery.Status.RETRYING), next_attempt_at__lte=now
    ).exclude(leased_until__gt=now)  # in flight is not waiting
    oldest = due.aggregate(oldest=Min("next_attempt_at"))["oldest"]
    beat = Heartbeat.objects.filter(name="sweeper").first()
    age = (now - beat.seen_at).total_seconds() if beat else None
    return {
        # The sweeper runs every minute; much older means no worker is taking tasks.
        "worker": "ok" if age is not None and age < 180 else "stale",
        "dueDeliveries": due.count(),
        "oldestDueAgeSeconds": round((now - oldest).total_seconds(), 1) if oldest else 0,
        "workerLastSeenSecondsAgo": round((now - beat.seen_at).total_seconds(), 1)
        if beat
        else None,
    }


COUNT_CAP = 10_000  # counting past this is the slow part of a page over millions of rows


def capped_count(queryset: QuerySet) -> int:
    """The number of rows, but at most COUNT_CAP + 1 (read "more than COUNT_CAP")."""
    return queryset[: COUNT_CAP + 1].count()


def count_label(count: int) -> str:
    return f"{COUNT_CAP:,}+" if count > COUNT_CAP else f"{count:,}"
