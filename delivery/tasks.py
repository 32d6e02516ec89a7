"""django-q2 tasks: take ids, reload, call a service."""

import time

from delivery.services import (
    deliveries_wake_due,
    delivery_claim,
    delivery_send,
    heartbeat_record,
)
from mkwebhooks.conf import webhook_settings


def deliver(delivery_id: int) -> None:
    delivery = delivery_claim(delivery_id)
    if delivery is not None:
        delivery_send(delivery)


def sweep() -> int:
    """Run by a django-q2 schedule every minute; wakes due deliveries about every second.

    django-q2's scheduler looks at schedules only every 30 s, so a retry due in 5 s
    would wait that long; this loop keeps the schedule's promise to the second.
    """
    woken, deadline = 0, time.monotonic() + webhook_settings.SWEEP_SECONDS
    while time.monotonic() < deadline:
        heartbeat_record()
        woken += deliveries_wake_due()
        time.sleep(webhook_settings.SWEEP_INTERVAL)
    return woken
