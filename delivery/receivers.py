"""Signal receivers: wiring only, each calls one service."""

from delivery.outbox import event_record


def on_state_changed(sender, instance, previous_state: str, state: str, **kwargs) -> None:
    event_record(resource=instance, previous_state=previous_state, state=state)
