"""MK.IO list bodies with keyset paging: `$top`, `$skiptoken`, `$orderby`.

The skiptoken carries the last row's sort key, so every page is an index range
scan, never an OFFSET over the rows before it.
"""

import base64
import binascii
import json
from collections.abc import Callable

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from rest_framework.request import Request
from rest_framework.response import Response

from mkwebhooks.api.errors import validation_error
from mkwebhooks.conf import webhook_settings


def page_size(request: Request) -> int:
    raw = request.query_params.get("$top")
    if raw is None:
        return webhook_settings.PAGE_SIZE
    # Length first: int() of thousands of digits is an error (and slow), not a number.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9 or int(raw) < 1:
        raise validation_error({"$top": "must be a positive integer."})
    return min(int(raw), webhook_settings.MAX_PAGE_SIZE)


def ordering(request: Request, orderings: dict[str, str], default: str) -> tuple[str, str, bool]:
    """Return (api name, model field, descending) for `$orderby`."""
    raw = request.query_params.get("$orderby", default).strip()
    name, _, direction = raw.partition(" ")
    direction = direction.strip().lower() or "asc"
    if name not in orderings or direction not in ("asc", "desc"):
        choices = ", ".join(f"'{n} asc|desc'" for n in orderings)
        raise validation_error({"$orderby": f"must be one of {choices}."})
    return name, orderings[name], direction == "desc"


def bad_token() -> Exception:
    return validation_error({"$skiptoken": "is not a token from a previous page of this list."})


def decode_token(raw: str, expected_order: str, field) -> tuple:
    """Return (sort value, pk, offset) from a token this list issued."""
    try:
        token = json.loads(base64.urlsafe_b64decode(raw.encode()))
        value, pk, offset = field.to_python(token["v"]), token["pk"], token["o"]
        valid = (
            token["ob"] == expected_order
            and isinstance(token["v"], str | int)
            and "\x00" not in str(token["v"])  # PostgreSQL cannot compare with a NUL
            and type(pk) is int
            and type(offset) is int
            and 0 <= pk < 2**63  # the range of a database key
            and 0 <= offset < 2**31
        )
    except (ValueError, KeyError, TypeError, binascii.Error, DjangoValidationError):
        raise bad_token() from None
    if not valid:
        raise bad_token()
    return value, pk, offset


def encode_token(token: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(token).encode()).decode()


def sort_value(obj, field: str):
    value = getattr(obj, field)
    return value.isoformat() if hasattr(value, "isoformat") else value


def paginate(
    request: Request,
    queryset: QuerySet,
    *,
    kind: str,
    serialize: Callable,
    orderings: dict[str, str],
    default: str,
) -> Response:
    """Return one page of `queryset` in MK.IO's list body."""
    top = page_size(request)
    order_name, field, descending = ordering(request, orderings, default)
    order_key = f"{order_name} {'desc' if descending else 'asc'}"
    total = queryset.count()
    prefix = "-" if descending else ""
    page_qs = queryset.order_by(f"{prefix}{field}", f"{prefix}pk")
    offset = 0
    if raw := request.query_params.get("$skiptoken"):
        value, pk, offset = decode_token(raw, order_key, queryset.model._meta.get_field(field))
        op = "lt" if descending else "gt"
        after = Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"pk__{op}": pk})
        page_qs = page_qs.filter(after)
    rows = list(page_qs[: top + 1])
    has_more, rows = len(rows) > top, rows[:top]
    body = {
        "value": [serialize(row) for row in rows],
        "supplemental": {
            "count": len(rows),
            "kind": kind,
            "operation": "list",
            "pagination": {
                "start": offset,
                "end": offset + max(len(rows) - 1, 0),
                "records": len(rows),
                "total": total,
            },
        },
    }
    if has_more:
        last = rows[-1]
        next_token = encode_token(
            {"v": sort_value(last, field), "pk": last.pk, "o": offset + len(rows), "ob": order_key}
        )
        body["supplemental"]["pagination"]["skipToken"] = next_token
        query = request.query_params.copy()
        query["$skiptoken"] = next_token
        body["@odata.nextLink"] = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return Response(body)
