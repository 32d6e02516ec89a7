"""The demo: real processes, a real receiver, real webhooks, verified with the CloudEvents SDK."""

import time
from dataclasses import dataclass

import requests
from cloudevents.v1.http import from_http
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from delivery.events import enabled_event_types
from delivery.models import Delivery
from mkwebhooks.devtools.receiver import Received
from mkwebhooks.projects.models import Membership, Project, Role

USERNAME, PASSWORD, PROJECT = "demo", "demo-password", "demo"
AUTH_VALUE = "Bearer 1d7a0e5c-demo-receiver-secret"


def demo_setup() -> str:
    """Create (or keep) the demo superuser, its token and project; return the token."""
    users = get_user_model().objects
    user = users.filter(username=USERNAME).first() or users.create_superuser(
        USERNAME, "demo@example.com", PASSWORD
    )
    project, _ = Project.objects.get_or_create(
        name=PROJECT, defaults={"description": "Demo project", "created_by": user}
    )
    Membership.objects.get_or_create(project=project, user=user, defaults={"role": Role.ADMIN})
    return Token.objects.get_or_create(user=user)[0].key


@dataclass
class Api:
    base: str
    token: str

    def call(self, method: str, path: str, body: dict | None = None, expect=(200, 201, 202)):
        response = requests.request(
            method,
            f"{self.base}/api/v1/projects/{PROJECT}/{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=15,
        )
        if response.status_code not in expect:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
        print(f"  {method:5} {path} → {response.status_code}")
        return response.json() if response.content else None

    def state(self, path: str, state: str):
        return self.call("PATCH", path, {"properties": {"state": state}})


def put_rules(api: Api, receiver_url: str) -> None:
    """PUT MK.IO's documented example rule and one rule for every event type."""
    api.call("PUT", "webhook/rules/jobs-rule", {"spec": {
        "enabled": True,
        "url": f"{receiver_url}/mkio-webhooks",
        "events": ["MediaKind.JobStarted", "MediaKind.JobFinished"],
        "headers": {"X-Demo": "mkwebhooks"},
        "queryParams": {"process": "123456"},
        "authentication": {"headers": {"Authorization": AUTH_VALUE}},
    }})  # fmt: skip
    every_type = [t.name for t in enabled_event_types()]
    api.call("PUT", "webhook/rules/all-events", {"spec": {
        "enabled": True, "url": f"{receiver_url}/all-events", "events": every_type,
    }})  # fmt: skip


def disable_rules(api: Api) -> None:
    print("\nThe receiver stops with the demo, so its rules are disabled (make run keeps the log):")
    for name in ("jobs-rule", "all-events"):
        api.call("PATCH", f"webhook/rules/{name}", {"spec": {"enabled": False}})


def drive_resources(api: Api, suffix: str) -> None:
    """Create media resources and walk them through their states over the HTTP API."""
    job = f"transforms/encode/jobs/job-{suffix}"
    api.call("PUT", "media/transforms/encode", {"properties": {"description": "H.264 ladder"}})
    api.call("PUT", f"media/{job}", {"properties": {
        "input": {"@odata.type": "#Microsoft.Media.JobInputAsset", "assetName": "input-asset"},
        "outputs": [{"@odata.type": "#Microsoft.Media.JobOutputAsset", "assetName": "output"}],
        "priority": "Normal", "description": "demo job",
    }})  # fmt: skip
    api.state(job, "Processing")
    api.state(job, "Finished")
    locator = f"media/streamingLocators/locator-{suffix}"
    api.call("PUT", locator, {"properties": {"assetName": "output"}})
    api.state(locator, "Created")
    channel = f"live/liveChannels/channel-{suffix}"
    api.call("PUT", channel, {"properties": {"description": "demo channel"}})
    api.call("POST", f"{channel}/start")
    api.state(channel, "Running")
    operation = f"{channel}/scheduledOperations/op-{suffix}"
    api.call("PUT", operation, {"properties": {"operationType": "insertAd"}})
    for state in ("Accepted", "Ongoing", "Completed"):
        api.state(operation, state)
    api.call("POST", f"{channel}/stop")
    api.state(channel, "Stopped")


EXPECTED_ALL = [
    "MediaKind.JobStarted", "MediaKind.JobFinished", "MediaKind.StreamingLocatorCreated",
    "MediaKind.ChannelInstanceStarted", "MediaKind.ScheduledOperationAccepted",
    "MediaKind.ScheduledOperationOngoing", "MediaKind.ScheduledOperationCompleted",
    "MediaKind.ChannelInstanceStopped",
]  # fmt: skip


def expected_deliveries() -> list[tuple[str, str]]:
    enabled = {t.name for t in enabled_event_types()}
    expected = [
        ("/mkio-webhooks", "MediaKind.JobStarted"),
        ("/mkio-webhooks", "MediaKind.JobFinished"),
    ]
    return expected + [("/all-events", t) for t in EXPECTED_ALL if t in enabled]


def describe(received: Received) -> tuple[str, str, str]:
    """Print one received request; return (path, type, problem or '')."""
    path = received.path.split("?")[0]
    try:
        event = from_http(received.headers, received.body)
    except Exception as exc:
        print(f"  ✗ {received.path}: not a CloudEvent ({exc})")
        return path, "", "unparseable"
    data = event.data
    auth = received.headers.get("Authorization")
    auth_text = "(none)" if auth is None else f"{auth[:7]}******** ({len(auth)} chars)"
    print(
        f"  POST {received.path}\n"
        f"      Authorization: {auth_text}\n"
        f"      {event['type']}  id={event['id']}  sequence={event.get('sequence')}\n"
        f"      source={event['source']}\n"
        f"      {data['previousState']} → {data['state']}"
    )
    problem = ""
    if path == "/mkio-webhooks" and (auth != AUTH_VALUE or "process=123456" not in received.path):
        problem = "secret header or query parameter missing"
    return path, event["type"], problem


def verify(received: list[Received]) -> bool:
    print(f"\nThe receiver got {len(received)} requests, each parsed with the CloudEvents SDK:")
    seen, problems = [], []
    for item in received:
        path, event_type, problem = describe(item)
        seen.append((path, event_type))
        if problem:
            problems.append(f"{item.path}: {problem}")
    expected = expected_deliveries()
    missing = [e for e in expected if e not in seen]
    unexpected = [s for s in seen if s not in expected] + [
        s for s in set(seen) if seen.count(s) > 1
    ]
    for label, items in (("missing", missing), ("unexpected", unexpected), ("wrong", problems)):
        for item in items:
            print(f"  ✗ {label}: {item}")
    return not (missing or unexpected or problems)


def print_log(since) -> None:
    print("\nDelivery log:")
    deliveries = Delivery.objects.filter(created__gte=since).select_related("event", "rule")
    for d in deliveries.order_by("created", "id"):
        print(f"  {d.status:8} attempts={d.attempts}  {d.rule.name:14} {d.event.type}")


def wait_until_settled(since, expected: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        deliveries = Delivery.objects.filter(created__gte=since)
        if deliveries.count() >= expected and not deliveries.exclude(status="Sent").exists():
            return
        time.sleep(0.2)
