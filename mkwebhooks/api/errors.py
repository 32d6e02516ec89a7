"""The one error body of the API (SPEC §1), for every failure, including unexpected ones."""

import logging
import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response

from mkwebhooks.api.middleware import current_request_id

logger = logging.getLogger(__name__)


class APIError(Exception):
    """An error with its HTTP status, machine code, sentence and extra detail."""

    def __init__(self, status: int, code: str, detail: str, extra: dict | None = None):
        super().__init__(detail)
        self.status, self.code, self.detail, self.extra = status, code, detail, extra or {}


def not_found(what: str) -> APIError:
    return APIError(404, "not_found", f"{what} was not found.")


def error_body(status: int, code: str, detail: str, extra: dict | None = None) -> dict:
    return {
        "error": {"code": code, "detail": detail, "extraDetail": extra or {}},
        "status": status,
        "ref": current_request_id(),
    }


def flatten_errors(errors, prefix: str = "") -> dict[str, str]:
    """Turn DRF's nested errors into {"spec.events[2]": "message"}."""
    if isinstance(errors, dict):
        flat = {}
        for key, value in errors.items():
            if isinstance(key, int):
                path = f"{prefix}[{key}]"
            elif key == "non_field_errors":
                path = prefix or key
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten_errors(value, path))
        return flat
    if isinstance(errors, list) and errors and all(isinstance(e, str) for e in errors):
        return {prefix or "body": " ".join(str(e) for e in errors)}
    if isinstance(errors, list):
        flat = {}
        for index, value in enumerate(errors):
            flat.update(flatten_errors(value, f"{prefix}[{index}]"))
        return flat
    return {prefix or "body": str(errors)}


def validation_error(fields: dict[str, str], extra: dict | None = None) -> APIError:
    first_path, first_message = next(iter(fields.items()))
    detail = f"{first_path}: {first_message}"
    if len(fields) > 1:
        detail += f" (and {len(fields) - 1} more)"
    return APIError(400, "validation_error", detail, {"fields": fields, **(extra or {})})


def as_api_error(exc: Exception) -> APIError | None:
    if isinstance(exc, APIError):
        return exc
    if isinstance(exc, RequestDataTooBig):
        return APIError(413, "payload_too_large", "The request body is too large.")
    if isinstance(exc, Http404):
        return APIError(404, "not_found", "The resource was not found.")
    if isinstance(exc, DjangoPermissionDenied):
        return APIError(403, "forbidden", "You do not have permission for this action.")
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"body": exc.messages}
        return validation_error(flatten_errors(fields))
    if isinstance(exc, exceptions.ValidationError):
        return validation_error(flatten_errors(exc.detail))
    if isinstance(exc, exceptions.ParseError):
        return APIError(
            400, "malformed_request", f"The request body is not valid JSON: {exc.detail}"
        )
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        return APIError(401, "unauthorized", str(exc.detail))
    if isinstance(exc, exceptions.UnsupportedMediaType):
        detail = f"{exc.detail} Send the body as JSON, with Content-Type: application/json."
        return APIError(415, "unsupported_media_type", detail)
    if isinstance(exc, exceptions.Throttled):
        return APIError(429, "throttled", str(exc.detail), {"retryAfter": exc.wait})
    if isinstance(exc, exceptions.APIException):
        return APIError(exc.status_code, exc.default_code, str(exc.detail))
    return None


def exception_handler(exc: Exception, context: dict) -> Response:
    error = as_api_error(exc)
    if error is None:
        logger.exception("Unhandled API error")
        error = APIError(500, "internal_error", "An unexpected error occurred; quote the ref.")
    response = Response(
        error_body(error.status, error.code, error.detail, error.extra), error.status
    )
    if error.status == status.HTTP_401_UNAUTHORIZED:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        response["Retry-After"] = str(math.ceil(exc.wait))
    return response


def json_error_view(status: int, code: str, detail: str, html_view=None):
    """Answer API paths in the error body, everything else with Django's page."""

    def view(request, *args, **kwargs):
        if html_view is None or request.path.startswith("/api/"):
            return JsonResponse(error_body(status, code, detail), status=status)
        return html_view(request, *args, **kwargs)

    # It only ever answers 404/500: a POST to a mistyped URL must get the error body,
    # not the CSRF failure page.
    return csrf_exempt(view)
