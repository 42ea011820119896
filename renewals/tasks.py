"""Beat runs these at night (schedules in migration 0002). They take a date as an ISO string, or
nothing for today in Europe/Rome; their bodies are idempotent, so acks_late redelivery is safe.

Each job is cut into NIGHTLY_WORKERS part tasks, so every Celery worker process takes a share: the
same parts the commands run in their own processes (renewals.workers)."""

from datetime import date

from celery import group, shared_task
from django.utils import timezone

from .alerts import expiry_alerts_part
from .night import renewals_part
from .selectors import nightly_workers


def _day(on_date):
    return date.fromisoformat(on_date) if on_date else timezone.localdate()


@shared_task(acks_late=True)
def run_renewals_task(on_date=None):
    """The night's renewals as NIGHTLY_WORKERS identical parts, so every worker process takes its
    share: they divide the due mailboxes among themselves through SKIP LOCKED. The day is fixed
    here, as for the alerts; a redelivered run queues the parts again, which find nothing due."""
    day = _day(on_date).isoformat()
    group(run_renewals_part_task.s(day) for _ in range(nightly_workers())).apply_async()
    return {"parts": nightly_workers()}


@shared_task(acks_late=True)
def run_renewals_part_task(on_date):
    return vars(renewals_part(on_date=date.fromisoformat(on_date)))


@shared_task(acks_late=True)
def send_expiry_alerts_task(on_date=None):
    """The night's alerts as NIGHTLY_WORKERS identical parts, so every worker process renders its
    share: they divide the holders among themselves through SKIP LOCKED. The day is fixed here: a
    part that starts after midnight still mails that night's stages. A redelivered run queues the
    parts again, which then find nothing left to send."""
    day = _day(on_date).isoformat()
    group(send_expiry_alerts_part_task.s(day) for _ in range(nightly_workers())).apply_async()
    return {"parts": nightly_workers()}


@shared_task(acks_late=True)
def send_expiry_alerts_part_task(on_date):
    return vars(expiry_alerts_part(on_date=date.fromisoformat(on_date)))
