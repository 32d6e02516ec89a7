"""Middleware: a request id for every request (in the X-Request-Id header, the error body and
log lines), and a 400 for URLs that no database can look up."""

import contextvars
import logging
import re
import uuid

from django.http import JsonResponse

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id() -> str:
    return request_id_var.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-Id", "")
        request_id = incoming if SAFE_ID.match(incoming) else uuid.uuid4().hex
        # Not reset on the way out: Django logs 4xx/5xx responses after the
        # middleware returns, and those lines must carry the id too.
        request_id_var.set(request_id)
        response = self.get_response(request)
        response["X-Request-Id"] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class RefuseNulMiddleware:
    """A NUL in the path or query string is a 400: PostgreSQL cannot even compare a text
    column with one, so any lookup by it would be a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.GET.lists()
        if "\x00" in request.path or any("\x00" in k + "".join(v) for k, v in query):
            from mkwebhooks.api.errors import error_body  # it imports this module

            detail = "The URL contains a NUL character."
            return JsonResponse(error_body(400, "malformed_request", detail), status=400)
        return self.get_response(request)
