"""The expiry-alert scan (SPEC 3.7): one e-mail per holder listing every mailbox at a new stage,
each stage recorded so it is mailed once; and staff's resend from the admin.

``expiry_alerts_run`` is the job: it runs ``expiry_alerts_part`` in as many processes as asked
(renewals.workers), or Celery runs one part per task (renewals.tasks). Rendering the e-mails is most
of a run's time, and one process uses one core. The parts are identical and share the holders as the
renewal night's parts share mailboxes: each claims batches of holders with SELECT … FOR UPDATE SKIP
LOCKED and, holding them, re-checks their alerts, mails and records them. A holder another part
holds is that part's to mail; one it has just mailed shows nothing pending any more, so however many
parts or runs at once, each stage is mailed once. (A holder whose row a web request holds at that
very moment is skipped too, and mailed the next night: the stage rule catches up.)"""

import logging
from itertools import groupby

from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone

from accounts.models import Holder

from .emails import expiry_alert_message
from .models import ExpiryAlert
from .selectors import (
    alert_mailboxes_for_resend,
    alert_pending,
    alert_pending_for_holders,
    alert_pending_stream,
    wallet_figures,
)
from .summaries import AlertSummary
from .workers import processes_for, run_parts

logger = logging.getLogger(__name__)

# Holders locked, mailed and recorded per transaction.
ALERT_BATCH_SIZE = 200


def expiry_alerts_run(*, on_date, workers=1, dry_run=False, batch_size=ALERT_BATCH_SIZE, progress=None):
    """The alerts of ``on_date``, sent by ``workers`` processes; returns the AlertSummary.

    A dry run locks nothing, so it runs in one process: several would each count every holder
    (workers.processes_for says when else)."""
    total = alert_pending(on_date=on_date).count()
    processes = processes_for(workers=workers, items=total, batch_size=batch_size, dry_run=dry_run)
    parts = [{"on_date": on_date, "dry_run": dry_run, "batch_size": batch_size}] * processes
    return run_parts(expiry_alerts_part, parts, summary=AlertSummary(), progress=progress, total=total)


def expiry_alerts_part(*, on_date, dry_run=False, batch_size=ALERT_BATCH_SIZE, report=None):
    """One worker's share of the alerts: the holders with pending alerts, in batches of
    ``batch_size``, each batch without the holders another worker holds. ``report(done)`` is told
    how many mailboxes the part has mailed."""
    summary, batch = AlertSummary(), []
    for holder_id, _mailbox_id in alert_pending_stream(on_date=on_date):
        if batch and batch[-1] == holder_id:
            continue
        if len(batch) >= batch_size:
            summary.add(_alert_batch(holder_ids=batch, on_date=on_date, dry_run=dry_run))
            batch = []
            if report:
                report(summary.mailboxes)
        batch.append(holder_id)
    if batch:
        summary.add(_alert_batch(holder_ids=batch, on_date=on_date, dry_run=dry_run))
    if report:
        report(summary.mailboxes)
    return summary


def _alert_batch(*, holder_ids, on_date, dry_run):
    summary = AlertSummary()
    if dry_run:
        for _holder_id, group in groupby(alert_pending_for_holders(on_date=on_date, holder_ids=holder_ids),
                                         key=lambda mailbox: mailbox.holder_id):
            summary.mailboxes += len(list(group))
            summary.emails_sent += 1
        return summary
    with transaction.atomic():
        holders = {holder.pk: holder for holder in
                   Holder.objects.select_for_update(skip_locked=True).filter(pk__in=holder_ids).order_by("pk")}
        if not holders:
            return summary
        mailboxes = list(alert_pending_for_holders(on_date=on_date, holder_ids=list(holders)))
        wallets = wallet_figures(holder_ids=list(holders))
        sent = []
        with get_connection() as connection:
            for holder_id, group in groupby(mailboxes, key=lambda mailbox: mailbox.holder_id):
                group = list(group)
                balance, debt = wallets[holder_id]
                message = expiry_alert_message(holder=holders[holder_id], mailboxes=group,
                                               balance_cents=balance, debt_cents=debt, on_date=on_date)
                message.connection = connection
                try:
                    message.send()
                except Exception:
                    # Not recorded, so the next run tries this holder again.
                    logger.exception("Expiry alert for holder %s not sent", holder_id)
                    summary.failed += 1
                    continue
                sent_at = timezone.now()
                sent += [(holder_id, mailbox.pk, mailbox.expires_on, mailbox.stage, sent_at) for mailbox in group]
                summary.emails_sent += 1
                summary.mailboxes += len(group)
        _alerts_record(sent)
    return summary


def _alerts_record(rows):
    """Record (holder_id, mailbox_id, expires_on, stage, sent_at) rows as ExpiryAlerts. On
    PostgreSQL one INSERT of five arrays: bulk_create builds a model instance and five parameters
    per row, 4 s of CPU in the first scan of 1,000,000 mailboxes (223,000 alerts)."""
    if not rows:
        return
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        ExpiryAlert.objects.bulk_create(
            ExpiryAlert(holder_id=holder_id, mailbox_id=mailbox_id, expires_on=expires_on, stage=stage, sent_at=sent_at)
            for holder_id, mailbox_id, expires_on, stage, sent_at in rows
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO renewals_expiryalert (holder_id, mailbox_id, expires_on, stage, sent_at) "
            "SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::date[], %s::smallint[], %s::timestamptz[])",
            [list(column) for column in zip(*rows, strict=True)],
        )


def expiry_alerts_resend(*, alert_ids, today):
    """Staff's "resend" (admin): the selected alerts mailed again, one e-mail per holder, as the
    mailboxes stand now. Returns the AlertSummary of what was sent."""
    alerts = list(alert_mailboxes_for_resend(alert_ids=alert_ids))
    wallets = wallet_figures(holder_ids=list({alert.holder_id for alert in alerts}))
    summary, sent_ids = AlertSummary(), []
    with get_connection() as connection:
        for holder_id, group in groupby(alerts, key=lambda alert: alert.holder_id):
            group = list(group)
            mailboxes = []
            for alert in group:
                alert.mailbox.stage = alert.stage
                mailboxes.append(alert.mailbox)
            balance, debt = wallets[holder_id]
            message = expiry_alert_message(holder=group[0].holder, mailboxes=mailboxes,
                                           balance_cents=balance, debt_cents=debt, on_date=today)
            message.connection = connection
            message.send()
            sent_ids += [alert.pk for alert in group]
            summary.emails_sent += 1
            summary.mailboxes += len(group)
    ExpiryAlert.objects.filter(pk__in=sent_ids).update(resent_at=timezone.now())
    return summary
