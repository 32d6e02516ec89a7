"""Media resources: the sources of webhook events.

A state change, however it is made (API, admin, `save()`, `QuerySet.update()`), goes
through `StatefulResource.save()`, which validates it against the state machine and
sends `state_changed` once, inside the transaction that commits it.
"""

import uuid

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from mkwebhooks.media import states
from mkwebhooks.media.signals import state_changed
from mkwebhooks.projects.models import Project, name_validator

API = "/api/v1/projects"


class StatefulQuerySet(models.QuerySet):
    def update(self, **kwargs):
        """Route state changes through save() so each fires its event; others stay bulk."""
        if "state" not in kwargs:
            return super().update(**kwargs)
        count = 0
        with transaction.atomic():
            for obj in self.select_for_update():
                for field, value in kwargs.items():
                    setattr(obj, field, value)
                obj.save()
                count += 1
        return count

    def bulk_update(self, objs, fields, *args, **kwargs):
        if "state" in fields:
            raise TypeError("bulk_update cannot change state; save() each object instead.")
        return super().bulk_update(objs, fields, *args, **kwargs)


class MediaResource(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE)
    name = models.CharField(max_length=63, validators=[name_validator])
    properties = models.JSONField(default=dict, blank=True, help_text="MK.IO properties")
    created = models.DateTimeField(default=timezone.now, editable=False)
    last_modified = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name


class StatefulResource(MediaResource):
    TRANSITIONS: dict = {}
    ACTIONS: dict = {}

    objects = StatefulQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self._state.adding:
            initial = self._meta.get_field("state").default
            if self.state != initial:  # a resource is born in its first state, without an event
                raise states.InvalidTransition(self.kind, "(new)", self.state, [initial])
            super().save(*args, **kwargs)
            self._persisted_state = self.state
            return
        with transaction.atomic():
            # The locked row, not the loaded copy, is the truth: a stale object
            # must not move a resource backwards or fire an event twice.
            current = (
                type(self)
                ._base_manager.select_for_update()
                .filter(pk=self.pk)
                .values_list("state", flat=True)
                .get()
            )
            if self.state == getattr(self, "_persisted_state", current):
                self.state = current
            changed = self.state != current
            if changed:
                self.check_transition(current, self.state)
                self.on_transition(current, timezone.now())
            super().save(*args, **kwargs)
            if changed:
                state_changed.send(
                    sender=type(self), instance=self, previous_state=current, state=self.state
                )
        self._persisted_state = self.state

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._persisted_state = instance.__dict__.get("state")
        return instance

    @property
    def kind(self) -> str:
        return type(self).__name__

    def allowed_next_states(self, current: str) -> list[str]:
        return sorted(self.TRANSITIONS.get(current, ()))

    def check_transition(self, current: str, requested: str) -> None:
        if requested not in self.TRANSITIONS.get(current, ()):
            raise states.InvalidTransition(
                self.kind, current, requested, self.allowed_next_states(current)
            )

    def clean(self) -> None:
        initial = self._meta.get_field("state").default
        if self._state.adding and self.state != initial:
            raise ValidationError({"state": f"A new {self.kind} starts in state {initial}."})
        previous = getattr(self, "_persisted_state", None)
        if previous is not None and previous != self.state:
            try:
                self.check_transition(previous, self.state)
            except states.InvalidTransition as exc:
                raise ValidationError({"state": str(exc)}) from None

    def on_transition(self, previous: str, now) -> None:
        """Hook for resource-specific bookkeeping (a job's start and end times)."""


class Transform(MediaResource):
    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="unique_transform")]

    @property
    def source(self) -> str:
        return f"{API}/{self.project.name}/media/transforms/{self.name}"


class Job(StatefulResource):
    TRANSITIONS = states.JOB_TRANSITIONS
    ACTIONS = states.JOB_ACTIONS

    transform = models.ForeignKey(Transform, on_delete=models.CASCADE, related_name="jobs")
    state = models.CharField(max_length=20, choices=states.JobState, default=states.JobState.QUEUED)
    start_time = models.DateTimeField(null=True, blank=True, editable=False)
    end_time = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["transform", "name"], name="unique_job")]

    @property
    def source(self) -> str:
        return f"{API}/{self.project.name}/transforms/{self.transform.name}/jobs/{self.name}"

    def on_transition(self, previous: str, now) -> None:
        if self.state == states.JobState.PROCESSING:
            self.start_time = now
        if self.state not in self.TRANSITIONS:  # a final state
            self.end_time = now


class StreamingLocator(StatefulResource):
    TRANSITIONS = states.LOCATOR_TRANSITIONS

    state = models.CharField(
        max_length=20, choices=states.LocatorState, default=states.LocatorState.CREATING
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="unique_locator")]

    @property
    def source(self) -> str:
        return f"{API}/{self.project.name}/media/streamingLocators/{self.name}"


class LiveChannel(StatefulResource):
    TRANSITIONS = states.CHANNEL_TRANSITIONS
    ACTIONS = states.CHANNEL_ACTIONS

    state = models.CharField(
        max_length=20, choices=states.ChannelState, default=states.ChannelState.STOPPED
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="unique_channel")]

    @property
    def source(self) -> str:
        return f"{API}/{self.project.name}/live/liveChannels/{self.name}"


class ScheduledOperation(StatefulResource):
    TRANSITIONS = states.OPERATION_TRANSITIONS

    channel = models.ForeignKey(LiveChannel, on_delete=models.CASCADE, related_name="operations")
    state = models.CharField(
        max_length=20, choices=states.OperationState, default=states.OperationState.PENDING
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "name"], name="unique_operation")]

    @property
    def source(self) -> str:
        return f"{self.channel.source}/scheduledOperations/{self.name}"
