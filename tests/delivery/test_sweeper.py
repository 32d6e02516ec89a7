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
