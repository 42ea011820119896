from django.apps import AppConfig


class RenewalsConfig(AppConfig):
    """The nightly jobs (SPEC 3.7): expiry alerts, renewals, deactivations, terminations."""

    name = "renewals"
