"""The delivery log in admin: read-only, filterable, with a re-deliver action."""

from django.contrib import admin, messages

from delivery.maintenance import delivery_redeliver
from delivery.models import Attempt, Delivery, Event


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


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
    list_filter = ["status", "event__type", "rule__project"]
    list_select_related = ["event", "rule__project"]
    search_fields = ["=uuid", "=event__id", "event__source"]
    show_full_result_count = False
    inlines = [AttemptInline]
    actions = ["redeliver"]

    @admin.display(description="type", ordering="event__type")
    def event_type(self, delivery: Delivery) -> str:
        return delivery.event.type

    @admin.action(description="Re-deliver selected deliveries (same event id)")
    def redeliver(self, request, queryset):
        for delivery in queryset.select_related("event", "rule"):
            delivery_redeliver(delivery=delivery)
        self.message_user(request, f"{queryset.count()} deliveries queued again.", messages.SUCCESS)


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["id", "type", "source", "sequence", "time"]
    list_filter = ["type", "project"]
    search_fields = ["=id", "source"]
    show_full_result_count = False
