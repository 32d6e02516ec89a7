"""The state machines of SPEC §3, as data."""

from django.db import models

ANY_NON_FINAL = object()


class JobState(models.TextChoices):
    QUEUED = "Queued"
    SCHEDULED = "Scheduled"
    PROCESSING = "Processing"
    CANCELING = "Canceling"
    FINISHED = "Finished"
    ERROR = "Error"
    CANCELED = "Canceled"


class LocatorState(models.TextChoices):
    CREATING = "Creating"
    CREATED = "Created"


class ChannelState(models.TextChoices):
    STOPPED = "Stopped"
    STARTING = "Starting"
    RUNNING = "Running"
    STOPPING = "Stopping"
    ERROR = "Error"


class OperationState(models.TextChoices):
    PENDING = "Pending"
    ACCEPTED = "Accepted"
    ONGOING = "Ongoing"
    COMPLETED = "Completed"
    ERROR = "Error"


J, L, C, Op = JobState, LocatorState, ChannelState, OperationState

JOB_TRANSITIONS = {
    J.QUEUED: {J.PROCESSING, J.SCHEDULED, J.ERROR, J.CANCELED},
    J.SCHEDULED: {J.PROCESSING, J.ERROR, J.CANCELED},
    J.PROCESSING: {J.FINISHED, J.ERROR, J.CANCELING},
    J.CANCELING: {J.CANCELED, J.ERROR},
}
LOCATOR_TRANSITIONS = {L.CREATING: {L.CREATED}}
CHANNEL_TRANSITIONS = {
    C.STOPPED: {C.STARTING},
    C.STARTING: {C.RUNNING, C.ERROR},
    C.RUNNING: {C.STOPPING, C.ERROR},
    C.STOPPING: {C.STOPPED, C.ERROR},
    C.ERROR: {C.STOPPED, C.STARTING},
}
OPERATION_TRANSITIONS = {
    Op.PENDING: {Op.ACCEPTED, Op.ERROR},
    Op.ACCEPTED: {Op.ONGOING, Op.ERROR},
    Op.ONGOING: {Op.COMPLETED, Op.ERROR},
}

# Actions (POST .../{action}): from-state -> to-state.
JOB_ACTIONS = {
    "cancelJob": {J.QUEUED: J.CANCELED, J.SCHEDULED: J.CANCELED, J.PROCESSING: J.CANCELING}
}
CHANNEL_ACTIONS = {
    "start": {C.STOPPED: C.STARTING, C.ERROR: C.STARTING},
    "stop": {C.RUNNING: C.STOPPING},
}


class InvalidTransition(Exception):
    def __init__(self, kind: str, current: str, requested: str, allowed: list[str]):
        self.kind, self.current, self.requested, self.allowed = kind, current, requested, allowed
        allowed_text = ", ".join(allowed) if allowed else "none (it is final)"
        super().__init__(
            f"A {kind} in state {current} cannot move to {requested}. Allowed next states: "
            f"{allowed_text}."
        )
