"""Delivery-log pages for operators: what was sent, what came back, and a re-deliver button."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from delivery.envelope import cloud_event
from delivery.events import CATALOG
from delivery.maintenance import delivery_redeliver
from delivery.models import Delivery
from mkwebhooks.projects.access import has_role, projects_visible_to
from mkwebhooks.projects.models import Role

PAGE = 50


@login_required
def delivery_list(request):
    projects = projects_visible_to(request.user)
    deliveries = Delivery.objects.filter(rule__project__in=projects).select_related(
        "event", "rule__project"
    )
    filters = {k: request.GET.get(k, "") for k in ("project", "rule", "status", "type", "before")}
    if filters["project"]:
        deliveries = deliveries.filter(rule__project__name=filters["project"])
    if filters["rule"]:
        deliveries = deliveries.filter(rule__name=filters["rule"])
    if filters["status"]:
        deliveries = deliveries.filter(status=filters["status"])
    if filters["type"]:
        deliveries = deliveries.filter(event__type=filters["type"])
    if filters["before"].isdigit():  # keyset paging on the primary key
        deliveries = deliveries.filter(pk__lt=int(filters["before"]))
    rows = list(deliveries.order_by("-pk")[: PAGE + 1])
    context = {
        "deliveries": rows[:PAGE],
        "next_before": rows[PAGE - 1].pk if len(rows) > PAGE else None,
        "filters": filters,
        "projects": projects,
        "statuses": Delivery.Status.values,
        "types": [t.name for t in CATALOG],
    }
    return render(request, "delivery/list.html", context)


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
    new = delivery_redeliver(delivery=delivery)
    messages.success(request, "Queued again with the same event id.")
    return redirect("deliveries:detail", delivery_id=new.uuid)
