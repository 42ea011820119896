"""The holder's extra alert recipients get the expiry alerts and deactivation notices."""

from datetime import date, timedelta

from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Holder
from renewals.alerts import expiry_alerts_run
from renewals.night import renewals_run
from tests.factories import make_holder, make_mailbox

from .conftest import INBOX_GB_GROSS, STANDARD_GROSS, due_mailbox, make_addon

D = date(2026, 5, 1)
EXTRA = ["segreteria@example.it", "ufficio@example.it"]


def test_the_expiry_alert_reaches_the_extra_addresses(db):
    holder = make_holder(alert_emails=EXTRA)
    make_mailbox(holder, expires_on=D + timedelta(days=30))

    expiry_alerts_run(on_date=D)

    [message] = mail.outbox
    assert message.to == [holder.email, *EXTRA]


def test_without_extra_addresses_only_the_reference_one(db):
    holder = make_holder()
    make_mailbox(holder, expires_on=D + timedelta(days=30))

    expiry_alerts_run(on_date=D)

    assert mail.outbox[0].to == [holder.email]


def test_the_deactivation_notice_reaches_the_extra_addresses(db, renewal_day, django_capture_on_commit_callbacks):
    mailbox = due_mailbox(credit_cents=STANDARD_GROSS + INBOX_GB_GROSS - 1)
    make_addon(mailbox, quantity=1)
    Holder.objects.filter(pk=mailbox.holder_id).update(alert_emails=EXTRA)

    with django_capture_on_commit_callbacks(execute=True):
        renewals_run(on_date=renewal_day)

    [message] = mail.outbox
    assert message.to == [mailbox.holder.email, *EXTRA]
    assert "Spazio extra inbox 1 GB" in message.body


def alert_scan_queries(holders):
    for n in range(holders):
        holder = make_holder(alert_emails=[f"extra{n}@example.it"])
        make_mailbox(holder, expires_on=D + timedelta(days=30))
    with CaptureQueriesContext(connection) as queries:
        summary = expiry_alerts_run(on_date=D)
    assert summary.emails_sent == holders
    return len(queries)


def test_the_alert_scan_reads_the_recipients_with_the_batch(db):
    few = alert_scan_queries(2)
    mail.outbox.clear()
    # The first holders' alerts are recorded, so the second scan mails only the 20 new ones.
    many = alert_scan_queries(20)

    assert many == few
    assert all(len(message.to) == 2 for message in mail.outbox)
