"""Install the daily retention schedule (see delivery/tasks.py: purge)."""

from django.db import migrations

RETENTION = "mkwebhooks retention"


def add_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=RETENTION,
        defaults={"func": "delivery.tasks.purge", "schedule_type": "D", "repeats": -1},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=RETENTION).delete()


class Migration(migrations.Migration):
    dependencies = [("delivery", "0002_sweeper_schedule")]
    operations = [migrations.RunPython(add_schedule, remove_schedule)]
