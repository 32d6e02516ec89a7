from django.conf import settings
from django.db import models

from mkwebhooks.models import Tracked
from mkwebhooks.projects.models import Project, name_validator
from mkwebhooks.secrets import SecretField


class WebhookRule(Tracked):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="webhook_rules")
    name = models.CharField(max_length=63, validators=[name_validator])
    enabled = models.BooleanField(default=True)
    url = models.CharField("URL", max_length=2048)
    events = models.JSONField(default=list, help_text="Event types from the catalog")
    headers = models.JSONField(default=dict, blank=True, help_text="Non-secret headers")
    query_params = models.JSONField(default=dict, blank=True, help_text="Non-secret query params")
    disabled_reason = models.CharField(max_length=300, blank=True, editable=False)
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Start of the current run of failed attempts (cleared by any success).
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    # What the project's admins were last told ("", "failing" or "disabled"): one e-mail per change.
    health_notice = models.CharField(max_length=10, blank=True, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="unique_rule")]
        ordering = ["project__name", "name"]

    def __str__(self) -> str:
        return f"{self.project.name}/{self.name}"

    def signing_keys_in_force(self, now) -> list["SigningKey"]:
        """Newest first. Filtered in Python so that a prefetch of the rule's keys serves it."""
        keys = self.signing_keys.all()
        return [key for key in keys if key.expires_at is None or key.expires_at > now]

    def save(self, *args, **kwargs):
        if self.enabled:  # re-enabling clears the engine's reason for disabling it
            self.disabled_reason, self.disabled_at, self.failing_since = "", None, None
            self.consecutive_failures = 0
        super().save(*args, **kwargs)


class RuleSecret(models.Model):
    """One write-only header or query parameter of a rule's `authentication`."""

    class Location(models.TextChoices):
        HEADER = "header"
        QUERY = "query"

    # Where each location appears in a rule's spec.authentication.
    SPEC_KEYS = {Location.HEADER: "headers", Location.QUERY: "queryParams"}

    rule = models.ForeignKey(WebhookRule, on_delete=models.CASCADE, related_name="secrets")
    location = models.CharField(max_length=6, choices=Location.choices)
    name = models.CharField(max_length=256)
    value = SecretField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "location", "name"], name="unique_secret")
        ]
        ordering = ["location", "name"]

    def __str__(self) -> str:
        return f"{self.location} {self.name}"


class SigningKey(models.Model):
    """A Standard Webhooks signing secret (`whsec_…`); a rotated-out one signs until it expires."""

    rule = models.ForeignKey(WebhookRule, on_delete=models.CASCADE, related_name="signing_keys")
    secret = SecretField()
    created = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"signing key of {self.rule} ({self.created:%Y-%m-%d})"


class RuleChange(models.Model):
    """The audit trail: who changed what in a rule, and when. Secret values appear only as
    "set" or "removed", never as values."""

    class Action(models.TextChoices):
        CREATED = "created"
        UPDATED = "updated"
        DELETED = "deleted"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="rule_changes")
    rule = models.ForeignKey(
        WebhookRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    rule_name = models.CharField(max_length=63)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    changes = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["project", "rule_name", "-created"], name="rule_history")]

    def __str__(self) -> str:
        return f"{self.rule_name} {self.action} {self.created:%Y-%m-%d %H:%M}"
