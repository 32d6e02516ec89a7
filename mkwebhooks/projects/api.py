"""`/api/v1/projects`: staff create projects and set members; members list theirs."""

from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from mkwebhooks.api.envelope import metadata
from mkwebhooks.api.errors import APIError, not_found
from mkwebhooks.api.pagination import paginate
from mkwebhooks.api.strict import StrictCharField, StrictSerializer, check_name
from mkwebhooks.projects.access import project_for, project_role, projects_visible_to
from mkwebhooks.projects.models import Project, Role
from mkwebhooks.projects.services import project_upsert


class MemberSerializer(StrictSerializer):
    role = serializers.ChoiceField(choices=Role.choices)


class ProjectSpecSerializer(StrictSerializer):
    description = StrictCharField(required=False, allow_blank=True, max_length=4096, default="")
    members = serializers.DictField(child=MemberSerializer(), required=False, default=dict)


class ProjectBodySerializer(serializers.Serializer):  # a GET body (metadata too) is fine
    spec = ProjectSpecSerializer()


def project_body(project: Project) -> dict:
    members = {
        m.user.get_username(): {"role": m.role} for m in project.memberships.select_related("user")
    }
    return {
        "metadata": metadata(project),
        "spec": {"description": project.description, "members": members},
    }


class ProjectList(APIView):
    def get(self, request):
        return paginate(
            request,
            projects_visible_to(request.user),
            kind="Project",
            serialize=project_body,
            orderings={"name": "name", "created": "created"},
            default="name",
        )


class ProjectDetail(APIView):
    def get(self, request, project):
        return Response(project_body(project_for(request.user, project, Role.VIEWER)))

    def put(self, request, project):
        """Staff create projects; a project's admins may replace it (members included)."""
        existing = Project.objects.filter(name=project).first()
        if not request.user.is_staff and (
            existing is None or not project_role(request.user, existing)
        ):
            # Outsiders get a 404 whether the project exists or not: no existence leak.
            detail = f"Project '{project}' was not found; only staff can create projects."
            raise APIError(404, "not_found", detail)
        if existing:
            project_for(request.user, project, Role.ADMIN)
        check_name(project)
        body = ProjectBodySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        spec = body.validated_data["spec"]
        members = {name: m["role"] for name, m in spec["members"].items()}
        obj, created = project_upsert(
            name=project, description=spec["description"], members=members, user=request.user
        )
        return Response(project_body(obj), status=201 if created else 200)

    def delete(self, request, project):
        if not request.user.is_staff:
            raise APIError(403, "forbidden", "Only staff can delete projects.")
        deleted, _ = Project.objects.filter(name=project).delete()
        if not deleted:
            raise not_found(f"Project '{project}'")
        return Response(status=204)
