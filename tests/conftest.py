import os
import signal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from mkwebhooks.devtools import processes
from mkwebhooks.devtools.receiver import Receiver
from mkwebhooks.projects.models import Membership, Project, Role
from mkwebhooks.secrets import encryption_keys

LOCAL_TARGETS = {"ALLOW_HTTP": True, "ALLOWED_TARGET_NETWORKS": ["127.0.0.0/8"]}


@pytest.fixture(autouse=True)
def local_targets(settings):
    """Tests deliver to receivers on loopback over plain HTTP."""
    settings.MKWEBHOOKS = {**settings.MKWEBHOOKS, **LOCAL_TARGETS}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()  # throttling counters must not leak from one test into the next


def make_user(username: str, *, staff: bool = False):
    return get_user_model().objects.create_user(username, password="pw-123456789", is_staff=staff)


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def project(db):
    return Project.objects.create(name="studio")


@pytest.fixture
def member(project):
    """Return a factory: member("viewer") → an APIClient of a user with that role."""

    def make(role: str = Role.EDITOR, name: str | None = None) -> APIClient:
        user = make_user(name or f"{role}-user")
        Membership.objects.create(project=project, user=user, role=role)
        return client_for(user)

    return make


@pytest.fixture
def editor(member) -> APIClient:
    return member(Role.EDITOR)


@pytest.fixture
def staff(db) -> APIClient:
    return client_for(make_user("staff", staff=True))


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def rule_spec(url: str, **overrides) -> dict:
    spec = {
        "enabled": True,
        "url": url,
        "events": ["MediaKind.JobStarted", "MediaKind.JobFinished"],
        "headers": {"X-Team": "media"},
        "queryParams": {"process": "123456"},
        "authentication": {
            "headers": {"Authorization": "Bearer s3cr3t-header-value"},
            "queryParams": {"token": "s3cr3t-query-value"},
        },
    }
    return {"spec": {**spec, **overrides}}


def database_url() -> str:
    """DATABASE_URL of the test database, for child processes."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


class Clusters:
    """Start real qcluster processes on the test database and broker; stop them all after."""

    def __init__(self, tmp_path: Path):
        self.tmp_path, self.running = tmp_path, []

    def start(self, **settings_env) -> tuple:
        log = self.tmp_path / f"qcluster-{len(self.running)}.log"
        env = processes.child_env(
            {
                "DATABASE_URL": database_url(),
                "MKWEBHOOKS_ENCRYPTION_KEYS": ",".join(encryption_keys()),
                "DJANGO_SECRET_KEY": settings.SECRET_KEY,
                "MKWEBHOOKS_WORKERS": "2",
                "MKWEBHOOKS_RETRY_SCHEDULE": "0,1,1",
                **{f"MKWEBHOOKS_{name}": str(value) for name, value in settings_env.items()},
            }
        )
        process = processes.start_qcluster(env, log)
        self.running.append(process)
        processes.wait_for_cluster(log, process)
        return process, log

    def kill9(self, process) -> None:
        """What a crash or the OOM killer does: no clean-up, no goodbye."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop_all(self) -> None:
        for process in self.running:
            processes.stop(process)


@pytest.fixture
def clusters(transactional_db, tmp_path: Path):
    running = Clusters(tmp_path)
    yield running
    running.stop_all()


@pytest.fixture
def cluster(clusters) -> Path:
    """One real qcluster process; yields its log path."""
    return clusters.start()[1]
