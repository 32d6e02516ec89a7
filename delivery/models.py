"""The outbox and delivery log: Event (the CloudEvent) → Delivery (per rule) → Attempt."""

import uuid

from django.db import models
from django.utils import timezone

from mkwebhooks.projects.models import Project
from rules.models import WebhookRule


class Event(models.Model):
    """One state transition as a CloudEvent, with the resource as it was at that moment."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=100)
    source = models.CharField(max_length=500)
    sequence = models.PositiveBigIntegerField()
    time = models.DateTimeField()
    data = models.JSONField()
    # A synthetic event an operator sent to check a receiver (extension attribute "test").
    test = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "sequence"], name="one_sequence_per_source")
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.source}"


class Delivery(models.Model):
    """The event sent to one rule; the row the worker claims and the log shows."""

    class Status(models.TextChoices):
        PENDING = "Pending"
        RETRYING = "Retrying"
        FAILED = "Failed"
        SENT = "Sent"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    rule = models.ForeignKey(WebhookRule, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    # When the broker was last asked to run it; the sweeper re-enqueues lost ones.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    # While a worker is sending, nobody else may; a dead worker's lease runs out.
    leased_until = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    final_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["rule", "-created", "-id"], name="delivery_rule_history"),
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event.type} → {self.rule}"


class Attempt(models.Model):
    """One HTTP request of a delivery, as sent (secrets masked) and as answered."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    request_url = models.TextField()
    request_headers = models.JSONField()
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_headers = models.JSONField(default=dict)
    response_body = models.TextField(blank=True)
    error_class = models.CharField(max_length=30, blank=True)
    error_detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"attempt {self.number}: {self.response_status or self.error_class}"

    @property
    def outcome(self) -> str:
        return str(self.response_status) if self.response_status else self.error_class


class Heartbeat(models.Model):
    """When the sweeper last ran: the worker's sign of life for /healthz."""

    name = models.CharField(max_length=50, primary_key=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name
