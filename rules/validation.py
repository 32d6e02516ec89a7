"""Validation of a rule's `spec`: the one place the rules of SPEC §2 live (API and admin)."""

import json
import re

from rest_framework import serializers

from delivery.events import enabled_event_types
from mkwebhooks.api.strict import StrictBooleanField, StrictCharField, StrictSerializer
from mkwebhooks.netguard import TargetError, check_target_url

HTTP_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
RESERVED_HEADERS = {
    "host", "content-length", "content-type", "transfer-encoding", "connection", "upgrade",
    "keep-alive", "te", "trailer",
}  # fmt: skip
RESERVED_PREFIXES = ("proxy-", "webhook-", "ce-")
MAX_ENTRIES = 32
MAX_VALUE = 4096
MAX_SPEC_BYTES = 64 * 1024
FORBIDDEN_CHARS = re.compile(r"[\r\n\x00]")
# What an HTTP client can put on the wire: visible ASCII with inner spaces or tabs.
HEADER_VALUE = re.compile(r"^(?:[\x21-\x7e](?:[\x20-\x7e\t]*[\x21-\x7e])?)?$")


def header_value_problem(value: str) -> str | None:
    if FORBIDDEN_CHARS.search(value):
        return "must not contain CR, LF or NUL."
    if not HEADER_VALUE.match(value):
        return "must be visible ASCII, without leading or trailing spaces."
    return None


def query_value_problem(value: str) -> str | None:
    return "must not contain CR, LF or NUL." if FORBIDDEN_CHARS.search(value) else None


def header_name_problem(name: str) -> str | None:
    if not HTTP_TOKEN.match(name):
        return "is not a valid HTTP header name."
    lowered = name.lower()
    if lowered in RESERVED_HEADERS or lowered.startswith(RESERVED_PREFIXES):
        return "is owned by the delivery engine and cannot be set by a rule."
    return None


def query_name_problem(name: str) -> str | None:
    if not name or FORBIDDEN_CHARS.search(name) or len(name) > 256:
        return "must be 1-256 characters without CR, LF or NUL."
    return None


class StringMapField(serializers.DictField):
    """A map of name → string value, with names checked by `name_problem`."""

    def __init__(self, name_problem, value_problem, **kwargs):
        self.name_problem, self.value_problem = name_problem, value_problem
        kwargs.setdefault("required", False)
        kwargs.setdefault("default", dict)
        super().__init__(child=StrictCharField(allow_blank=True, max_length=MAX_VALUE), **kwargs)

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        if len(values) > MAX_ENTRIES:
            raise serializers.ValidationError(f"must have at most {MAX_ENTRIES} entries.")
        errors, seen = {}, set()
        for name, value in values.items():
            problem = self.name_problem(name) or self.value_problem(value)
            if self.name_problem is header_name_problem and name.lower() in seen:
                problem = "is set twice (header names are case-insensitive)."
            seen.add(name.lower())
            if problem:
                errors[name] = [problem]
        if errors:
            raise serializers.ValidationError(errors)
        return values


def header_map() -> StringMapField:
    return StringMapField(header_name_problem, header_value_problem)


def query_map() -> StringMapField:
    return StringMapField(query_name_problem, query_value_problem)


class EventListField(serializers.ListField):
    def __init__(self, **kwargs):
        super().__init__(child=StrictCharField(), allow_empty=False, **kwargs)

    def to_internal_value(self, data):
        names = super().to_internal_value(data)
        valid = [event_type.name for event_type in enabled_event_types()]
        errors = {
            index: [f"'{name}' is not an event type. Valid types: {', '.join(valid)}."]
            for index, name in enumerate(names)
            if name not in valid
        }
        if errors:
            raise serializers.ValidationError(errors)
        return list(dict.fromkeys(names))  # duplicates collapsed, order kept


class AuthenticationSerializer(StrictSerializer):
    headers = header_map()
    queryParams = query_map()  # noqa: N815 (MK.IO's field name)


class RuleSpecSerializer(StrictSerializer):
    enabled = StrictBooleanField()
    url = StrictCharField(max_length=2048)
    events = EventListField()
    headers = header_map()
    queryParams = query_map()  # noqa: N815
    authentication = AuthenticationSerializer(required=False)

    def validate_url(self, url: str) -> str:
        try:
            check_target_url(url, must_resolve=False)
        except TargetError as exc:
            raise serializers.ValidationError(str(exc)) from None
        return url

    def validate(self, attrs: dict) -> dict:
        auth = attrs.setdefault("authentication", {"headers": {}, "queryParams": {}})
        errors = {}
        plain_headers = {name.lower() for name in attrs["headers"]}
        for name in auth["headers"]:
            if name.lower() in plain_headers:
                errors[f"authentication.headers.{name}"] = "is also set in headers."
        for name in auth["queryParams"]:
            if name in attrs["queryParams"]:
                errors[f"authentication.queryParams.{name}"] = "is also set in queryParams."
        if len(attrs["headers"]) + len(auth["headers"]) > MAX_ENTRIES:
            errors["headers"] = f"a rule may have at most {MAX_ENTRIES} headers in all."
        if len(attrs["queryParams"]) + len(auth["queryParams"]) > MAX_ENTRIES:
            errors["queryParams"] = (
                f"a rule may have at most {MAX_ENTRIES} query parameters in all."
            )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


def validated_spec(spec) -> dict:
    """Return the cleaned spec or raise a ValidationError whose paths start with `spec`."""
    if isinstance(spec, dict) and len(json.dumps(spec)) > MAX_SPEC_BYTES:
        raise serializers.ValidationError({"spec": ["must be at most 64 KiB of JSON."]})
    serializer = RuleSpecSerializer(data=spec)
    if not serializer.is_valid():
        raise serializers.ValidationError({"spec": serializer.errors})
    return serializer.validated_data
