from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from delivery.maintenance import deliveries_purge
from delivery.models import Delivery
from mkwebhooks.conf import webhook_settings
from mkwebhooks.progress import Progress


class Command(BaseCommand):
    help = "Delete final delivery records (with attempts and events) older than N days."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=None, help="default: MKWEBHOOKS_RETENTION_DAYS"
        )

    def handle(self, *args, days, **options):
        days = webhook_settings.RETENTION_DAYS if days is None else days
        before = timezone.now() - timedelta(days=days)
        progress = Progress(
            Delivery.objects.filter(created__lt=before).count(), "purging", self.stdout
        )
        deleted = deliveries_purge(before=before, progress=progress.advance)
        progress.finish()
        self.stdout.write(
            self.style.SUCCESS(f"{deleted} deliveries older than {days} days deleted.")
        )
