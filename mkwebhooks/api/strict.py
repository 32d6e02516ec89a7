"""Serializers that refuse what they do not know: `"enabled": "yes"` is an error, not True,
and a typo in a key is an error, not ignored."""

import re

from rest_framework import serializers

from mkwebhooks.api.errors import validation_error
from mkwebhooks.projects.models import NAME_PATTERN


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data

    default_error_messages = {"invalid": "must be true or false."}


class StrictCharField(serializers.CharField):
    default_error_messages = {"invalid": "must be a string."}

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictSerializer(serializers.Serializer):
    """Refuses unknown keys, so a typo ('evnets') is an error, not silently ignored."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = {key: ["is not a known field."] for key in data if key not in self.fields}
            if unknown:
                raise serializers.ValidationError(unknown)
        return super().to_internal_value(data)


def check_name(name: str, path: str = "metadata.name") -> None:
    """Refuse resource names MK.IO would refuse (the name comes from the URL)."""
    if not re.match(NAME_PATTERN, name):
        raise validation_error({path: "must be 1-63 characters: letters, digits, '-', '_' or '.'."})
