"""Deliveries travel in batches: a task per TASK_BATCH deliveries, claimed together, topped
up with other due deliveries."""

from django_q.signing import SignedPackage

from delivery.models import Attempt, Delivery
from delivery.outbox import broker
from delivery.tasks import deliver
from mkwebhooks.devtools.receiver import Receiver
from tests import factories


def start_job(project) -> list[int]:
    job = factories.job(project)
    job.state = "Processing"
    job.save()
    return list(Delivery.objects.order_by("pk").values_list("pk", flat=True))


def queued_batches() -> list[list[int]]:
    """The delivery ids of every deliver task waiting in the broker, taken off it."""
    batches = []
    while tasks := broker().dequeue():
        for acknowledge_id, package in tasks:
            batches.append(SignedPackage.loads(package)["args"][0])
            broker().acknowledge(acknowledge_id)
    return batches


def test_a_fan_out_is_enqueued_as_batches_and_each_task_sends_its_batch(
    project, settings, receiver, django_capture_on_commit_callbacks
):
    settings.MKWEBHOOKS = {**settings.MKWEBHOOKS, "TASK_BATCH": 2}
    for index in range(5):
        factories.rule(project, f"{receiver.url}/hook-{index}", name=f"hook-{index}")
    broker().purge_queue()
    with django_capture_on_commit_callbacks(execute=True):
        ids = start_job(project)
    batches = queued_batches()
    assert batches == [ids[0:2], ids[2:4], ids[4:5]]
    for batch in batches:
        deliver(batch)
    assert sorted(r.path for r in receiver.requests) == [f"/hook-{i}" for i in range(5)]
    assert set(Delivery.objects.values_list("status", "attempts")) == {("Sent", 1)}


def test_a_slow_receiver_makes_the_task_give_back_what_it_has_no_time_left_to_send(
    project, settings, django_capture_on_commit_callbacks
):
    # One attempt can take 1 + 3 + 5 = 9 s; the lease is 11 s. After a 2.5 s answer a second
    # attempt could outlive the lease (another worker would send it too): it is not started.
    timing = {"CONNECT_TIMEOUT": 1.0, "TOTAL_TIMEOUT": 3.0, "LEASE_SECONDS": 11}
    settings.MKWEBHOOKS = {**settings.MKWEBHOOKS, **timing}
    with Receiver([(204, {}, 2.5), 204]) as slow:
        for index in range(3):
            factories.rule(project, slow.url, name=f"hook-{index}")
        ids = start_job(project)
        broker().purge_queue()
        with django_capture_on_commit_callbacks(execute=True):
            deliver(ids)
        assert len(slow.requests) == 1
        given_back = Delivery.objects.exclude(status="Sent")
        assert given_back.count() == 2
        assert set(given_back.values_list("status", "attempts", "leased_until")) == {
            ("Pending", 0, None)
        }
        assert not Attempt.objects.filter(delivery__in=given_back).exists()
        [batch] = queued_batches()  # enqueued again at once, not left to the sweeper
        deliver(batch)
        assert len(slow.requests) == 3
    assert set(Delivery.objects.values_list("status", "attempts")) == {("Sent", 1)}
    assert set(Attempt.objects.values_list("number", "response_status")) == {(1, 204)}


def test_a_task_takes_along_deliveries_whose_own_tasks_still_wait(
    project, receiver, django_capture_on_commit_callbacks
):
    factories.rule(project, receiver.url)
    broker().purge_queue()
    with django_capture_on_commit_callbacks(execute=True):
        for name in ("job1", "job2", "job3"):  # a transaction, and so a task, each
            job = factories.job(project, name)
            job.state = "Processing"
            job.save()
    first, *rest = queued_batches()
    assert len(rest) == 2
    deliver(first)
    assert len(receiver.requests) == 3  # all three went with the first task
    for batch in rest:
        deliver(batch)  # nothing left for them: no second send
    assert len(receiver.requests) == 3
    assert set(Delivery.objects.values_list("status", "attempts")) == {("Sent", 1)}
