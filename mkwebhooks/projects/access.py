"""Who may do what in a project: the one place roles are checked (API, pages and admin)."""

from django.db.models import QuerySet

from mkwebhooks.api.errors import APIError, not_found
from mkwebhooks.projects.models import ROLE_RANK, Membership, Project, Role


def project_role(user, project: Project) -> Role | None:
    """Return the user's role in the project; staff act as project admins everywhere."""
    if user is None or not user.is_authenticated:
        return None
    if user.is_staff or user.is_superuser:
        return Role.ADMIN
    role = Membership.objects.filter(project=project, user=user).values_list("role", flat=True)
    return Role(role[0]) if role else None


def has_role(user, project: Project, needed: Role) -> bool:
    role = project_role(user, project)
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[needed]


def project_for(user, name: str, needed: Role) -> Project:
    """Return the project if the user holds `needed`; 404 to outsiders, 403 to members."""
    project = Project.objects.filter(name=name).first()
    role = project and project_role(user, project)
    if role is None:
        raise not_found(f"Project '{name}'")
    if ROLE_RANK[role] < ROLE_RANK[needed]:
        raise APIError(403, "forbidden", f"This needs the '{needed}' role in project '{name}'.")
    return project


def projects_visible_to(user) -> QuerySet[Project]:
    if user.is_staff or user.is_superuser:
        return Project.objects.all()
    return Project.objects.filter(memberships__user=user)
