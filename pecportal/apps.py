from django.apps import AppConfig


class PecportalConfig(AppConfig):
    """The project package is an app too, for commands that span every other app."""

    name = "pecportal"
