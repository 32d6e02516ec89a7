"""JSON input that every layer below can store and send back.

A lone surrogate ("\\ud800") cannot be encoded in a response, and PostgreSQL's jsonb
refuses NUL; either would be saved and then break every read. They are refused here,
with the path of the offending string.
"""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def bad_string(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def first_bad_path(data, path: str = "body") -> str | None:
    """Return the path of the first string (key or value) that cannot be stored, if any."""
    stack = [(data, path)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str) and bad_string(value):
            return where
        if isinstance(value, dict):
            for key, item in value.items():
                if bad_string(key):
                    return f"{where} (a key)"
                stack.append((item, f"{where}.{key}"))
        elif isinstance(value, list):
            stack.extend((item, f"{where}[{index}]") for index, item in enumerate(value))
    return None


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON nested too deeply.") from None
        if (where := first_bad_path(data)) is not None:
            raise ParseError(f"{where} contains a NUL or a lone surrogate character.")
        return data
