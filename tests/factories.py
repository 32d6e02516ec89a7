"""Small builders for test data."""

from mkwebhooks.media.models import Job, LiveChannel, ScheduledOperation, Transform
from mkwebhooks.projects.models import Project
from rules.services import rule_upsert
from rules.validation import validated_spec


def job(project: Project, name: str = "job1", transform: str = "encode") -> Job:
    parent, _ = Transform.objects.get_or_create(project=project, name=transform)
    return Job.objects.create(project=project, transform=parent, name=name)


def channel(project: Project, name: str = "ch1") -> LiveChannel:
    return LiveChannel.objects.create(project=project, name=name)


def operation(channel: LiveChannel, name: str = "op1") -> ScheduledOperation:
    return ScheduledOperation.objects.create(project=channel.project, channel=channel, name=name)


def rule(project: Project, url: str, name: str = "hook", **spec):
    body = {
        "enabled": True,
        "url": url,
        "events": ["MediaKind.JobStarted", "MediaKind.JobFinished"],
        **spec,
    }
    return rule_upsert(project=project, name=name, spec=validated_spec(body), user=None)[0]
