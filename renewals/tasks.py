"""Beat runs these at night (schedules in migrations 0002 and 0003). They take a date as an ISO
string, or nothing for today in Europe/Rome; their bodies are idempotent, so acks_late redelivery
is safe.

Each job is cut into NIGHTLY_WORKERS part tasks, so every Celery worker process takes a share: the
same parts the commands run in their own processes (renewals.workers)."""

from datetime import date

from celery import group, shared_task
from django.utils import timezone

from addons.services import orders_cancel_stale

from .alerts import expiry_alerts_part
from .cancellation import addons_cancelled_end
from .failures import renewal_failures_alert
from .night import renewals_part
from .selectors import nightly_workers


def _day(on_date):
    return date.fromisoformat(on_date) if on_date else timezone.localdate()


@shared_task(acks_late=True)
def run_renewals_task(on_date=None):
    """The night's renewals as NIGHTLY_WORKERS identical parts, so every worker process takes its
    share: they divide the due mailboxes among themselves through SKIP LOCKED. The day is fixed
    here, as for the alerts; a redelivered run queues the parts again, which find nothing due.
    Pending orders past 72 hours are cancelled, and cancelled add-ons come to expiry switched off,
    first, as the command does."""
    day = _day(on_date).isoformat()
    cancelled = orders_cancel_stale()
    addons_cancelled_end(on_date=date.fromisoformat(day))
    group(run_renewals_part_task.s(day) for _ in range(nightly_workers())).apply_async()
    return {"parts": nightly_workers(), "orders_cancelled": len(cancelled)}


@shared_task(acks_late=True)
def run_renewals_part_task(on_date):
    return vars(renewals_part(on_date=date.fromisoformat(on_date)))


@shared_task(acks_late=True)
def renewal_failures_alert_task(on_date=None):
    """The staff alert the command sends at the end of its run. The parts of the Celery night
    finish each on its own, with no result backend to wait on them, so beat sends it at 06:30,
    long after the night's parts are done."""
    return len(renewal_failures_alert(on_date=_day(on_date)))


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
