"""Mailboxes the renewal night could not get through (a refusal of the mail platform, of the
database, a bug), remembered from one night to the next in RenewalFailure: the run lists them and
exits non-zero, and staff get one alert a night listing those that failed on
RENEWAL_FAILURE_ALERT_NIGHTS nights or more. What becomes of one that keeps failing is the night's
rule (renewals.night, docs/renewals.md)."""

from django.conf import settings
from django.db import transaction

from core.staff_alerts import staff_alert

from .models import RenewalFailure

# A night with thousands of failures (the mail platform down) must still print and mail readably.
FAILURES_SHOWN = 50
REASON_LENGTH = 500


def failure_reason(error):
    """The error's class and the first line of its message: what an operator greps the log for."""
    message = str(error).strip().splitlines()
    return f"{type(error).__name__}: {message[0] if message else ''}"[:REASON_LENGTH]


def renewal_failure_record(*, mailbox_id, on_date, reason):
    """Remember that the night of ``on_date`` failed the mailbox, after its own transaction rolled
    back; returns the RenewalFailure. Nights count once each: running the same night again only
    updates the reason, so a re-run after a failed night does not bring the alert closer."""
    with transaction.atomic():
        failure, created = RenewalFailure.objects.select_for_update().get_or_create(
            mailbox_id=mailbox_id, defaults={"first_failed_on": on_date, "last_failed_on": on_date, "reason": reason},
        )
        if not created:
            if on_date > failure.last_failed_on:
                failure.nights += 1
                failure.last_failed_on = on_date
            failure.reason = reason
            failure.save(update_fields=["nights", "last_failed_on", "reason"])
    return failure


def renewal_failures_clear(*, mailbox_ids):
    """The night got through these mailboxes: whatever failed before is over."""
    RenewalFailure.objects.filter(mailbox_id__in=mailbox_ids).delete()


def renewal_failures_alert(*, on_date):
    """One staff alert listing the mailboxes the night of ``on_date`` failed on their
    RENEWAL_FAILURE_ALERT_NIGHTS-th night in a row or later; returns them. Once per run, whatever
    the number of mailboxes; nothing when there are none."""
    threshold = settings.RENEWAL_FAILURE_ALERT_NIGHTS
    repeated = list(
        RenewalFailure.objects.filter(last_failed_on=on_date, nights__gte=threshold)
        .select_related("mailbox").order_by("mailbox__address")
    )
    if repeated:
        lines = [f"{failure.mailbox.address}: {failure.nights} notti (dal {failure.first_failed_on:%d/%m/%Y}): "
                 f"{failure.reason}" for failure in repeated]
        staff_alert(
            subject=f"Rinnovi: {len(repeated)} caselle non elaborate da {threshold} o più notti",
            body=(f"La notte del {on_date:%d/%m/%Y} il rinnovo di queste caselle è fallito di nuovo. Finché non "
                  "si risolve restano nello stato in cui sono e non pagano; oltre il periodo di tolleranza "
                  "scadono senza rinnovo (docs/renewals.md).\n\n" + "\n".join(capped(lines))),
        )
    return repeated


def capped(lines):
    """At most FAILURES_SHOWN lines, then one saying how many more there are."""
    if len(lines) <= FAILURES_SHOWN:
        return list(lines)
    return [*lines[:FAILURES_SHOWN], f"… e altre {len(lines) - FAILURES_SHOWN}"]
