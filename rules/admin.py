"""Webhook rules in admin. Secret values are write-only: blank keeps the stored value."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from rest_framework.exceptions import ValidationError as DRFValidationError

from delivery.admin import skipped_disabled
from delivery.events import enabled_event_types
from delivery.maintenance import deliveries_redeliver_failed
from delivery.models import Delivery
from delivery.outbox import delivery_test_send
from mkwebhooks.api.errors import flatten_errors
from mkwebhooks.secrets import MASK
from rules.audit import rule_change_record, rule_snapshot
from rules.keyvalue import KeyValueField
from rules.models import RuleChange, RuleSecret, WebhookRule
from rules.services import rule_delete
from rules.validation import (
    header_name_problem,
    header_value_problem,
    query_name_problem,
    query_value_problem,
    validated_spec,
)

SPEC_TOTALS = ("spec.headers", "spec.queryParams")  # limits over plain and secret entries
SPEC_TO_FORM = {"spec.url": "url", "spec.events": "events", "spec.headers": "headers",
                "spec.queryParams": "query_params", "spec.enabled": "enabled"}  # fmt: skip


class RuleSecretForm(forms.ModelForm):
    value = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Write-only. Blank keeps the stored value; tick Delete to remove it.",
    )

    class Meta:
        model = RuleSecret
        fields = ["location", "name", "value"]

    def clean_value(self):
        value = self.cleaned_data["value"]
        if value:
            check = (
                header_value_problem if self.data_location() == "header" else query_value_problem
            )
            if problem := check(value):
                raise forms.ValidationError(problem)
            return value
        if self.instance.pk and self.data_location() != self.instance.location:
            raise forms.ValidationError(
                "Type the value again when moving a secret between header and query parameter."
            )
        if self.instance.pk:
            return self.instance.value  # blank keeps the stored secret
        raise forms.ValidationError("A new secret needs a value.")

    def data_location(self) -> str:
        return self.data.get(self.add_prefix("location"), "")

    def clean(self):
        cleaned = super().clean()
        check = header_name_problem if cleaned.get("location") == "header" else query_name_problem
        if cleaned.get("name") and (problem := check(cleaned["name"])):
            self.add_error("name", problem)
        return cleaned


class RuleSecretFormSet(forms.BaseInlineFormSet):
    """Checks the secrets together with the rule's plain headers and query parameters, as
    the API does: no name both plain and secret, no name twice, the limits in all."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        authentication = {"headers": {}, "queryParams": {}}
        for form in self.forms:
            data = form.cleaned_data
            if data and not data.get("DELETE"):
                place = (
                    "headers" if data["location"] == RuleSecret.Location.HEADER else "queryParams"
                )
                authentication[place][data["name"]] = "checked-by-its-row"  # values: per row
        rule = self.instance  # carries what the rule form just cleaned
        spec = {"enabled": rule.enabled, "url": rule.url, "events": rule.events,
                "headers": rule.headers or {}, "queryParams": rule.query_params or {},
                "authentication": authentication}  # fmt: skip
        try:
            validated_spec(spec)
        except DRFValidationError as exc:
            problems = [
                f"{path}: {message}"
                for path, message in flatten_errors(exc.detail).items()
                if path.startswith("spec.authentication") or path in SPEC_TOTALS
            ]
            if problems:
                raise forms.ValidationError(problems) from None


class RuleSecretInline(admin.TabularInline):
    model = RuleSecret
    form = RuleSecretForm
    formset = RuleSecretFormSet
    extra = 1
    readonly_fields = ["stored"]
    verbose_name = "authentication (secret) header or query parameter"

    @admin.display(description="stored value")
    def stored(self, secret: RuleSecret) -> str:
        return MASK if secret.pk else "—"


class RuleChangeInline(admin.TabularInline):
    model = RuleChange
    fields = ["created", "user", "action", "changes"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-created"]
    verbose_name_plural = "history (audit trail; secret values appear only as “set”)"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class WebhookRuleForm(forms.ModelForm):
    events = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple)
    headers = KeyValueField(ignore_case=True, help_text="Non-secret headers.")
    query_params = KeyValueField(ignore_case=False, help_text="Non-secret query parameters.")

    class Meta:
        model = WebhookRule
        fields = ["project", "name", "enabled", "url", "events", "headers", "query_params"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        groups: dict[str, list] = {}
        for t in enabled_event_types():  # checkboxes grouped by resource, from the catalog
            groups.setdefault(t.resource, []).append((t.name, f"{t.name} — {t.description}"))
        self.fields["events"].choices = list(groups.items())

    def clean(self):
        cleaned = super().clean()
        spec = {
            "enabled": cleaned.get("enabled", False),
            "url": cleaned.get("url", ""),
            "events": cleaned.get("events", []),
            "headers": cleaned.get("headers") or {},
            "queryParams": cleaned.get("query_params") or {},
        }
        try:
            validated = validated_spec(spec)
        except DRFValidationError as exc:
            for path, message in flatten_errors(exc.detail).items():
                field = next((f for p, f in SPEC_TO_FORM.items() if path.startswith(p)), None)
                self.add_error(field if field in self.fields else None, f"{path}: {message}")
            return cleaned
        cleaned["events"] = validated["events"]
        return cleaned


@admin.register(WebhookRule)
class WebhookRuleAdmin(admin.ModelAdmin):
    form = WebhookRuleForm
    list_display = ["name", "project", "enabled", "url", "event_count", "last_delivery",
                    "disabled_reason"]  # fmt: skip
    list_filter = ["enabled", "project"]
    list_editable = ["enabled"]
    search_fields = ["name", "url"]
    list_select_related = ["project"]
    readonly_fields = ["disabled_reason", "disabled_at", "created", "updated", "latest_deliveries"]
    inlines = [RuleSecretInline, RuleChangeInline]
    actions = ["enable", "disable", "send_test_event", "redeliver_failed_last_day"]

    @admin.action(description="Enable selected rules")
    def enable(self, request, queryset):
        self.save_each(request, queryset, enabled=True)

    @admin.action(description="Disable selected rules")
    def disable(self, request, queryset):
        self.save_each(request, queryset, enabled=False)

    def save_each(self, request, queryset, **fields):
        for rule in queryset:
            before = rule_snapshot(rule)
            for name, value in fields.items():
                setattr(rule, name, value)
            rule.updated_by = request.user
            rule.save()
            rule_change_record(rule=rule, user=request.user, before=before)
        self.message_user(request, f"{queryset.count()} rules updated.", messages.SUCCESS)

    @admin.action(description="Send a test event (each rule's first event type)")
    def send_test_event(self, request, queryset):
        enabled = [rule for rule in queryset if rule.enabled]
        for rule in enabled:
            delivery_test_send(rule=rule, event_type=rule.events[0])
        skipped = skipped_disabled(len(queryset) - len(enabled))
        self.message_user(request, f"Test events queued for {len(enabled)} rules{skipped}.")

    @admin.action(description="Re-deliver the failed deliveries of the last 24 h")
    def redeliver_failed_last_day(self, request, queryset):
        now, enabled = timezone.now(), [rule for rule in queryset if rule.enabled]
        count = sum(
            deliveries_redeliver_failed(rule=rule, since=now - timedelta(days=1), until=now)
            for rule in enabled
        )
        skipped = skipped_disabled(len(queryset) - len(enabled))
        self.message_user(request, f"{count} deliveries queued again{skipped}.", messages.SUCCESS)

    def get_queryset(self, request):
        latest = Delivery.objects.filter(rule=OuterRef("pk")).order_by("-created", "-id")
        return (
            super()
            .get_queryset(request)
            .annotate(last_status=Subquery(latest.values("status")[:1]))
        )

    @admin.display(description="last delivery", ordering="last_status")
    def last_delivery(self, rule: WebhookRule) -> str:
        return rule.last_status or "—"

    @admin.display(description="latest deliveries")
    def latest_deliveries(self, rule: WebhookRule) -> str:
        deliveries = rule.deliveries.select_related("event").order_by("-created", "-id")[:10]
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (reverse("deliveries:detail", args=[d.uuid]), d.created, d.event.type,
                 d.status, d.attempts)
                for d in deliveries
            ),
        )  # fmt: skip
        if not rows:
            return "None yet."
        return format_html(
            "<table><thead><tr><th>created</th><th>event type</th><th>status</th>"
            "<th>attempts</th></tr></thead><tbody>{}</tbody></table>"
            '<p><a href="{}">All deliveries of this rule</a></p>',
            rows,
            reverse("deliveries:list") + "?" + urlencode({"project": rule.project.name,
                                                          "rule": rule.name}),
        )  # fmt: skip

    @admin.display(description="events")
    def event_count(self, rule: WebhookRule) -> int:
        return len(rule.events)

    def save_model(self, request, obj, form, change):
        # The audit trail compares the stored rule with what the form and inlines leave.
        request.rule_before = rule_snapshot(WebhookRule.objects.get(pk=obj.pk)) if change else {}
        obj.updated_by = request.user
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        rule = WebhookRule.objects.get(pk=form.instance.pk)
        rule_change_record(rule=rule, user=request.user, before=request.rule_before)

    def delete_model(self, request, obj):
        rule_delete(rule=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for rule in queryset:
            rule_delete(rule=rule, user=request.user)
