"""Signed payloads, verified with the `standardwebhooks` package."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from rules.models import SigningKey
from tests.delivery.test_sending import attempt, transition

SECRET_PATH = "/api/v1/projects/studio/webhook/rules/hook/signingSecret"


def rotate(client) -> dict:
    response = client.post(SECRET_PATH)
    assert response.status_code == 201
    return response.json()


def test_signed_delivery_verifies_and_the_secret_is_shown_once(project, editor, receiver):
    rule, delivery = transition(project, receiver.url)
    secret = rotate(editor)["secret"]
    assert secret.startswith("whsec_")
    body = editor.get("/api/v1/projects/studio/webhook/rules/hook").json()
    assert body["status"]["signing"]["enabled"] and secret not in json.dumps(body)
    attempt(delivery)
    request = receiver.requests[0]
    payload = Webhook(secret).verify(request.body, request.headers)
    assert payload["id"] == request.headers["webhook-id"] == str(delivery.event_id)


def test_rotation_signs_with_both_secrets_until_the_grace_period_ends(project, editor, receiver):
    rule, delivery = transition(project, receiver.url)
    old = rotate(editor)["secret"]
    rotated = rotate(editor)
    assert rotated["previousSecretValidUntil"]
    attempt(delivery)
    request = receiver.requests[0]
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    for secret in (old, rotated["secret"]):
        Webhook(secret).verify(request.body, request.headers)


def test_expired_secret_no_longer_signs(project, editor, receiver):
    rule, delivery = transition(project, receiver.url)
    old = rotate(editor)["secret"]
    new = rotate(editor)["secret"]
    SigningKey.objects.exclude(expires_at=None).update(expires_at=timezone.now() - timedelta(1))
    attempt(delivery)
    request = receiver.requests[0]
    Webhook(new).verify(request.body, request.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(request.body, request.headers)


def test_stopping_signing_removes_the_headers(project, editor, receiver):
    rule, delivery = transition(project, receiver.url)
    rotate(editor)
    assert editor.delete(SECRET_PATH).status_code == 204
    attempt(delivery)
    assert "webhook-signature" not in receiver.requests[0].headers


def test_viewers_cannot_rotate(project, member):
    transition(project, "https://hooks.example.com/")
    assert member("viewer").post(SECRET_PATH).status_code == 403
