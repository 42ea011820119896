"""Beat runs these at night (schedules in migration 0002). They take a date as an ISO string, or
nothing for today in Europe/Rome; their bodies are idempotent, so acks_late redelivery is safe."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from .services import expiry_alerts_send, renewals_run


def _day(on_date):
    return date.fromisoformat(on_date) if on_date else timezone.localdate()


@shared_task(acks_late=True)
def run_renewals_task(on_date=None):
    return vars(renewals_run(on_date=_day(on_date)))


@shared_task(acks_late=True)
def send_expiry_alerts_task(on_date=None):
    return vars(expiry_alerts_send(on_date=_day(on_date)))
