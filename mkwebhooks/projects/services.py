from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from mkwebhooks.projects.models import Membership, Project


@transaction.atomic
def project_upsert(*, name: str, description: str, members: dict[str, str], user) -> tuple:
    """Create or wholly replace a project and its members; return (project, created)."""
    users = {u.get_username(): u for u in get_user_model().objects.filter(username__in=members)}
    unknown = {
        f"spec.members.{username}": "is not a known user."
        for username in members
        if username not in users
    }
    if unknown:
        raise ValidationError(unknown)
    project, created = Project.objects.get_or_create(name=name, defaults={"created_by": user})
    project.description, project.updated_by = description, user
    project.full_clean()
    project.save()
    project.memberships.all().delete()
    Membership.objects.bulk_create(
        Membership(project=project, user=users[username], role=role)
        for username, role in members.items()
    )
    return project, created
