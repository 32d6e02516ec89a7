"""The delivery engine: claim due deliveries, send them, record each attempt.

A task claims a batch of deliveries (a lease each), sends them one after another, records
every Attempt and moves each delivery to Sent, Retrying or Failed. What feeds the tasks
(the outbox and the sweeper) is in `delivery.outbox`.
"""

import logging
from datetime import timedelta
from functools import partial

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from delivery import transport
from delivery.envelope import encode, outgoing_request
from delivery.models import Attempt, Delivery
from delivery.notifications import rule_notice_change
from delivery.outbox import deliveries_due_and_free, deliveries_enqueue
from delivery.retry import retry_delay
from mkwebhooks.conf import longest_attempt_seconds, webhook_settings
from mkwebhooks.netguard import TargetError, UnresolvableHost, check_target_url
from mkwebhooks.secrets import SecretDecryptionError
from rules.models import WebhookRule
from rules.services import rule_disable

logger = logging.getLogger("delivery")
IN_FLIGHT = "in_flight"  # an attempt's error class while it is being sent
# Failures before any byte is sent, by exception: the attempt's error class, and how loud
# a log line it is worth beyond the attempt's own (a name that does not resolve is the
# receiver's problem, like a refused connection; a blocked target or a lost key is ours).
SETUP_ERRORS = {
    TargetError: ("blocked_target", logging.WARNING),
    UnresolvableHost: ("dns", logging.DEBUG),
    SecretDecryptionError: ("encryption_key", logging.ERROR),
}


def deliveries_send(claimed: list[Delivery]) -> None:
    """Send claimed deliveries one after another while each can still finish in its lease;
    give the rest back (a slow receiver must not hold a batch past the lease)."""
    for index, delivery in enumerate(claimed):
        must_end_by = timezone.now() + timedelta(seconds=longest_attempt_seconds())
        if must_end_by >= delivery.leased_until:
            deliveries_release(claimed[index:])
            return
        delivery_send_safely(delivery)


@transaction.atomic
def deliveries_release(claimed: list[Delivery]) -> None:
    """Undo the claim of deliveries not sent: the attempt is not used up; enqueue them again."""
    ids = [delivery.pk for delivery in claimed]
    Delivery.objects.filter(pk__in=ids, leased_until=claimed[0].leased_until).update(
        leased_until=None, attempts=F("attempts") - 1, enqueued_at=timezone.now()
    )
    Attempt.objects.filter(delivery_id__in=ids, error_class=IN_FLIGHT).delete()
    transaction.on_commit(partial(deliveries_enqueue, ids))


def delivery_send_safely(delivery: Delivery) -> Attempt:
    """Send, and record even a failure of our own, so no delivery is left in flight."""
    try:
        return delivery_send(delivery)
    except Exception as exc:  # a bug must cost one attempt, not the retry schedule
        logger.exception("delivery %s: internal error while sending", delivery.uuid)
        result = transport.Result(0, error_class="internal", error_detail=type(exc).__name__)
        return delivery_attempt_record(delivery, result, timezone.now(), delivery.rule.url, {})


@transaction.atomic
def deliveries_claim(delivery_ids: list[int]) -> list[Delivery]:
    """Take the lease on those of these deliveries that are due; open their next attempts.

    An attempt is counted (and logged as in flight) before anything is sent, so a worker
    that dies mid-send still uses up an attempt and the maximum holds. One transaction
    with the rows locked: two workers never claim the same attempt; rows another worker
    is claiming right now are skipped, not waited for.
    """
    now = timezone.now()
    claimable = deliveries_due_and_free(now)
    wanted = Q(pk__in=delivery_ids)
    room = webhook_settings.TASK_BATCH - len(delivery_ids)
    if room > 0:
        # Take along other due deliveries (their own tasks will find nothing left to do):
        # one transition per transaction enqueues small tasks, and a claim costs about the
        # same for 2 deliveries as for 20. Locked and skipped in the subquery too, so workers
        # taking along at the same time split the waiting rows.
        others = claimable.exclude(pk__in=delivery_ids).order_by("next_attempt_at")
        others = others.select_for_update(skip_locked=True).values("pk")[:room]
        wanted |= Q(pk__in=others)
    due = (
        claimable.select_for_update(of=("self",), skip_locked=True)
        .select_related("event", "rule__project")
        .prefetch_related("rule__secrets", "rule__signing_keys")
        .filter(wanted)
    )
    due = sorted(due, key=lambda delivery: delivery.pk)  # in the order they were written
    retried = [delivery.pk for delivery in due if delivery.attempts]
    if retried:  # a previous worker may have died mid-attempt
        attempts_lost(retried)
    claimed = [delivery for delivery in due if not delivery_ended(delivery)]
    # The task that asked for these is used up: a lost worker's delivery is the sweeper's
    # to re-enqueue as soon as the lease ends.
    lease = now + timedelta(seconds=webhook_settings.LEASE_SECONDS)
    Delivery.objects.filter(pk__in=[delivery.pk for delivery in claimed]).update(
        leased_until=lease, attempts=F("attempts") + 1, enqueued_at=None
    )
    for delivery in claimed:
        delivery.leased_until, delivery.enqueued_at = lease, None
        delivery.attempts += 1
    Attempt.objects.bulk_create(
        Attempt(delivery=delivery, number=delivery.attempts, started_at=now, duration_ms=0,
                request_url=delivery.rule.url, request_headers={}, error_class=IN_FLIGHT)
        for delivery in claimed
    )  # fmt: skip
    return claimed


def delivery_ended(delivery: Delivery) -> bool:
    """Close a due delivery that must not be sent again; True if it was closed."""
    if not delivery.rule.enabled:
        reason = "rule disabled"
    elif delivery.attempts >= len(webhook_settings.RETRY_SCHEDULE):
        reason = "no attempts left (the last one did not finish)"
    else:
        return False
    delivery_close(Delivery.objects.filter(pk=delivery.pk), reason=reason)
    return True


def attempts_lost(delivery_ids: list[int]) -> None:
    """Close attempts whose worker died: whoever holds the lease now knows they never ended."""
    Attempt.objects.filter(delivery_id__in=delivery_ids, error_class=IN_FLIGHT).update(
        error_class="worker_lost", error_detail="the worker stopped before the attempt finished"
    )


def delivery_close(deliveries, *, reason: str) -> int:
    return deliveries.update(
        status=Delivery.Status.FAILED, final_reason=reason, next_attempt_at=None, leased_until=None
    )


def delivery_send(delivery: Delivery) -> Attempt:
    """Make one attempt of a claimed delivery and record it."""
    started_at = timezone.now()
    try:
        body = encode(delivery.event)
        addresses = check_target_url(delivery.rule.url, must_resolve=True)
        request = outgoing_request(delivery.rule, delivery.event, body)
    except (TargetError, SecretDecryptionError) as exc:
        kind, level = SETUP_ERRORS[type(exc)]
        logger.log(level, "delivery %s not sent: %s", delivery.uuid, exc)
        result = transport.Result(0, error_class=kind, error_detail=str(exc)[:300])
        return delivery_attempt_record(delivery, result, started_at, delivery.rule.url, {})
    result = transport.post(
        request.url,
        headers=request.headers,
        body=body,
        connect_timeout=webhook_settings.CONNECT_TIMEOUT,
        total_timeout=webhook_settings.TOTAL_TIMEOUT,
        max_bytes=webhook_settings.MAX_RESPONSE_BYTES,
        address=str(addresses[0]),
    )
    return delivery_attempt_record(
        delivery, request.masked_result(result), started_at, request.masked_url,
        request.masked_headers,
    )  # fmt: skip


@transaction.atomic
def delivery_attempt_record(
    delivery: Delivery, result: transport.Result, started_at, url: str, headers: dict
) -> Attempt:
    """Store the attempt and move the delivery (and its rule's health) on."""
    attempt = Attempt(
        delivery=delivery,
        number=delivery.attempts,
        started_at=started_at,
        duration_ms=result.duration_ms,
        request_url=url,
        request_headers=headers,
        response_status=result.status,
        response_headers=result.headers,
        response_body=result.body,
        error_class=result.error_class,
        error_detail=result.error_detail,
    )
    now = timezone.now()
    delay = (
        None if result.ok else retry_delay(attempts_made=delivery.attempts, result=result, now=now)
    )
    outcome = {"last_attempt_at": now, "leased_until": None}
    if result.ok:
        outcome |= {"status": Delivery.Status.SENT, "next_attempt_at": None}
    elif delay is None:
        outcome |= {"status": Delivery.Status.FAILED, "next_attempt_at": None,
                    "final_reason": result.error_detail or result.error_class}  # fmt: skip
    else:
        outcome |= {"status": Delivery.Status.RETRYING, "enqueued_at": None,
                    "next_attempt_at": now + timedelta(seconds=delay)}  # fmt: skip
    # Only while this worker still holds the lease: a late worker must not overwrite
    # the outcome of a newer attempt.
    # The delivery row is written (locked) before the attempt row, in the claim's order,
    # so a late worker and a new claimant cannot deadlock.
    held = Delivery.objects.filter(pk=delivery.pk, leased_until=delivery.leased_until)
    still_ours = held.update(**outcome)
    attempt_save(attempt)
    if not still_ours:
        logger.warning("delivery %s: lease lost before attempt %d was recorded",
                       delivery.uuid, attempt.number)  # fmt: skip
        return attempt
    for field, value in outcome.items():
        setattr(delivery, field, value)
    rule_health_record(delivery.rule, result, now)
    logger.info(
        "delivery event=%s rule=%s attempt=%d outcome=%s status=%s duration_ms=%d",
        delivery.event_id, delivery.rule, attempt.number, result.status or result.error_class,
        delivery.status, result.duration_ms,
    )  # fmt: skip
    return attempt


ATTEMPT_RESULT = [f.name for f in Attempt._meta.concrete_fields if f.name not in ("id", "delivery")]


def attempt_save(attempt: Attempt) -> None:
    """Fill in the attempt the claim opened as in flight (or add it if it is missing)."""
    opened = Attempt.objects.filter(delivery=attempt.delivery, number=attempt.number)
    if not opened.update(**{name: getattr(attempt, name) for name in ATTEMPT_RESULT}):
        attempt.save()


def rule_health_record(rule: WebhookRule, result: transport.Result, now) -> None:
    """Track the rule's run of failures; disable it on 410 Gone or after failing too long."""
    rules = WebhookRule.objects.filter(pk=rule.pk)
    if result.ok:
        if rule.failing_since or rule.consecutive_failures:  # as loaded at claim time
            rules.update(failing_since=None, consecutive_failures=0)
        if rule.health_notice:  # as loaded at claim time; the change itself is conditional
            rule_notice_change(rule=rule, notice="", detail="Deliveries succeed again.")
        return
    rules.update(consecutive_failures=F("consecutive_failures") + 1)
    rules.filter(failing_since__isnull=True).update(failing_since=now)
    failing_for = now - (rule.failing_since or now)
    days = webhook_settings.DISABLE_AFTER_FAILING_FOR / 86400
    if result.error_class == "gone":
        disable_reason = "The receiver answered 410 Gone."
    elif failing_for.total_seconds() >= webhook_settings.DISABLE_AFTER_FAILING_FOR:
        disable_reason = f"Every attempt failed for {days:g} days."
    else:
        disable_reason = None
    if disable_reason and rule_disable(rule=rule, reason=disable_reason):
        rule_notice_change(rule=rule, notice="disabled", detail=disable_reason)
    elif rule.consecutive_failures + 1 >= webhook_settings.FAILING_NOTICE_AFTER:
        detail = f"{rule.consecutive_failures + 1} attempts in a row failed; the last: "
        rule_notice_change(rule=rule, notice="failing", detail=detail + result.error_detail)
