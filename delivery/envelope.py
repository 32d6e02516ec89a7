"""The delivered request (SPEC §5): the CloudEvent and the HTTP request that carries it.

`outgoing_request` is the only caller of `Secret.reveal()` in the product.
"""

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, replace
from urllib.parse import quote, quote_plus, urlencode, urlsplit, urlunsplit

from django.utils import timezone

from delivery.models import Event
from delivery.transport import Result
from mkwebhooks.api.envelope import iso
from mkwebhooks.conf import webhook_settings
from mkwebhooks.secrets import MASK
from rules.models import RuleSecret, WebhookRule

CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"
SEQUENCE_DIGITS = 12


def cloud_event(event: Event) -> dict:
    envelope = {
        "specversion": "1.0",
        "id": str(event.id),
        "type": event.type,
        "source": event.source,
        "time": iso(event.time),
        "datacontenttype": "application/json",
        "sequence": f"{event.sequence:0{SEQUENCE_DIGITS}d}",
        "data": event.data,
    }
    if event.test:
        envelope["test"] = True  # a CloudEvents extension attribute: not a real transition
    return envelope


def encode(event: Event) -> bytes:
    return json.dumps(cloud_event(event), separators=(",", ":")).encode()


@dataclass(frozen=True)
class OutgoingRequest:
    url: str
    headers: dict[str, str]
    masked_url: str  # what the log keeps
    masked_headers: dict[str, str]
    secret_values: tuple[str, ...] = ()

    def masked(self, text: str) -> str:
        """`text` with every secret value sent, as sent or URL-encoded, replaced by the mask."""
        for value in self.secret_values:
            for spelling in {value, quote(value, safe=""), quote_plus(value, safe="*")}:
                text = text.replace(spelling, MASK)
        return text

    def masked_result(self, result: Result) -> Result:
        """What the receiver answered, without the secrets it may echo (a `Location` that
        quotes the URL, a debug page that prints the request): the log keeps this."""
        return replace(
            result,
            headers={name: self.masked(value) for name, value in result.headers.items()},
            body=self.masked(result.body),
            error_detail=self.masked(result.error_detail),
        )


def with_query(url: str, params: list[tuple[str, str]]) -> str:
    if not params:
        return url
    parts = urlsplit(url)
    extra = urlencode(params, safe="*")
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit(parts._replace(query=query))


def signature_headers(rule: WebhookRule, message_id: str, body: bytes) -> dict[str, str]:
    """Standard Webhooks headers, signed with every signing key still in force."""
    now = timezone.now()
    keys = rule.signing_keys_in_force(now)
    if not keys:
        return {}
    timestamp = str(int(now.timestamp()))
    signed = f"{message_id}.{timestamp}.".encode() + body
    signatures = []
    for key in keys:
        raw = base64.b64decode(key.secret.reveal().removeprefix("whsec_"))
        digest = hmac.new(raw, signed, hashlib.sha256).digest()
        signatures.append("v1," + base64.b64encode(digest).decode())
    return {
        "webhook-id": message_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": " ".join(signatures),
    }


def outgoing_request(rule: WebhookRule, event: Event, body: bytes) -> OutgoingRequest:
    """Build the request for a rule, revealing its secrets for this send only."""
    base = {
        "Content-Type": CONTENT_TYPE,
        "User-Agent": webhook_settings.USER_AGENT,
        **signature_headers(rule, str(event.id), body),
    }
    headers, masked_headers = {**base, **rule.headers}, {**base, **rule.headers}
    params = list(rule.query_params.items())
    secret_params, masked_params, revealed = [], [], []
    for secret in rule.secrets.all():
        value = secret.value.reveal()
        revealed.append(value)
        if secret.location == RuleSecret.Location.HEADER:
            headers[secret.name], masked_headers[secret.name] = value, MASK
        else:
            secret_params.append((secret.name, value))
            masked_params.append((secret.name, MASK))
    return OutgoingRequest(
        url=with_query(rule.url, params + secret_params),
        headers=headers,
        masked_url=with_query(rule.url, params + masked_params),
        masked_headers=masked_headers,
        secret_values=tuple(revealed),
    )
