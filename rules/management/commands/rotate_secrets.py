from django.core.management.base import BaseCommand

from mkwebhooks.progress import Progress
from rules.models import RuleSecret, SigningKey
from rules.services import secrets_reencrypt


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret with the newest key in MKWEBHOOKS_ENCRYPTION_KEYS. "
        "Run it after putting a new key first; then the old keys can be removed."
    )

    def handle(self, *args, **options):
        total = RuleSecret.objects.count() + SigningKey.objects.count()
        progress = Progress(total, "re-encrypting", self.stdout)
        count = secrets_reencrypt(progress=progress.advance)
        progress.finish()
        self.stdout.write(self.style.SUCCESS(f"{count} secrets now use the newest key."))
