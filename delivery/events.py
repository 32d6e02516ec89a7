"""The event catalog (SPEC §4): one table from which everything else is derived.

Signal receivers, rule validation, admin choices, `GET /api/v1/webhook/eventTypes`
and the README's table all read `CATALOG`. Adding an event is one entry here.
"""

from dataclasses import dataclass

from mkwebhooks.conf import webhook_settings

ANY = None  # from_states=ANY: any state the resource can leave


@dataclass(frozen=True)
class EventType:
    name: str
    resource: str  # the media model's class name
    description: str
    to_states: frozenset[str]
    from_states: frozenset[str] | None = ANY
    feature: str | None = None  # a webhook setting that must be true

    def matches(self, resource: str, previous: str, state: str) -> bool:
        return (
            resource == self.resource
            and state in self.to_states
            and (self.from_states is ANY or previous in self.from_states)
        )

    @property
    def enabled(self) -> bool:
        return self.feature is None or bool(getattr(webhook_settings, self.feature))


def event(name, resource, description, to_states, from_states=ANY, feature=None) -> EventType:
    from_set = ANY if from_states is ANY else frozenset(from_states)
    return EventType(name, resource, description, frozenset(to_states), from_set, feature)


SCHEDULED = "SCHEDULED_OPERATION_EVENTS"
CATALOG: tuple[EventType, ...] = (
    event("MediaKind.JobStarted", "Job", "A job left the queue and started processing.",
          {"Processing"}, {"Queued", "Scheduled"}),
    event("MediaKind.JobFinished", "Job", "A job reached a terminal state, successful or not.",
          {"Finished", "Error", "Canceled"}),
    event("MediaKind.StreamingLocatorCreated", "StreamingLocator",
          "A streaming locator is ready to use.", {"Created"}, {"Creating"}),
    event("MediaKind.ChannelInstanceStarted", "LiveChannel", "A live channel is running.",
          {"Running"}, {"Starting"}),
    event("MediaKind.ChannelInstanceStopped", "LiveChannel", "A live channel has stopped.",
          {"Stopped"}, {"Stopping", "Error"}),
    event("MediaKind.ChannelInstanceError", "LiveChannel", "A live channel failed.",
          {"Error"}, {"Starting", "Running", "Stopping"}),
    event("MediaKind.ScheduledOperationAccepted", "ScheduledOperation",
          "The scheduler accepted an operation.", {"Accepted"}, {"Pending"}, SCHEDULED),
    event("MediaKind.ScheduledOperationOngoing", "ScheduledOperation",
          "The scheduler started an operation.", {"Ongoing"}, {"Accepted"}, SCHEDULED),
    event("MediaKind.ScheduledOperationCompleted", "ScheduledOperation",
          "The scheduler finished an operation.", {"Completed"}, {"Ongoing"}, SCHEDULED),
    event("MediaKind.ScheduledOperationError", "ScheduledOperation", "An operation failed.",
          {"Error"}, ANY, SCHEDULED),
)  # fmt: skip
BY_NAME = {event_type.name: event_type for event_type in CATALOG}


def enabled_event_types() -> list[EventType]:
    return [event_type for event_type in CATALOG if event_type.enabled]


def event_type_for(resource: str, previous: str, state: str) -> EventType | None:
    """Return the enabled event type a transition fires, if any."""
    for event_type in enabled_event_types():
        if event_type.matches(resource, previous, state):
            return event_type
    return None


def catalog_markdown() -> str:
    """The catalog as the README's table (a test keeps the README in step)."""
    rows = ["| type | fires when | previousState → state |", "|---|---|---|"]
    for t in CATALOG:
        origin = (
            "any non-final state" if t.from_states is ANY else " or ".join(sorted(t.from_states))
        )
        flag = " (feature flag)" if t.feature else ""
        rows.append(
            f"| `{t.name}`{flag} | {t.description} | {origin} → {' / '.join(sorted(t.to_states))} |"
        )
    return "\n".join(rows)
