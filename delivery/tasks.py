"""django-q2 tasks: take ids, reload, call a service."""

import signal
import threading
import time
from contextlib import contextmanager
from datetime import timedelta

from django.utils import timezone

from delivery.maintenance import deliveries_purge
from delivery.outbox import deliveries_wake_due, heartbeat_record
from delivery.services import deliveries_claim, deliveries_send
from mkwebhooks.conf import webhook_settings

HEARTBEAT_EVERY = 10  # seconds; /healthz reads it


def deliver(delivery_ids: list[int] | int) -> None:
    """Send a batch of deliveries (an int is one: tasks queued before batches carry one)."""
    ids = [delivery_ids] if isinstance(delivery_ids, int) else delivery_ids
    deliveries_send(deliveries_claim(ids))


def sweep() -> int:
    """Run by a django-q2 schedule every minute; wakes due deliveries about every second.

    django-q2's scheduler looks at schedules only every 30 s, so a retry due in 5 s
    would wait that long; this loop keeps the schedule's promise to the second. It ends
    early on SIGINT: a stopping cluster would otherwise wait for the whole loop.
    """
    woken, deadline, last_beat = 0, time.monotonic() + webhook_settings.SWEEP_SECONDS, 0.0
    with interrupt_event() as stopping:
        while time.monotonic() < deadline and not stopping.is_set():
            if time.monotonic() - last_beat >= HEARTBEAT_EVERY:
                heartbeat_record()
                last_beat = time.monotonic()
            woken += deliveries_wake_due()
            stopping.wait(webhook_settings.SWEEP_INTERVAL)
    return woken


@contextmanager
def interrupt_event():
    """An Event set by SIGINT while the block runs (workers otherwise ignore SIGINT).

    Signal handlers can only be set in a main thread; elsewhere (sync mode) it is never set.
    """
    stopping = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stopping
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: stopping.set())
    try:
        yield stopping
    finally:
        signal.signal(signal.SIGINT, previous)


def purge() -> int:
    """Run daily by a django-q2 schedule: apply the retention period."""
    days = webhook_settings.RETENTION_DAYS
    if not days:
        return 0
    return deliveries_purge(before=timezone.now() - timedelta(days=days))
