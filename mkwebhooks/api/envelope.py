"""MK.IO's body shapes: `metadata` of management resources and timestamps."""

from datetime import UTC, datetime


def iso(moment: datetime | None) -> str | None:
    """Format as ISO 8601 UTC with a Z, as MK.IO does."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def username(user) -> str | None:
    return user.get_username() if user is not None else None


def metadata(obj, **extra) -> dict:
    return {
        "name": obj.name,
        "id": str(obj.uuid),
        "created": iso(obj.created),
        "updated": iso(obj.updated),
        "createdBy": username(obj.created_by),
        "updatedBy": username(obj.updated_by),
        **extra,
    }
