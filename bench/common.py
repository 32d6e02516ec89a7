"""What the benchmark's child processes share: fixtures, qclusters, waiting, results.

Every child imports this module first; it sets Django up from the environment run.py gave it.
"""

import json
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from bench import django_setup  # noqa: F401  (must come before any model import)
from delivery.envelope import CONTENT_TYPE, encode
from delivery.models import Delivery, Event, Heartbeat
from mkwebhooks.conf import webhook_settings
from mkwebhooks.devtools import processes
from mkwebhooks.media.models import Job, Transform
from mkwebhooks.media.representations import represent
from mkwebhooks.projects.models import Project
from rules.services import rule_upsert
from rules.validation import validated_spec

LOGDIR = Path(os.environ.get("BENCH_LOGDIR", "/tmp"))
EVENTS = ["MediaKind.JobStarted", "MediaKind.JobFinished"]
# What a real encode job carries: it makes the CloudEvent about 1 KB.
JOB_PROPERTIES = {
    "description": "Encode the studio-a master into the adaptive ladder for VOD",
    "priority": "Normal",
    "input": {
        "@odata.type": "#Microsoft.Media.JobInputAsset",
        "assetName": "studio-a-master-2026-12-03-mezzanine",
        "label": "master",
    },
    "outputs": [
        {
            "@odata.type": "#Microsoft.Media.JobOutputAsset",
            "assetName": f"ladder-{rung}",
            "label": f"h264-{rung}",
        }
        for rung in ("1080p", "720p", "480p")
    ],
    "correlationData": {"tenant": "studio-a", "workflow": "vod-ingest", "ticket": "MED-4821"},
}
RULE_HEADERS = {"X-Team": "media"}
RULE_SECRET_HEADERS = {"Authorization": "Bearer bench-receiver-secret-0123456789"}


def say(text: str) -> None:
    print(text, flush=True)


def result(data: dict) -> None:
    """The last line of stdout: what run.py reads."""
    print(json.dumps(data), flush=True)


# --- fixtures ---------------------------------------------------------------------------


def project(name: str) -> Project:
    return Project.objects.get_or_create(name=name)[0]


def rules(project: Project, url: str, count: int) -> None:
    """`count` enabled rules subscribed to the job events, each with a header and a secret."""
    spec = validated_spec(
        {
            "enabled": True,
            "url": url,
            "events": EVENTS,
            "headers": RULE_HEADERS,
            "authentication": {"headers": RULE_SECRET_HEADERS},
        }
    )
    for index in range(count):
        rule_upsert(project=project, name=f"rule-{index}", spec=spec, user=None)


def jobs(project: Project, count: int) -> list[Job]:
    """`count` jobs in their first state (Queued), loaded as a view would load them."""
    transform = Transform.objects.get_or_create(project=project, name="encode")[0]
    Job.objects.bulk_create(
        Job(project=project, transform=transform, name=f"job-{i}", properties=JOB_PROPERTIES)
        for i in range(count)
    )
    return list(Job.objects.filter(project=project).select_related("project", "transform"))


def sample_body() -> bytes:
    """The CloudEvent of a job starting, built by the product's own code (nothing saved)."""
    now = timezone.now()
    owner = Project(name="bench")
    job = Job(
        project=owner,
        transform=Transform(project=owner, name="encode"),
        name="job-0",
        properties=JOB_PROPERTIES,
        state="Processing",
        start_time=now,
        last_modified=now,
    )
    data = {
        "projectName": owner.name,
        "previousState": "Queued",
        "state": "Processing",
        "resource": represent(job),
    }
    event = Event(type=EVENTS[0], source=job.source, sequence=1, time=now, data=data)
    return encode(event)


def product_headers() -> dict[str, str]:
    """The headers the product sends to one of the rules above (no signing key)."""
    base = {"Content-Type": CONTENT_TYPE, "User-Agent": webhook_settings.USER_AGENT}
    return {**base, **RULE_HEADERS, **RULE_SECRET_HEADERS}


# --- transitions ------------------------------------------------------------------------


def transition(job: Job, state: str) -> float:
    """Move a job in its own transaction; return time.time() at the moment it committed.

    Our on_commit hook is registered before save() registers the enqueue, so it runs first.
    """
    committed = []
    with transaction.atomic():
        transaction.on_commit(lambda: committed.append(time.time()))
        job.state = state
        job.save()
    return committed[0]


def event_id(job: Job) -> str:
    return str(Event.objects.filter(source=job.source).values_list("id", flat=True).get())


def wait_all_sent(project: Project, expected: int, timeout: float) -> float:
    """Poll every 0.2 s until `expected` deliveries of the project are Sent; return time.time()."""
    deadline = time.monotonic() + timeout
    deliveries = Delivery.objects.filter(event__project=project)
    while True:
        counts = dict(deliveries.values_list("status").annotate(n=Count("id")))
        if counts.get("Sent", 0) >= expected:
            return time.time()
        if counts.get("Failed") or time.monotonic() > deadline:
            raise RuntimeError(f"not all {expected} deliveries were sent: {counts}")
        time.sleep(0.2)


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} within {timeout} s")
        time.sleep(0.2)


# --- qclusters --------------------------------------------------------------------------


def cluster_config(count: int) -> str:
    workers = settings.Q_CLUSTER["workers"]
    broker = f"Redis {settings.BROKER_URL}" if settings.BROKER_URL else "ORM broker"
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"{database} + {broker}, {count} qcluster × {workers} workers"


class Clusters:
    """Real `manage.py qcluster` processes, started as the tests start them; stopped on exit."""

    def __init__(self, count: int, label: str):
        self.count, self.label = count, label
        self.running: list = []  # (process, log)
        self.started = timezone.now()

    def __enter__(self) -> "Clusters":
        try:
            for index in range(self.count):
                log = LOGDIR / f"{self.label}-qcluster-{index}.log"
                process = processes.start_qcluster(processes.child_env(), log)
                self.running.append((process, log))
            for process, log in self.running:
                processes.wait_for_cluster(log, process)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        # In parallel: a worker busy in the sweeper's 50 s loop makes each stop take 10 s.
        with ThreadPoolExecutor() as pool:
            list(pool.map(processes.stop, [process for process, _ in self.running]))

    @property
    def pids(self) -> list[int]:
        return [process.pid for process, _ in self.running]

    def logs(self) -> str:
        return "".join(log.read_text(errors="replace") for _, log in self.running)

    def roles(self) -> dict[int, str]:
        """Which child of the clusters is what, from the lines django-q2 logs at start."""
        found = {}
        for role, pattern in (
            ("worker", r"ready for work at (\d+)"),
            ("monitor", r"monitoring at (\d+)"),
            ("pusher", r"pushing tasks at (\d+)"),
        ):
            found |= {int(pid): role for pid in re.findall(pattern, self.logs())}
        return found

    def task_counts(self) -> dict[str, int]:
        """Deliver tasks started, and tasks the sweeper enqueued (call after the clusters stop).

        Inside a cluster only the scheduler and the sweeper enqueue; the scheduler says so.
        """
        logs = self.logs()
        enqueued = logs.count("Enqueued [") - len(
            re.findall(r"created task \S+ from schedule", logs)
        )
        started = len(re.findall(r"processing \S+ 'delivery\.tasks\.deliver'", logs))
        return {"tasks_run": started, "reenqueued": enqueued}

    def wait_for_sweeper(self) -> None:
        """The sweeper holds one worker 50 s of every minute in production; wait till it does.

        django-q2's scheduler first looks at schedules about 30 s after a cluster starts.
        """
        seen = Heartbeat.objects.filter(name="sweeper", seen_at__gte=self.started)
        wait_until(seen.exists, 90, "the sweeper did not start")
