from rules.models import WebhookRule


def rules_subscribed(*, project_id: int, event_type: str) -> list[WebhookRule]:
    """Enabled rules of the project that subscribe to the event type."""
    # Filtered in Python: a project has few rules, and JSON `contains` is not portable to SQLite.
    rules = WebhookRule.objects.filter(project_id=project_id, enabled=True).only("pk", "events")
    return [rule for rule in rules if event_type in rule.events]
