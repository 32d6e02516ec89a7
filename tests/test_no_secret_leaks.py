"""A full delivery with secrets, against receivers that fail (one of them quoting the request
back); no secret may show anywhere but at the receiver."""

import logging
from urllib.parse import quote, quote_plus

import pytest
from django.db import connection
from django.test import Client

from delivery.models import Delivery
from delivery.outbox import deliveries_wake_due
from mkwebhooks.devtools.receiver import Receiver
from tests.delivery.test_end_to_end import wait_until
from tests.test_embedded_robustness import database_bytes

pytestmark = pytest.mark.cluster
HEADER_SECRET = "hdr-Secret-7f3a9c"
QUERY_SECRET = "qry secret/&=9b2e"
SECRET_FORMS = [HEADER_SECRET, QUERY_SECRET, quote_plus(QUERY_SECRET), quote(QUERY_SECRET, safe="")]


def spec(url: str) -> dict:
    return {"spec": {
        "enabled": True, "url": url, "events": ["MediaKind.JobStarted"],
        "authentication": {"headers": {"X-Api-Key": HEADER_SECRET},
                           "queryParams": {"key": QUERY_SECRET}},
    }}  # fmt: skip


def sweep_until(condition, timeout=30):
    def sweeping():
        deliveries_wake_due()
        return condition()

    try:
        wait_until(sweeping, timeout=timeout)
    finally:
        connection.close()


def collected_pages(editor, admin_client) -> list[str]:
    base = "/api/v1/projects/studio/webhook/rules"
    texts = [editor.get(path).content.decode() for path in (
        base, f"{base}/failing", f"{base}/failing/events", f"{base}/failing/history",
        f"{base}/refused/events",
    )]  # fmt: skip
    operator = admin_client
    pages = ["/deliveries/", "/admin/rules/webhookrule/", "/admin/delivery/delivery/",
             "/admin/delivery/event/", "/admin/rules/rulesecret/"]  # fmt: skip
    for delivery in Delivery.objects.all():
        pages += [
            f"/deliveries/{delivery.uuid}/",
            f"/admin/delivery/delivery/{delivery.pk}/change/",
        ]
        pages.append(f"/admin/rules/webhookrule/{delivery.rule_id}/change/")
    texts += [operator.get(page).content.decode() for page in pages]
    return texts


def test_no_secret_in_logs_api_pages_or_database(clusters, editor, admin_user, project, caplog):
    caplog.set_level(logging.DEBUG)
    with Receiver() as closed:
        refused_url = closed.url  # nothing listens there any more: connection refused
    with Receiver([500], echo=True) as failing:  # it quotes the secrets back
        editor.put(
            "/api/v1/projects/studio/webhook/rules/failing", spec(failing.url), format="json"
        )
        editor.put(
            "/api/v1/projects/studio/webhook/rules/refused", spec(refused_url), format="json"
        )
        _, cluster_log = clusters.start(RETRY_SCHEDULE="0,1", LOG_LEVEL="DEBUG")
        editor.put("/api/v1/projects/studio/media/transforms/t", {}, format="json")
        editor.put("/api/v1/projects/studio/media/transforms/t/jobs/j", {}, format="json")
        editor.patch("/api/v1/projects/studio/transforms/t/jobs/j",
                     {"properties": {"state": "Processing"}}, format="json")  # fmt: skip
        sweep_until(lambda: Delivery.objects.filter(status="Failed").count() == 2)
        assert failing.requests[0].headers["X-Api-Key"] == HEADER_SECRET  # the receiver got it
    admin = Client()
    admin.force_login(admin_user)
    outputs = {
        "test-process logs": caplog.text,
        "worker log": cluster_log.read_text(errors="replace"),
        "database": database_bytes().decode("utf-8", errors="replace"),
    }
    for index, text in enumerate(collected_pages(editor, admin)):
        outputs[f"page {index}"] = text
    for where, text in outputs.items():
        for secret in SECRET_FORMS:
            assert secret not in text, f"secret found in {where}"
