from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views import defaults
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from delivery import api as delivery_api
from mkwebhooks.api.errors import json_error_view
from mkwebhooks.projects import api as projects_api
from rules import api as rules_api

RULES = "projects/<str:project>/webhook/rules"

api_v1 = [
    path("projects", projects_api.ProjectList.as_view()),
    path("projects/<str:project>", projects_api.ProjectDetail.as_view()),
    path(RULES, rules_api.RuleList.as_view()),
    path(f"{RULES}/<str:name>", rules_api.RuleDetail.as_view()),
    path(f"{RULES}/<str:name>/signingSecret", rules_api.SigningSecret.as_view()),
    path(f"{RULES}/<str:name>/history", rules_api.RuleHistory.as_view()),
    path(f"{RULES}/<str:name>/test", delivery_api.SendTestEvent.as_view()),
    path(f"{RULES}/<str:name>/events", delivery_api.RuleEvents.as_view()),
    path(f"{RULES}/<str:name>/events/redeliver", delivery_api.RedeliverFailed.as_view()),
    path(
        f"{RULES}/<str:name>/events/<uuid:delivery_id>/redeliver", delivery_api.Redeliver.as_view()
    ),
    path("webhook/eventTypes", delivery_api.EventTypes.as_view()),
    path("", include("mkwebhooks.media.urls")),
    # Anything else under /api answers in the error body, DEBUG or not.
    re_path(r"^.*$", json_error_view(404, "not_found", "No such URL.")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("healthz", delivery_api.Health.as_view()),
    path("", include("delivery.urls")),
]

handler404 = json_error_view(404, "not_found", "No such URL.", defaults.page_not_found)
handler500 = json_error_view(
    500, "internal_error", "An unexpected error occurred; quote the ref.", defaults.server_error
)
