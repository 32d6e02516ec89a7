"""The served OpenAPI schema, fuzzed with schemathesis (bounded): no 5xx, no schema violations."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests import factories
from tests.conftest import make_user

EXAMPLES = 8  # per operation: bounded, deterministic
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_schema(db):
    from mkwebhooks.wsgi import application  # its start-up checks read the database

    # As Django's test client does: requests must not close the test's open transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/schema/", application)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(project) -> str:
    factories.rule(project, "https://hooks.example.com/")
    factories.channel(project)
    job = factories.job(project)
    job.state = "Processing"
    job.save()
    return Token.objects.create(user=make_user("fuzzer", staff=True)).key


def fuzz(operation, token: str) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case):
        if "project" in (case.path_parameters or {}):
            case.path_parameters["project"] = "studio"  # reach past the project lookup
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

    run()


def test_api_survives_generated_requests(api_schema, token):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 40
    for operation in operations:
        fuzz(operation, token)


def test_schema_and_docs_are_served_without_a_cdn(client):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs and "cdn" not in docs.lower()
