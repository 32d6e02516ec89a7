from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mkwebhooks"
    verbose_name = "mkwebhooks"

    def ready(self) -> None:
        from mkwebhooks import checks  # noqa: F401  (registers the system checks)
