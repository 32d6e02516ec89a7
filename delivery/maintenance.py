"""Operator work on the delivery log: re-delivery and retention."""

from collections.abc import Callable

from django.db import transaction

from delivery.models import Delivery, Event
from delivery.outbox import deliveries_insert, rule_must_be_enabled
from rules.models import WebhookRule

BATCH = 500


@transaction.atomic
def delivery_redeliver(*, delivery: Delivery) -> Delivery:
    """Send the same event (same CloudEvent id) to the same rule again, as a new delivery."""
    rule_must_be_enabled(delivery.rule)
    return deliveries_insert([(delivery.event_id, delivery.rule_id)])[0]


def deliveries_redeliver_failed(
    *, rule: WebhookRule, since, until, progress: Callable[[int], None] = lambda n: None
) -> int:
    """Re-deliver every Failed delivery of a rule created in [since, until), in batches."""
    rule_must_be_enabled(rule)
    failed = Delivery.objects.filter(
        rule=rule, status=Delivery.Status.FAILED, created__gte=since, created__lt=until
    ).order_by("pk")
    count, after = 0, 0
    while batch := list(failed.filter(pk__gt=after).values_list("pk", "event_id")[:BATCH]):
        with transaction.atomic():
            deliveries_insert([(event_id, rule.pk) for _, event_id in batch])
        after, count = batch[-1][0], count + len(batch)
        progress(len(batch))
    return count


def deliveries_purge(*, before, progress: Callable[[int], None] = lambda n: None) -> int:
    """Delete final deliveries (with their attempts) created before `before`, then orphaned
    events. Open ones are kept whatever their age. Small batches keep each delete's locks short.
    """
    final = (Delivery.Status.SENT, Delivery.Status.FAILED)
    old = Delivery.objects.filter(created__lt=before, status__in=final)
    deleted = 0
    while ids := list(old.values_list("pk", flat=True)[:BATCH]):
        Delivery.objects.filter(pk__in=ids).delete()
        deleted += len(ids)
        progress(len(ids))
    orphans = Event.objects.filter(time__lt=before, deliveries__isnull=True)
    while ids := list(orphans.values_list("pk", flat=True)[:BATCH]):
        Event.objects.filter(pk__in=ids).delete()
    return deleted
