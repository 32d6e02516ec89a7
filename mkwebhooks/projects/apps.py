from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "mkwebhooks.projects"
    label = "projects"
