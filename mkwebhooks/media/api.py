"""Media resources API (SPEC §3): PUT creates or replaces, PATCH changes state, actions.

One view class serves every resource; each route names its model and where the
parent comes from.
"""

import json

from django.db import IntegrityError, transaction
from rest_framework.response import Response
from rest_framework.views import APIView

from mkwebhooks.api.errors import APIError, not_found, validation_error
from mkwebhooks.api.pagination import paginate
from mkwebhooks.api.strict import check_name
from mkwebhooks.media import models as media
from mkwebhooks.media.representations import READ_ONLY_PROPERTIES, represent
from mkwebhooks.media.states import InvalidTransition
from mkwebhooks.projects.access import project_for
from mkwebhooks.projects.models import Role

MAX_PROPERTIES_BYTES = 64 * 1024


def requested_state(model, data: dict) -> str | None:
    """The state a PATCH asks for, if any; a 400 unless it is one of the model's states."""
    state = data.get("properties", {}).get("state")
    if state is None:
        return None
    if not isinstance(state, str):
        raise validation_error({"properties.state": "must be a string."})
    if not hasattr(model, "TRANSITIONS"):
        raise validation_error({"properties.state": f"a {model.__name__} has no state."})
    names = [value for value, _ in model._meta.get_field("state").choices]
    if state not in names:
        raise validation_error(
            {"properties.state": f"{state!r} is not a {model.__name__} state; "
                                 f"one of {', '.join(names)}."}
        )  # fmt: skip
    return state


def conflict(exc: InvalidTransition) -> APIError:
    return APIError(
        409,
        "invalid_state_transition",
        str(exc),
        {"state": exc.current, "requested": exc.requested, "allowedStates": exc.allowed},
    )


def action_conflict(obj, action: str, moves: dict) -> APIError:
    allowed_from = ", ".join(sorted(moves))
    return APIError(
        409,
        "invalid_state_transition",
        f"A {obj.kind} in state {obj.state} cannot {action}; it can from {allowed_from}.",
        {"state": obj.state, "action": action, "allowedFrom": sorted(moves),
         "allowedStates": obj.allowed_next_states(obj.state)},
    )  # fmt: skip


def writable_properties(data) -> dict:
    """Validate the body's `properties` object and drop the server-owned keys."""
    if not isinstance(data, dict):
        raise validation_error({"body": "must be a JSON object."})
    properties = data.get("properties", {})
    if not isinstance(properties, dict):
        raise validation_error({"properties": "must be an object."})
    if len(json.dumps(properties)) > MAX_PROPERTIES_BYTES:
        raise validation_error({"properties": "must be at most 64 KiB of JSON."})
    return {k: v for k, v in properties.items() if k not in READ_ONLY_PROPERTIES}


class MediaView(APIView):
    """Subclasses set `model`, and `parent` = (model, url kwarg, fk name) if nested."""

    model: type[media.MediaResource]
    parent: tuple | None = None
    name_kwarg: str = "name"

    def scope(self, request, kwargs: dict, needed: Role) -> dict:
        """Return the filter that pins the resource to its project (and parent)."""
        project = project_for(request.user, kwargs["project"], needed)
        scope = {"project": project}
        if self.parent:
            parent_model, kwarg, fk = self.parent
            parent = parent_model.objects.filter(project=project, name=kwargs[kwarg]).first()
            if parent is None:
                raise not_found(f"{parent_model.__name__} '{kwargs[kwarg]}'")
            scope[fk] = parent
        return scope

    def get_object(self, request, kwargs: dict, needed: Role, lock: bool = False):
        queryset = self.model.objects.select_for_update() if lock else self.model.objects
        obj = queryset.filter(**self.scope(request, kwargs, needed), name=kwargs[self.name_kwarg])
        if not (obj := obj.first()):
            raise not_found(f"{self.model.__name__} '{kwargs[self.name_kwarg]}'")
        return obj

    def get(self, request, **kwargs):
        if self.name_kwarg not in kwargs:
            return paginate(
                request,
                self.model.objects.filter(**self.scope(request, kwargs, Role.VIEWER)),
                kind=self.model.__name__,
                serialize=represent,
                orderings={"name": "name", "created": "created"},
                default="name",
            )
        return Response(represent(self.get_object(request, kwargs, Role.VIEWER)))

    def put(self, request, **kwargs):
        check_name(kwargs[self.name_kwarg], "name")
        properties = writable_properties(request.data)
        scope = self.scope(request, kwargs, Role.EDITOR)
        try:
            with transaction.atomic():
                obj, created = self.model.objects.select_for_update().get_or_create(
                    **scope, name=kwargs[self.name_kwarg], defaults={"properties": properties}
                )
                if not created:
                    obj.properties = properties
                    obj.save()
        except IntegrityError:
            raise APIError(
                409, "conflict", "The resource was created concurrently; retry."
            ) from None
        return Response(represent(obj), status=201 if created else 200)

    def patch(self, request, **kwargs):
        properties = writable_properties(request.data)
        state = requested_state(self.model, request.data)
        with transaction.atomic():
            obj = self.get_object(request, kwargs, Role.EDITOR, lock=True)
            obj.properties = {**obj.properties, **properties}
            if state is not None:
                obj.state = state
            try:
                obj.save()
            except InvalidTransition as exc:
                raise conflict(exc) from None
        return Response(represent(obj))

    def delete(self, request, **kwargs):
        self.get_object(request, kwargs, Role.EDITOR).delete()
        return Response(status=204)


class ActionView(MediaView):
    """POST .../{action}: cancelJob, start, stop."""

    http_method_names = ["post", "options"]

    def post(self, request, action: str, **kwargs):
        with transaction.atomic():
            obj = self.get_object(request, kwargs, Role.EDITOR, lock=True)
            moves = obj.ACTIONS.get(action)
            if moves is None:
                raise not_found(f"Action '{action}'")
            if obj.state not in moves:
                raise action_conflict(obj, action, moves)
            obj.state = moves[obj.state]
            obj.save()
        return Response(represent(obj), status=202)


class TransformView(MediaView):
    model = media.Transform


class JobView(MediaView):
    model = media.Job
    parent = (media.Transform, "transform", "transform")


class JobActionView(JobView, ActionView):
    pass


class LocatorView(MediaView):
    model = media.StreamingLocator


class ChannelView(MediaView):
    model = media.LiveChannel


class ChannelActionView(ChannelView, ActionView):
    pass


class OperationView(MediaView):
    model = media.ScheduledOperation
    parent = (media.LiveChannel, "channel", "channel")
