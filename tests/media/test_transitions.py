import pytest
from django.db import transaction

from delivery.models import Delivery, Event
from mkwebhooks.media.models import Job
from mkwebhooks.media.states import InvalidTransition
from tests import factories

JOBS = "/api/v1/projects/studio/transforms/encode/jobs"


def patch_state(client, path, state):
    return client.patch(path, {"properties": {"state": state}}, format="json")


def test_job_put_creates_queued_job_with_mkio_properties(editor, project):
    editor.put("/api/v1/projects/studio/media/transforms/encode", {}, format="json")
    body = {"properties": {"input": {"assetName": "in"}, "priority": "High", "state": "Finished"}}
    response = editor.put(
        "/api/v1/projects/studio/media/transforms/encode/jobs/j1", body, format="json"
    )
    assert response.status_code == 201
    properties = response.json()["properties"]
    assert properties["state"] == "Queued"  # server-owned, not writable by PUT
    assert properties["priority"] == "High"
    assert set(properties) >= {"input", "created", "lastModified", "startTime", "endTime"}


def test_job_canonical_path_and_media_alias_return_the_same_body(editor, project):
    factories.job(project)
    canonical = editor.get(f"{JOBS}/job1").json()
    alias = editor.get("/api/v1/projects/studio/media/transforms/encode/jobs/job1").json()
    assert canonical == alias
    assert canonical["id"] == f"{JOBS}/job1"


def test_job_patch_walks_the_state_machine(editor, project):
    factories.job(project)
    assert patch_state(editor, f"{JOBS}/job1", "Processing").status_code == 200
    finished = patch_state(editor, f"{JOBS}/job1", "Finished").json()["properties"]
    assert finished["state"] == "Finished" and finished["startTime"] and finished["endTime"]
    assert list(Event.objects.order_by("sequence").values_list("type", flat=True)) == [
        "MediaKind.JobStarted",
        "MediaKind.JobFinished",
    ]


def test_job_illegal_transition_is_a_409_with_allowed_states(editor, project):
    factories.job(project)
    response = patch_state(editor, f"{JOBS}/job1", "Finished")
    assert response.status_code == 409
    extra = response.json()["error"]["extraDetail"]
    assert extra["state"] == "Queued"
    assert extra["allowedStates"] == ["Canceled", "Error", "Processing", "Scheduled"]
    assert not Event.objects.exists()


def test_job_unknown_state_is_a_400_naming_the_states(editor, project):
    factories.job(project)
    response = patch_state(editor, f"{JOBS}/job1", "Exploded")
    assert response.status_code == 400
    message = response.json()["error"]["extraDetail"]["fields"]["properties.state"]
    assert "'Exploded' is not a Job state" in message and "Processing" in message
    assert not Event.objects.exists()


def test_job_final_state_allows_nothing(editor, project):
    job = factories.job(project)
    job.state = "Error"
    job.save()
    response = patch_state(editor, f"{JOBS}/job1", "Processing")
    assert response.status_code == 409
    assert response.json()["error"]["extraDetail"]["allowedStates"] == []


@pytest.mark.parametrize(
    "start, expected",
    [("Queued", "Canceled"), ("Scheduled", "Canceled"), ("Processing", "Canceling")],
)
def test_job_cancel_action(editor, project, start, expected):
    job = factories.job(project)
    if start != "Queued":
        Job.objects.filter(pk=job.pk).update(state=start)
    response = editor.post(f"{JOBS}/job1/cancelJob")
    assert response.status_code == 202
    assert response.json()["properties"]["state"] == expected


def test_job_cancel_of_a_finished_job_is_a_409(editor, project):
    job = factories.job(project)
    Job.objects.filter(pk=job.pk).update(state="Canceled")
    assert editor.post(f"{JOBS}/job1/cancelJob").status_code == 409


def test_cancel_of_a_canceling_job_names_where_it_can_go(editor, project):
    factories.job(project)
    patch_state(editor, f"{JOBS}/job1", "Processing")
    assert editor.post(f"{JOBS}/job1/cancelJob").json()["properties"]["state"] == "Canceling"
    response = editor.post(f"{JOBS}/job1/cancelJob")
    assert response.status_code == 409
    error = response.json()["error"]
    assert "cannot cancelJob; it can from Processing, Queued, Scheduled" in error["detail"]
    assert error["extraDetail"]["allowedStates"] == ["Canceled", "Error"]


def test_channel_start_and_stop_actions(editor, project):
    factories.channel(project)
    path = "/api/v1/projects/studio/live/liveChannels/ch1"
    assert editor.post(f"{path}/stop").status_code == 409
    assert editor.post(f"{path}/start").json()["properties"]["state"] == "Starting"
    patch_state(editor, path, "Running")
    assert editor.post(f"{path}/stop").json()["properties"]["state"] == "Stopping"
    assert editor.post(f"{path}/explode").status_code == 404


def test_queryset_update_fires_one_event_per_row(project):
    factories.job(project, "a")
    factories.job(project, "b")
    assert Job.objects.filter(project=project).update(state="Processing") == 2
    assert Event.objects.filter(type="MediaKind.JobStarted").count() == 2
    assert Job.objects.filter(project=project).update(state="Processing") == 2  # no transition
    assert Event.objects.count() == 2


def test_queryset_update_with_illegal_state_changes_nothing(project):
    factories.job(project, "a")
    with pytest.raises(InvalidTransition):
        Job.objects.update(state="Finished")
    assert Job.objects.get().state == "Queued"


def test_bulk_update_cannot_change_state(project):
    job = factories.job(project)
    job.state = "Processing"
    with pytest.raises(TypeError):
        Job.objects.bulk_update([job], ["state"])


def test_rolled_back_transition_writes_and_sends_nothing(
    project, django_capture_on_commit_callbacks
):
    factories.rule(project, "https://hooks.example.com/")
    job = factories.job(project)
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        job.state = "Processing"
        job.save()
        assert Delivery.objects.count() == 1  # the outbox is in the transaction
        raise RuntimeError("roll back")
    assert callbacks == []
    assert not Event.objects.exists() and not Delivery.objects.exists()
    assert Job.objects.get().state == "Queued"


def test_committed_transition_enqueues_after_commit(project, django_capture_on_commit_callbacks):
    factories.rule(project, "https://hooks.example.com/")
    job = factories.job(project)
    with django_capture_on_commit_callbacks() as callbacks:
        job.state = "Processing"
        job.save()
    assert len(callbacks) == 1


def test_stale_object_does_not_fire_twice_or_move_backwards(project):
    first = factories.job(project)
    second = Job.objects.get(pk=first.pk)
    first.state = "Processing"
    first.save()
    second.properties = {"description": "edited"}
    second.save()  # loaded as Queued, but must not write Queued back
    assert Job.objects.get().state == "Processing"
    second.state = "Processing"
    second.save()
    assert Event.objects.count() == 1


def test_admin_state_change_fires_the_event(admin_client, project):
    job = factories.job(project)
    response = admin_client.post(
        f"/admin/media/job/{job.pk}/change/",
        {
            "name": "job1",
            "project": project.pk,
            "transform": job.transform_id,
            "properties": "{}",
            "state": "Processing",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert Event.objects.get().type == "MediaKind.JobStarted"


def test_admin_illegal_state_change_is_a_form_error(admin_client, project):
    job = factories.job(project)
    response = admin_client.post(
        f"/admin/media/job/{job.pk}/change/",
        {"name": "job1", "project": project.pk, "transform": job.transform_id,
         "properties": "{}", "state": "Finished"},
    )  # fmt: skip
    assert response.status_code == 200
    assert b"cannot move to Finished" in response.content
    assert not Event.objects.exists()


def test_admin_cannot_create_a_job_past_its_first_state(admin_client, project):
    transform = factories.job(project).transform
    response = admin_client.post(
        "/admin/media/job/add/",
        {"name": "job2", "project": project.pk, "transform": transform.pk,
         "properties": "{}", "state": "Finished"},
    )  # fmt: skip
    assert response.status_code == 200
    assert b"starts in state Queued" in response.content
    assert Job.objects.count() == 1


def test_unknown_resources_are_404s(editor, project):
    for path in (
        f"{JOBS}/nope",
        "/api/v1/projects/studio/media/streamingLocators/nope",
        "/api/v1/projects/studio/live/liveChannels/nope/scheduledOperations/op",
    ):
        response = editor.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert patch_state(editor, f"{JOBS}/nope", "Processing").status_code == 404
