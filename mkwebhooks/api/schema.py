"""OpenAPI 3 (drf-spectacular): the API's shared conventions added to every operation.

Our views build MK.IO's bodies by hand rather than through serializers, so the hook
documents what every endpoint shares: Bearer auth, the one error body, list paging
parameters, and JSON bodies in and out.
"""

ERROR = {"$ref": "#/components/schemas/Error"}
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "status", "ref"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "detail", "extraDetail"],
            "properties": {
                "code": {"type": "string"},
                "detail": {"type": "string"},
                "extraDetail": {"type": "object"},
            },
        },
        "status": {"type": "integer"},
        "ref": {"type": "string"},
    },
}
ERROR_STATUSES = {
    "400": "Invalid input; extraDetail.fields names each field",
    "401": "No or bad Bearer token",
    "403": "Your role in the project does not allow this",
    "404": "No such project (or not yours), resource or URL",
    "405": "Method not allowed",
    "409": "Illegal state transition or concurrent create",
    "412": "If-Match does not match the rule's ETag",
    "413": "Body too large",
    "415": "Body is not JSON",
    "429": "Too many requests for this token",
}
SUCCESS = {
    "get": ("200",),
    "put": ("200", "201"),
    "patch": ("200",),
    "post": ("201", "202"),
    "delete": ("204",),
}
LIST_PARAMETERS = [
    {"name": "$top", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    {"name": "$skiptoken", "in": "query", "schema": {"type": "string"}},
    {"name": "$orderby", "in": "query", "schema": {"type": "string"}},
]
JSON_OBJECT = {"application/json": {"schema": {"type": "object"}}}


def add_conventions(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    result["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            document(path, method, operation)
    return result


def is_collection(path: str) -> bool:
    """Paged lists end in a literal segment (…/rules, …/events), items in a {name}."""
    return path.startswith("/api/v1/projects") and not path.endswith("}")


def document(path: str, method: str, operation: dict) -> None:
    operation["security"] = [] if path == "/healthz" else [{"bearer": []}]
    responses = {}
    for status in SUCCESS[method]:
        body = {} if status == "204" else {"content": JSON_OBJECT}
        responses[status] = {"description": "Success", **body}
    for status, description in ERROR_STATUSES.items():
        responses[status] = {
            "description": description,
            "content": {"application/json": {"schema": ERROR}},
        }
    operation["responses"] = responses
    if method in ("put", "patch", "post"):
        operation["requestBody"] = {"content": JSON_OBJECT}
    if method == "get" and is_collection(path):
        operation["parameters"] = [*operation.get("parameters", []), *LIST_PARAMETERS]
