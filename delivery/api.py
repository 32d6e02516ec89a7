"""Delivery history, re-delivery, the event catalog and /healthz."""

import uuid
from contextlib import contextmanager

from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_q.brokers import get_broker
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from delivery.events import BY_NAME, enabled_event_types
from delivery.maintenance import deliveries_redeliver_failed, delivery_redeliver
from delivery.models import Attempt, Delivery
from delivery.outbox import RuleDisabled, delivery_test_send
from delivery.selectors import deliveries_of_rule, queue_health
from mkwebhooks.api.envelope import iso
from mkwebhooks.api.errors import APIError, not_found, validation_error
from mkwebhooks.api.pagination import paginate
from mkwebhooks.projects.access import project_for
from mkwebhooks.projects.models import Role
from rules.models import WebhookRule


def attempt_body(attempt: Attempt | None) -> dict | None:
    if attempt is None:
        return None
    return {
        "time": iso(attempt.started_at),
        "httpStatus": attempt.response_status,
        "errorClass": attempt.error_class or None,
        "error": attempt.error_detail or None,
        "durationMs": attempt.duration_ms,
    }


def delivery_body(delivery: Delivery) -> dict:
    attempts = list(delivery.attempt_log.all())  # prefetched
    last = attempts[-1] if attempts else None
    return {
        "id": str(delivery.uuid),
        "eventId": str(delivery.event_id),
        "created": iso(delivery.created),
        "source": delivery.event.source,
        "type": delivery.event.type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "lastAttempt": attempt_body(last),
        "nextAttempt": iso(delivery.next_attempt_at) if delivery.status == "Retrying" else None,
        "reason": delivery.final_reason or None,
    }


def rule_for(request, project: str, name: str, needed: Role) -> WebhookRule:
    rule = WebhookRule.objects.filter(project=project_for(request.user, project, needed), name=name)
    if not (rule := rule.first()):
        raise not_found(f"Webhook rule '{name}'")
    return rule


class RuleEvents(APIView):
    def get(self, request, project, name):
        status = request.query_params.get("status")
        if status and status not in Delivery.Status.values:
            raise validation_error(
                {"status": f"must be one of {', '.join(Delivery.Status.values)}."}
            )
        event_type = request.query_params.get("type")
        if event_type and event_type not in BY_NAME:
            raise validation_error({"type": f"{event_type!r} is not an event type."},
                                   {"validTypes": list(BY_NAME)})  # fmt: skip
        deliveries = deliveries_of_rule(
            rule=rule_for(request, project, name, Role.VIEWER),
            status=status,
            event_type=event_type,
        )
        return paginate(
            request,
            deliveries.prefetch_related("attempt_log"),
            kind="WebhookDelivery",
            serialize=delivery_body,
            orderings={"created": "created"},
            default="created desc",
        )


class Redeliver(APIView):
    def post(self, request, project, name, delivery_id: uuid.UUID):
        rule = rule_for(request, project, name, Role.EDITOR)
        delivery = Delivery.objects.filter(rule=rule, uuid=delivery_id).first()
        if delivery is None:
            raise not_found(f"Delivery '{delivery_id}'")
        with refused_if_disabled():
            return Response(delivery_body(delivery_redeliver(delivery=delivery)), status=202)


class RedeliverFailed(APIView):
    """POST .../events/redeliver {"since": ISO 8601, "until": ISO 8601 (default now)}."""

    def post(self, request, project, name):
        rule = rule_for(request, project, name, Role.EDITOR)
        since, until = (moment(request.data, key) for key in ("since", "until"))
        if since is None:
            raise validation_error({"since": "is required (ISO 8601 with a time zone)."})
        with refused_if_disabled():
            count = deliveries_redeliver_failed(
                rule=rule, since=since, until=until or timezone.now()
            )
        return Response({"redelivered": count}, status=202)


@contextmanager
def refused_if_disabled():
    try:
        yield
    except RuleDisabled as exc:
        raise APIError(409, "rule_disabled", str(exc)) from None


def moment(data, key: str):
    """Parse an ISO 8601 time with a zone from the body, or None when absent."""
    raw = data.get(key) if isinstance(data, dict) else None
    if raw is None:
        return None
    try:
        value = parse_datetime(raw) if isinstance(raw, str) else None
    except ValueError:  # well-formed but impossible, e.g. 2026-02-30
        value = None
    if value is None or value.tzinfo is None:
        raise validation_error(
            {key: "must be an ISO 8601 time with a zone, e.g. 2026-12-01T00:00Z."}
        )
    return value


class SendTestEvent(APIView):
    """POST .../test {"type": …}: a synthetic event to this rule, marked test=true."""

    def post(self, request, project, name):
        rule = rule_for(request, project, name, Role.EDITOR)
        valid = [t.name for t in enabled_event_types()]
        event_type = (
            request.data.get("type", rule.events[0]) if isinstance(request.data, dict) else None
        )
        if event_type not in valid:
            raise validation_error({"type": f"must be one of {', '.join(valid)}."})
        with refused_if_disabled():
            delivery = delivery_test_send(rule=rule, event_type=event_type)
        return Response(delivery_body(delivery), 202)


class EventTypes(APIView):
    def get(self, request):
        value = [
            {"name": t.name, "resource": t.resource, "description": t.description}
            for t in enabled_event_types()
        ]
        return Response(
            {"value": value, "supplemental": {"count": len(value), "kind": "EventType"}}
        )


class Health(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    def get(self, request):
        checks = {"database": "ok", "broker": "ok"}
        try:
            connection.ensure_connection()
            checks |= queue_health()
        except Exception as exc:
            checks["database"] = f"error: {type(exc).__name__}"
        try:
            get_broker().ping()
        except Exception as exc:
            checks["broker"] = f"error: {type(exc).__name__}"
        healthy = checks["database"] == "ok" and checks["broker"] == "ok"
        return JsonResponse(
            {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
        )
