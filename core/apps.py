from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The bottom layer: helpers every app may use (money, paging, rate limits, client address,
    shared template tags and admin base classes). It imports no app of the portal."""

    name = "core"
