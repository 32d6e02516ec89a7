"""Property-based tests of the rule spec validation (hypothesis)."""

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.exceptions import ValidationError

from delivery.events import CATALOG
from mkwebhooks.api.errors import flatten_errors
from rules.validation import RESERVED_HEADERS, RESERVED_PREFIXES, validated_spec

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
token_chars = string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~"
header_names = st.text(token_chars, min_size=1, max_size=20).filter(
    lambda n: n.lower() not in RESERVED_HEADERS and not n.lower().startswith(RESERVED_PREFIXES)
)
header_values = st.text(string.ascii_letters + string.digits + " -_.:/=", max_size=50).map(
    str.strip
)
FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(spec=json_values | st.dictionaries(st.sampled_from(["enabled", "url", "events", "headers",
       "queryParams", "authentication"]), json_values))  # fmt: skip
def test_any_json_is_accepted_or_refused_with_field_paths(spec):
    try:
        validated_spec(spec)
    except ValidationError as exc:
        paths = flatten_errors(exc.detail)
        assert paths and all(path.startswith("spec") for path in paths)


@FAST
@given(
    headers=st.dictionaries(header_names, header_values, max_size=10).filter(
        lambda h: len({n.lower() for n in h}) == len(h)
    ),
    events=st.lists(st.sampled_from([t.name for t in CATALOG]), min_size=1, max_size=12),
)
def test_valid_specs_round_trip(headers, events):
    spec = {"enabled": True, "url": "https://93.184.216.34/x", "events": events,
            "headers": headers}  # fmt: skip
    cleaned = validated_spec(spec)
    assert cleaned["headers"] == headers
    assert cleaned["events"] == list(dict.fromkeys(events))
