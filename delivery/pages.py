"""Delivery-log pages for operators: what was sent, what came back, and a re-deliver button."""

import json
import uuid
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from delivery.envelope import cloud_event
from delivery.events import CATALOG, enabled_event_types
from delivery.health import rule_health
from delivery.maintenance import deliveries_redeliver_failed, delivery_redeliver
from delivery.models import Delivery
from delivery.outbox import RuleDisabled, delivery_test_send
from delivery.selectors import capped_count, count_label
from mkwebhooks.projects.access import has_role, projects_visible_to
from mkwebhooks.projects.models import Role
from rules.models import WebhookRule

PAGE = 50
MAX_FILTER_LENGTH = 500
STATUSES = Delivery.Status.values


@login_required
def delivery_list(request):
    projects = projects_visible_to(request.user)
    deliveries = Delivery.objects.filter(rule__project__in=projects).select_related(
        "event", "rule__project"
    )
    keys = ("project", "rule", "status", "type", "q", "before")
    # Longer values cannot match a name, a source path or a key; cut them before SQL does.
    filters = {k: request.GET.get(k, "").strip()[:MAX_FILTER_LENGTH] for k in keys}
    if filters["project"]:
        deliveries = deliveries.filter(rule__project__name=filters["project"])
    if filters["rule"]:
        deliveries = deliveries.filter(rule__name=filters["rule"])
    if filters["status"]:
        deliveries = deliveries.filter(status=filters["status"])
    if filters["type"]:
        deliveries = deliveries.filter(event__type=filters["type"])
    if filters["q"]:  # an event id, or (part of) a resource's source path
        deliveries = deliveries.filter(event_match(filters["q"]))
    counts = {s: count_label(capped_count(deliveries.filter(status=s))) for s in STATUSES}
    before = filters["before"]
    if before.isascii() and before.isdigit() and len(before) < 19:  # keyset paging by pk
        deliveries = deliveries.filter(pk__lt=int(before))
    rows = list(deliveries.order_by("-pk")[: PAGE + 1])
    context = {
        "deliveries": rows[:PAGE],
        "next_before": rows[PAGE - 1].pk if len(rows) > PAGE else None,
        "filters": filters,
        "counts": counts,
        "projects": projects,
        "statuses": STATUSES,
        "types": [t.name for t in CATALOG],
    }
    return render(request, "delivery/list.html", context)


def event_match(text: str) -> Q:
    try:
        return Q(event_id=uuid.UUID(text))
    except ValueError:
        return Q(event__source__contains=text)


def visible_delivery(request, delivery_id, needed: Role) -> Delivery:
    delivery = (
        Delivery.objects.select_related("event", "rule__project").filter(uuid=delivery_id).first()
    )
    if delivery is None or not has_role(request.user, delivery.rule.project, Role.VIEWER):
        raise Http404("No such delivery.")
    if not has_role(request.user, delivery.rule.project, needed):
        raise PermissionDenied
    return delivery


@login_required
def delivery_detail(request, delivery_id):
    delivery = visible_delivery(request, delivery_id, Role.VIEWER)
    context = {
        "delivery": delivery,
        "envelope": json.dumps(cloud_event(delivery.event), indent=2),
        "attempts": delivery.attempt_log.all(),
        "can_redeliver": has_role(request.user, delivery.rule.project, Role.EDITOR),
    }
    return render(request, "delivery/detail.html", context)


@login_required
@require_POST
def redeliver(request, delivery_id):
    delivery = visible_delivery(request, delivery_id, Role.EDITOR)
    try:
        new = delivery_redeliver(delivery=delivery)
    except RuleDisabled as exc:
        messages.error(request, str(exc))
        return redirect("deliveries:detail", delivery_id=delivery.uuid)
    messages.success(request, "Queued again with the same event id.")
    return redirect("deliveries:detail", delivery_id=new.uuid)


def visible_rule(request, project: str, name: str, needed: Role) -> WebhookRule:
    rule = WebhookRule.objects.select_related("project").filter(project__name=project, name=name)
    rule = rule.first()
    if rule is None or not has_role(request.user, rule.project, Role.VIEWER):
        raise Http404("No such rule.")
    if not has_role(request.user, rule.project, needed):
        raise PermissionDenied
    return rule


@login_required
def rule_health_page(request, project, name):
    rule = visible_rule(request, project, name, Role.VIEWER)
    context = {
        "rule": rule,
        "health": rule_health(rule),
        "can_act": has_role(request.user, rule.project, Role.EDITOR),
        "types": [t.name for t in enabled_event_types()],
    }
    return render(request, "delivery/rule_health.html", context)


@login_required
@require_POST
def rule_test_event(request, project, name):
    rule = visible_rule(request, project, name, Role.EDITOR)
    event_type = request.POST.get("type", "")
    if event_type not in {t.name for t in enabled_event_types()}:
        messages.error(request, "Choose a known event type.")
        return redirect("deliveries:rule", project=project, name=name)
    try:
        delivery = delivery_test_send(rule=rule, event_type=event_type)
    except RuleDisabled as exc:
        messages.error(request, str(exc))
        return redirect("deliveries:rule", project=project, name=name)
    messages.success(request, f"Test event {event_type} queued.")
    return redirect("deliveries:detail", delivery_id=delivery.uuid)


@login_required
@require_POST
def rule_redeliver_failed(request, project, name):
    rule = visible_rule(request, project, name, Role.EDITOR)
    now = timezone.now()
    try:
        count = deliveries_redeliver_failed(rule=rule, since=now - timedelta(days=1), until=now)
    except RuleDisabled as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{count} failed deliveries of the last 24 h queued again.")
    return redirect("deliveries:rule", project=project, name=name)
