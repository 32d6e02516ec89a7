from delivery.models import Delivery, Heartbeat
from delivery.tasks import sweep
from tests import factories


def test_sweep_wakes_due_deliveries_and_beats(
    project, settings, django_capture_on_commit_callbacks
):
    settings.MKWEBHOOKS = {**settings.MKWEBHOOKS, "SWEEP_SECONDS": 0.05, "SWEEP_INTERVAL": 0.01}
    factories.rule(project, "https://hooks.example.com/")
    job = factories.job(project)
    job.state = "Processing"
    job.save()
    Delivery.objects.update(enqueued_at=None)  # as if the broker had been down
    assert sweep() == 1
    assert Delivery.objects.get().enqueued_at is not None
    assert Heartbeat.objects.filter(name="sweeper").exists()
    assert sweep() == 0  # enqueued once, not again every tick


def test_an_enqueue_lost_by_the_broker_is_sent_again_once_the_queue_is_empty(
    project, settings, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from delivery.outbox import broker, deliveries_wake_due

    factories.rule(project, "https://hooks.example.com/")
    job = factories.job(project)
    job.state = "Processing"
    job.save()
    broker().purge_queue()  # the broker lost the task (a restart without persistence)
    long_ago = timezone.now() - timedelta(seconds=31)  # REENQUEUE_AFTER_SECONDS is 30
    Delivery.objects.update(enqueued_at=long_ago)
    broker().enqueue("another task waiting its turn")
    assert deliveries_wake_due() == 0  # behind a backlog an old enqueue is only waiting
    Delivery.objects.update(enqueued_at=timezone.now() - timedelta(seconds=601))
    assert deliveries_wake_due() == 1  # …but not for ten minutes: a backlog cannot starve it
    broker().purge_queue()
    Delivery.objects.update(enqueued_at=long_ago)
    broker().purge_queue()
    assert deliveries_wake_due() == 1
    assert broker().queue_size() == 1
    broker().purge_queue()
