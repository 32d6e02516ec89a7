"""The delivery log in admin: read-only, filterable, with a re-deliver action."""

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.utils.functional import cached_property

from delivery.events import CATALOG
from delivery.maintenance import delivery_redeliver
from delivery.models import Attempt, Delivery, Event
from delivery.selectors import COUNT_CAP, capped_count

REDELIVER_AT_ONCE = 1_000


class CappedPaginator(Paginator):
    """Pages through the newest COUNT_CAP + 1 matches: no full COUNT over millions of rows.

    templates/admin/delivery/pagination.html says so when the cap is reached.
    """

    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:
        return capped_count(self.object_list)


class EventTypeFilter(admin.SimpleListFilter):
    """Types from the catalog: Django's default would run SELECT DISTINCT over the log."""

    title = "event type"
    parameter_name = "type"

    def lookups(self, request, model_admin):
        return [(t.name, t.name) for t in CATALOG]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        field = "type" if queryset.model is Event else "event__type"
        return queryset.filter(**{field: self.value()})


class ReadOnlyAdmin(admin.ModelAdmin):
    paginator = CappedPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # facet counts scan the whole log
    ordering = ["-pk"]  # newest first, straight off the primary key index

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the log is purged by retention, not by hand (and not a million at once)


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = ["number", "started_at", "duration_ms", "outcome", "error_detail", "request_url"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def skipped_disabled(count: int) -> str:
    """The end of an action's message: what a disabled rule kept it from doing."""
    return f" ({count} skipped: rule disabled)" if count else ""


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "uuid",
        "event_type",
        "rule",
        "status",
        "attempts",
        "created",
        "next_attempt_at",
    ]
    list_filter = ["status", EventTypeFilter, "rule__project"]
    list_select_related = ["event", "rule__project"]
    search_fields = ["=uuid", "=event__id", "event__source"]
    inlines = [AttemptInline]
    actions = ["redeliver"]

    @admin.display(description="type", ordering="event__type")
    def event_type(self, delivery: Delivery) -> str:
        return delivery.event.type

    @admin.action(description="Re-deliver selected deliveries (same event id)")
    def redeliver(self, request, queryset):
        chosen = list(queryset.select_related("event", "rule")[: REDELIVER_AT_ONCE + 1])
        if len(chosen) > REDELIVER_AT_ONCE:
            self.message_user(request, f"Choose at most {REDELIVER_AT_ONCE} deliveries, or use "
                              "the rule's re-deliver-failed action.", messages.ERROR)  # fmt: skip
            return
        enabled = [delivery for delivery in chosen if delivery.rule.enabled]
        for delivery in enabled:
            delivery_redeliver(delivery=delivery)
        skipped = skipped_disabled(len(chosen) - len(enabled))
        message = f"{len(enabled)} deliveries queued again{skipped}."
        self.message_user(request, message, messages.SUCCESS)


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["id", "type", "source", "sequence", "time"]
    list_filter = [EventTypeFilter, "project"]
    search_fields = ["=id", "source"]
