"""MK.IO's media-API body, `{"name", "id", "type", "properties"}`, for GETs and event snapshots."""

from mkwebhooks.api.envelope import iso
from mkwebhooks.media.models import Job, MediaResource

# Properties the server owns: shown on read, ignored when a client writes them.
READ_ONLY_PROPERTIES = {"state", "created", "lastModified", "startTime", "endTime"}


def represent(resource: MediaResource) -> dict:
    properties = {
        **resource.properties,
        "created": iso(resource.created),
        "lastModified": iso(resource.last_modified),
    }
    if hasattr(resource, "state"):
        properties["state"] = resource.state
    if isinstance(resource, Job):
        properties |= {"startTime": iso(resource.start_time), "endTime": iso(resource.end_time)}
    return {
        "name": resource.name,
        "id": resource.source,
        "type": f"MediaKind/{type(resource).__name__}",
        "properties": properties,
    }
