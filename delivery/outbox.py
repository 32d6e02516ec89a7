"""The outbox: write a transition's Event and Deliveries, and wake the workers for them.

A state change writes Event + Delivery rows in its own transaction; after commit they are
enqueued, a task per batch. The broker is only a wake-up call: the sweeper enqueues again
whatever is due and in nobody's hands, so a lost enqueue or a dead worker only delays a
delivery.
"""

import logging
from datetime import timedelta
from functools import cache, partial

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django_q.brokers import Broker, get_broker
from django_q.conf import Conf
from django_q.tasks import async_task

from delivery.events import event_type_for
from delivery.models import Delivery, Event, Heartbeat
from mkwebhooks.conf import webhook_settings
from mkwebhooks.media.representations import represent
from rules.models import WebhookRule
from rules.selectors import rules_subscribed

logger = logging.getLogger("delivery")
OPEN = (Delivery.Status.PENDING, Delivery.Status.RETRYING)
TASK = "delivery.tasks.deliver"


def event_record(*, resource, previous_state: str, state: str) -> Event | None:
    """Write the outbox for a transition (inside its transaction); enqueue after commit."""
    event_type = event_type_for(type(resource).__name__, previous_state, state)
    if event_type is None:
        return None
    source = resource.source
    event = Event.objects.create(
        project_id=resource.project_id,
        type=event_type.name,
        source=source,
        sequence=next_sequence(source),
        time=resource.last_modified,
        data={
            "projectName": resource.project.name,
            "previousState": previous_state,
            "state": state,
            "resource": represent(resource),
        },
    )
    rules = rules_subscribed(project_id=resource.project_id, event_type=event_type.name)
    deliveries_create(event=event, rules=rules)
    return event


class RuleDisabled(Exception):
    """A disabled rule gets nothing new: a delivery to it would only fail as "rule disabled"."""

    def __init__(self, rule: WebhookRule):
        super().__init__(f"Rule '{rule.name}' is disabled; enable it first.")


def rule_must_be_enabled(rule: WebhookRule) -> None:
    if not rule.enabled:
        raise RuleDisabled(rule)


def next_sequence(source: str) -> int:
    last = Event.objects.filter(source=source).aggregate(last=Max("sequence"))["last"]
    return (last or 0) + 1


@transaction.atomic
def delivery_test_send(*, rule: WebhookRule, event_type: str) -> Delivery:
    """Send a synthetic event of `event_type` to one rule, logged like any delivery."""
    rule_must_be_enabled(rule)
    source = f"/api/v1/projects/{rule.project.name}/webhook/rules/{rule.name}/test"
    now = timezone.now()
    resource = {"name": "test", "id": source, "type": "MediaKind/Test", "properties": {}}
    event = Event.objects.create(
        project_id=rule.project_id,
        type=event_type,
        source=source,
        sequence=next_sequence(source),
        time=now,
        data={"projectName": rule.project.name, "previousState": None, "state": None,
              "resource": resource},
        test=True,
    )  # fmt: skip
    return deliveries_create(event=event, rules=[rule])[0]


def deliveries_create(*, event: Event, rules: list[WebhookRule]) -> list[Delivery]:
    return deliveries_insert([(event.pk, rule.pk) for rule in rules])


def deliveries_insert(pairs: list[tuple]) -> list[Delivery]:
    """Write new deliveries for (event id, rule id) pairs; enqueue them after commit."""
    now = timezone.now()
    deliveries = Delivery.objects.bulk_create(
        Delivery(event_id=event_id, rule_id=rule_id, created=now, next_attempt_at=now,
                 enqueued_at=now)
        for event_id, rule_id in pairs
    )  # fmt: skip
    ids = [delivery.pk for delivery in deliveries]
    if ids:
        transaction.on_commit(partial(deliveries_enqueue, ids))
    return deliveries


def broker():
    """This process's connection to the broker: opening one per task cost more than the task."""
    return broker_for(repr((Conf.CLUSTER_NAME, Conf.REDIS, Conf.ORM)))


@cache
def broker_for(configuration: str) -> Broker:  # one per configuration (tests change it)
    return get_broker()


def deliveries_enqueue(ids: list[int]) -> None:
    """Ask the broker to run the deliveries, a batch per task; on failure leave them to the
    sweeper."""
    batch = max(webhook_settings.TASK_BATCH, 1)
    for start in range(0, len(ids), batch):
        try:
            async_task(TASK, ids[start : start + batch], broker=broker())
        except Exception as exc:  # broker down: the database still holds the deliveries
            logger.warning(
                "broker unavailable (%s); %d deliveries left to the sweeper",
                type(exc).__name__,
                len(ids) - start,
            )
            Delivery.objects.filter(pk__in=ids[start:]).update(enqueued_at=None)
            return


def deliveries_due_and_free(now):
    """Deliveries whose next attempt is due and that no worker holds (no lease, or a lapsed one)."""
    return Delivery.objects.filter(status__in=OPEN, next_attempt_at__lte=now).filter(
        Q(leased_until__isnull=True) | Q(leased_until__lt=now)
    )


def deliveries_wake_due() -> int:
    """Enqueue due deliveries that nobody holds: lost enqueues, retries, dead workers."""
    now = timezone.now()
    # Never enqueued, or enqueued so long ago that even a backlog does not explain it…
    ceiling = now - timedelta(seconds=webhook_settings.REENQUEUE_BEHIND_BACKLOG_SECONDS)
    lost = Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=ceiling)
    if broker_idle():  # …or nothing waits in the queue, so a task enqueued a while ago was lost
        stale = now - timedelta(seconds=webhook_settings.REENQUEUE_AFTER_SECONDS)
        lost |= Q(enqueued_at__lt=stale)
    ids = list(
        deliveries_due_and_free(now)
        .filter(lost)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[: webhook_settings.SWEEP_BATCH]
    )
    if ids:
        Delivery.objects.filter(pk__in=ids).update(enqueued_at=now)
        deliveries_enqueue(ids)
    return len(ids)


def broker_idle() -> bool:
    """True when the broker holds no waiting task. Behind a backlog, an old enqueue is
    still waiting its turn: enqueuing it again would only add to the backlog."""
    try:
        return broker().queue_size() == 0
    except Exception:  # broker down: nothing can be enqueued anyway
        return False


def heartbeat_record(name: str = "sweeper") -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"seen_at": timezone.now()})
