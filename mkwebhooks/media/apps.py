from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "mkwebhooks.media"
    label = "media"
    verbose_name = "Media resources"
