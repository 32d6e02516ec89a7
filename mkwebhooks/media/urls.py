from django.urls import path

from mkwebhooks.media import api

# Collections only list; PUT, PATCH and DELETE address a named resource.
COLLECTION = {"http_method_names": ["get", "options"]}
P = "projects/<str:project>"
JOBS = "transforms/<str:transform>/jobs"
CHANNELS = f"{P}/live/liveChannels"
OPERATIONS = f"{CHANNELS}/<str:channel>/scheduledOperations"

urlpatterns = [
    path(f"{P}/media/transforms", api.TransformView.as_view(**COLLECTION)),
    path(f"{P}/media/transforms/<str:name>", api.TransformView.as_view()),
    path(f"{P}/media/{JOBS}", api.JobView.as_view(**COLLECTION)),
    path(f"{P}/media/{JOBS}/<str:name>", api.JobView.as_view()),
    path(f"{P}/media/{JOBS}/<str:name>/<str:action>", api.JobActionView.as_view()),
    path(f"{P}/{JOBS}", api.JobView.as_view(**COLLECTION)),
    path(f"{P}/{JOBS}/<str:name>", api.JobView.as_view()),
    path(f"{P}/{JOBS}/<str:name>/<str:action>", api.JobActionView.as_view()),
    path(f"{P}/media/streamingLocators", api.LocatorView.as_view(**COLLECTION)),
    path(f"{P}/media/streamingLocators/<str:name>", api.LocatorView.as_view()),
    path(CHANNELS, api.ChannelView.as_view(**COLLECTION)),
    path(f"{CHANNELS}/<str:name>", api.ChannelView.as_view()),
    path(f"{OPERATIONS}", api.OperationView.as_view(**COLLECTION)),
    path(f"{OPERATIONS}/<str:name>", api.OperationView.as_view()),
    path(f"{CHANNELS}/<str:name>/<str:action>", api.ChannelActionView.as_view()),
]
