"""`/api/v1/projects/{p}/webhook/rules[/{name}]`: PUT, PATCH (merge patch), GET, DELETE,
plus the rule's signing secret and audit trail."""

from contextlib import contextmanager

from rest_framework.response import Response
from rest_framework.views import APIView

from mkwebhooks.api.envelope import iso
from mkwebhooks.api.errors import APIError, not_found, validation_error
from mkwebhooks.api.pagination import paginate
from mkwebhooks.api.strict import check_name
from mkwebhooks.projects.access import project_for
from mkwebhooks.projects.models import Role
from rules.models import RuleChange, WebhookRule
from rules.representations import rule_body, rule_etag, rule_spec
from rules.services import (
    PreconditionFailed,
    rule_delete,
    rule_signing_rotate,
    rule_signing_stop,
    rule_upsert,
)
from rules.validation import validated_spec


def merge_patch(target, patch):
    """Apply an RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def body_spec(data):
    if not isinstance(data, dict) or "spec" not in data:
        raise validation_error({"spec": "is required."})
    return data["spec"]


def rules_of(project):
    return (
        WebhookRule.objects.filter(project=project)
        .select_related("project", "created_by", "updated_by")
        .prefetch_related("secrets", "signing_keys")
    )


def get_rule(project, name: str) -> WebhookRule:
    rule = rules_of(project).filter(name=name).first()
    if rule is None:
        raise not_found(f"Webhook rule '{name}'")
    return rule


def with_etag(rule: WebhookRule, status: int = 200) -> Response:
    response = Response(rule_body(rule), status=status)
    response["ETag"] = rule_etag(rule)
    return response


@contextmanager
def precondition():
    try:
        yield
    except PreconditionFailed:
        raise APIError(
            412,
            "precondition_failed",
            "If-Match does not match the rule's ETag: it changed since you read it, or it no "
            "longer exists. Read it again.",
        ) from None


class RuleList(APIView):
    def get(self, request, project):
        return paginate(
            request,
            rules_of(project_for(request.user, project, Role.VIEWER)),
            kind="WebhookRule",
            serialize=rule_body,
            orderings={"name": "name", "created": "created", "updated": "updated"},
            default="name",
        )


class RuleDetail(APIView):
    """GET, PUT, PATCH (merge patch of spec) and DELETE; writes honour If-Match."""

    def get(self, request, project, name):
        return with_etag(get_rule(project_for(request.user, project, Role.VIEWER), name))

    def put(self, request, project, name):
        check_name(name)
        project = project_for(request.user, project, Role.EDITOR)
        spec = validated_spec(body_spec(request.data))
        with precondition():
            rule, created = rule_upsert(
                project=project, name=name, spec=spec, user=request.user,
                if_match=request.headers.get("If-Match"),
            )  # fmt: skip
        return with_etag(rule, status=201 if created else 200)

    def patch(self, request, project, name):
        project = project_for(request.user, project, Role.EDITOR)
        current = rule_spec(get_rule(project, name))
        spec = validated_spec(merge_patch(current, body_spec(request.data)))
        with precondition():
            rule, _ = rule_upsert(
                project=project, name=name, spec=spec, user=request.user,
                if_match=request.headers.get("If-Match"),
            )  # fmt: skip
        return with_etag(rule)

    def delete(self, request, project, name):
        rule = get_rule(project_for(request.user, project, Role.EDITOR), name)
        with precondition():
            rule_delete(rule=rule, user=request.user, if_match=request.headers.get("If-Match"))
        return Response(status=204)


class RuleHistory(APIView):
    """The rule's audit trail, newest first (kept after the rule is deleted)."""

    def get(self, request, project, name):
        changes = RuleChange.objects.filter(
            project=project_for(request.user, project, Role.VIEWER), rule_name=name
        ).select_related("user")
        return paginate(
            request,
            changes,
            kind="WebhookRuleChange",
            serialize=change_body,
            orderings={"created": "created"},
            default="created desc",
        )


def change_body(change: RuleChange) -> dict:
    return {
        "time": iso(change.created),
        "user": change.user.get_username() if change.user else None,
        "action": change.action,
        "changes": change.changes,
    }


class SigningSecret(APIView):
    """POST creates or rotates the rule's signing secret (shown once); DELETE stops signing."""

    def post(self, request, project, name):
        rule = get_rule(project_for(request.user, project, Role.EDITOR), name)
        secret, previous_until = rule_signing_rotate(rule=rule)
        body = {"secret": secret, "previousSecretValidUntil": iso(previous_until)}
        return Response(body, status=201)

    def delete(self, request, project, name):
        rule = get_rule(project_for(request.user, project, Role.EDITOR), name)
        rule_signing_stop(rule=rule)
        return Response(status=204)
