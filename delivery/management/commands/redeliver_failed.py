from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from delivery.maintenance import deliveries_redeliver_failed
from delivery.models import Delivery
from delivery.outbox import RuleDisabled
from mkwebhooks.progress import Progress
from rules.models import WebhookRule


def moment(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=timezone.get_current_timezone())


class Command(BaseCommand):
    help = "Re-deliver every Failed delivery of a rule created in a time range (same event ids)."

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True)
        parser.add_argument("--rule", required=True)
        parser.add_argument("--since", type=moment, required=True, help="ISO 8601, e.g. 2026-12-01")
        parser.add_argument("--until", type=moment, default=None, help="ISO 8601 (default: now)")

    def handle(self, *args, project, rule, since, until, **options):
        found = WebhookRule.objects.filter(project__name=project, name=rule).first()
        if found is None:
            raise CommandError(f"No rule '{rule}' in project '{project}'.")
        until = until or timezone.now()
        failed = Delivery.objects.filter(
            rule=found, status=Delivery.Status.FAILED, created__gte=since, created__lt=until
        )
        progress = Progress(failed.count(), "re-delivering", self.stdout)
        try:
            count = deliveries_redeliver_failed(
                rule=found, since=since, until=until, progress=progress.advance
            )
        except RuleDisabled as exc:
            raise CommandError(str(exc)) from None
        progress.finish()
        self.stdout.write(self.style.SUCCESS(f"{count} deliveries queued again."))
