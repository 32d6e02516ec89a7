import os
import subprocess
import sys
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import run_checks
from django.core.management import call_command

from delivery.models import Delivery
from delivery.services import deliveries_claim, delivery_send
from mkwebhooks.secrets import MASK, Secret, SecretDecryptionError
from rules.models import RuleSecret, SigningKey
from tests import factories

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def use_keys(settings, *keys):
    settings.MKWEBHOOKS = {**settings.MKWEBHOOKS, "ENCRYPTION_KEYS": list(keys)}


def secret_rule(project, url, name="hook"):
    auth = {"authentication": {"headers": {"Authorization": "Bearer top-secret"}}}
    return factories.rule(project, url, name, **auth)


def test_secret_prints_as_the_mask():
    secret = Secret.encrypt("top-secret")
    assert str(secret) == repr(secret) == f"{secret!s}" == MASK
    assert secret.reveal() == "top-secret"


def test_old_keys_decrypt_and_new_writes_use_the_newest(project, settings):
    use_keys(settings, OLD)
    secret_rule(project, "https://hooks.example.com/")
    use_keys(settings, NEW, OLD)
    stored = RuleSecret.objects.get()
    assert stored.value.reveal() == "Bearer top-secret"
    rotated = stored.value.rotated()
    use_keys(settings, NEW)
    assert rotated.reveal() == "Bearer top-secret"
    assert Fernet(NEW.encode()).decrypt(rotated.token.encode()) == b"Bearer top-secret"


def test_wrong_key_is_a_loud_error_not_ciphertext(project, settings):
    use_keys(settings, OLD)
    secret_rule(project, "https://hooks.example.com/")
    use_keys(settings, NEW)
    with pytest.raises(SecretDecryptionError, match="MKWEBHOOKS_ENCRYPTION_KEYS"):
        RuleSecret.objects.get().value.reveal()


def test_wrong_key_sends_nothing_and_records_why(project, settings, receiver):
    use_keys(settings, OLD)
    secret_rule(project, receiver.url)
    job = factories.job(project)
    job.state = "Processing"
    job.save()
    use_keys(settings, NEW)
    delivery_send(deliveries_claim([Delivery.objects.get().pk])[0])
    attempt = Delivery.objects.get().attempt_log.get()
    assert attempt.error_class == "encryption_key"
    assert receiver.requests == []


def test_invalid_key_fails_the_system_check(settings, db):
    use_keys(settings, "not-a-fernet-key")
    assert "mkwebhooks.E001" in {message.id for message in run_checks()}


def test_production_without_keys_fails_the_system_check(settings, db):
    use_keys(settings)
    settings.DEBUG = False
    assert "mkwebhooks.E002" in {message.id for message in run_checks()}


def test_task_timeouts_that_could_double_send_fail_the_check(settings, db):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 120, "retry": 60}
    assert "mkwebhooks.E004" in {message.id for message in run_checks()}


def test_wrong_key_for_stored_secrets_fails_the_system_check(project, settings):
    use_keys(settings, OLD)
    secret_rule(project, "https://hooks.example.com/")
    assert "mkwebhooks.E005" not in {m.id for m in run_checks()}
    use_keys(settings, NEW)
    assert "mkwebhooks.E005" in {m.id for m in run_checks()}


def test_a_dropped_old_key_fails_the_check_though_newer_secrets_decrypt(project, settings):
    use_keys(settings, OLD)
    secret_rule(project, "https://hooks.example.com/old")
    use_keys(settings, NEW, OLD)  # a new key first; rotate_secrets not run
    secret_rule(project, "https://hooks.example.com/new", name="new")
    assert "mkwebhooks.E005" not in {m.id for m in run_checks()}
    use_keys(settings, NEW)  # the old key dropped too early
    errors = [m for m in run_checks() if m.id == "mkwebhooks.E005"]
    assert errors and "(1 of 2 stored secrets.)" in errors[0].msg


def test_rotate_command_moves_every_secret_to_the_newest_key(project, settings, editor):
    use_keys(settings, OLD)
    secret_rule(project, "https://hooks.example.com/")
    editor.post("/api/v1/projects/studio/webhook/rules/hook/signingSecret")
    use_keys(settings, NEW, OLD)
    out = StringIO()
    call_command("rotate_secrets", stdout=out)
    assert "100% 2/2" in out.getvalue()
    use_keys(settings, NEW)  # the old key can go now
    assert RuleSecret.objects.get().value.reveal() == "Bearer top-secret"
    assert SigningKey.objects.get().secret.reveal().startswith("whsec_")


def test_production_configuration_passes_check_deploy(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",  # never connected to
        "DJANGO_SECRET_KEY": "x" * 60 + "production-like-secret-key-0123456789",
        "MKWEBHOOKS_ENCRYPTION_KEYS": NEW,
        "DJANGO_DEBUG": "0",
    }
    env.pop("DJANGO_SECURE_SSL_REDIRECT", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True, cwd=settings.BASE_DIR,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "command",
    [["manage.py", "check"], ["-c", "import mkwebhooks.wsgi"]],  # the second is what gunicorn does
    ids=["manage.py", "wsgi"],
)
def test_production_refuses_to_start_with_insecure_defaults(command):
    env = {**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none", "DJANGO_DEBUG": "0"}
    for name in ("DJANGO_SECRET_KEY", "MKWEBHOOKS_ENCRYPTION_KEYS"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, *command],
        env=env, capture_output=True, text=True, cwd=settings.BASE_DIR,
    )  # fmt: skip
    assert result.returncode != 0
    assert "mkwebhooks.E002" in result.stderr and "mkwebhooks.E003" in result.stderr


def test_a_lease_shorter_than_an_attempt_fails_the_check(settings, db):
    settings.MKWEBHOOKS = {**settings.MKWEBHOOKS, "LEASE_SECONDS": 5}
    assert "mkwebhooks.E006" in {message.id for message in run_checks()}
