"""Headers and query parameters in admin as key/value rows, no JavaScript needed.

Each row is a pair of inputs sharing the names `<field>-key` and `<field>-value`;
browsers submit them in document order, so the n-th key belongs to the n-th value.
A few blank rows are always shown; saving with "Save and continue" adds more.
"""

from itertools import zip_longest

from django import forms
from django.utils.html import format_html, format_html_join

BLANK_ROWS = 3


class KeyValueWidget(forms.Widget):
    def value_from_datadict(self, data, files, name) -> list[tuple[str, str]]:
        keys, values = data.getlist(f"{name}-key"), data.getlist(f"{name}-value")
        pairs = zip_longest(keys, values, fillvalue="")  # a value without a key is an error
        return [(key.strip(), value) for key, value in pairs if key.strip() or value]

    def value_omitted_from_data(self, data, files, name) -> bool:
        return f"{name}-key" not in data

    def render(self, name, value, attrs=None, renderer=None) -> str:
        pairs = list(value.items()) if isinstance(value, dict) else list(value or [])
        rows = format_html_join(
            "",
            '<tr><td><input type="text" name="{0}-key" value="{1}" aria-label="{0} name {3}">'
            '</td><td><input type="text" name="{0}-value" value="{2}" size="40" '
            'aria-label="{0} value {3}"></td></tr>',
            (
                (name, key, val, n)
                for n, (key, val) in enumerate(pairs + [("", "")] * BLANK_ROWS, 1)
            ),
        )
        return format_html(
            '<table class="key-value" id="id_{}"><thead><tr><th>Name</th><th>Value</th></tr>'
            "</thead><tbody>{}</tbody></table>",
            name,
            rows,
        )


class KeyValueField(forms.Field):
    """Rows in, a dict out; a row with a value but no name, or a repeated name, is an error."""

    widget = KeyValueWidget

    def __init__(self, *, ignore_case: bool, **kwargs):
        self.ignore_case = ignore_case  # header names are case-insensitive, query names not
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value) -> dict[str, str]:
        if isinstance(value, dict):
            return value
        result: dict[str, str] = {}
        for key, val in value or []:
            if not key:
                raise forms.ValidationError(f"The value {val!r} needs a name.")
            if self.folded(key) in {self.folded(k) for k in result}:
                raise forms.ValidationError(f"{key!r} appears twice.")
            result[key] = val
        return result

    def folded(self, key: str) -> str:
        return key.lower() if self.ignore_case else key

    def has_changed(self, initial, data) -> bool:
        return (initial or {}) != self.to_python(data)
