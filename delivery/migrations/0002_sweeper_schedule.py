"""Install the sweeper: a django-q2 schedule that wakes due deliveries (see delivery/tasks.py)."""

from django.db import migrations

SWEEPER = "mkwebhooks sweeper"


def add_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=SWEEPER,
        defaults={"func": "delivery.tasks.sweep", "schedule_type": "I", "minutes": 1, "repeats": -1},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SWEEPER).delete()


class Migration(migrations.Migration):
    dependencies = [("delivery", "0001_initial"), ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more")]
    operations = [migrations.RunPython(add_schedule, remove_schedule)]
