"""SPEC 3.7, alerts: the stage rule, one e-mail per holder per run, never twice per stage."""

from datetime import UTC, date, datetime, timedelta
from io import StringIO
from unittest import mock

from django.core import mail
from django.core.management import call_command

from mailboxes.models import Mailbox
from renewals.alerts import expiry_alerts_run
from renewals.models import ExpiryAlert
from tests.factories import make_holder, make_mailbox

from .conftest import make_addon

D = date(2026, 5, 1)


def mailbox_expiring(holder, days, **fields):
    return make_mailbox(holder, expires_on=D + timedelta(days=days), **fields)


def stages(mailbox):
    return sorted(ExpiryAlert.objects.filter(mailbox=mailbox).values_list("stage", flat=True))


def test_it_mails_one_email_per_holder_listing_each_mailbox_with_costs_credit_and_shortfall(db, settings):
    settings.PORTAL_BASE_URL = "https://portale.example.it"
    holder = make_holder(credit_cents=500)
    first = mailbox_expiring(holder, 30, address="primo@pec.example.it")
    make_addon(first, quantity=2)
    mailbox_expiring(holder, 88, address="secondo@pec.example.it")
    mailbox_expiring(holder, 120, address="lontano@pec.example.it")

    summary = expiry_alerts_run(on_date=D)

    assert (summary.emails_sent, summary.mailboxes) == (1, 2)
    [message] = mail.outbox
    assert message.to == [holder.email]
    assert message.subject == "2 caselle PEC in scadenza"
    body = message.body
    assert "primo@pec.example.it — scadenza 31/05/2026 (tra 30 giorni)" in body
    assert "secondo@pec.example.it — scadenza 28/07/2026 (tra 88 giorni)" in body
    assert "lontano@" not in body
    assert "Spazio extra inbox 2 GB: € 6,10 IVA inclusa" in body
    assert "Totale rinnovi: € 18,30" in body  # 6,10 + 6,10 + 6,10
    assert "Credito residuo: € 5,00" in body
    assert "Credito mancante: € 13,30" in body
    assert "https://portale.example.it/credit/topup/?amount=13,30" in body
    html = message.alternatives[0][0]
    assert "https://portale.example.it/credit/topup/?amount=13,30" in html and "€ 18,30" in html
    assert stages(first) == [30]


def test_it_mails_at_the_smallest_stage_the_mailbox_has_reached(db):
    holder = make_holder()
    cases = {days: mailbox_expiring(holder, days) for days in (91, 90, 61, 60, 31, 16, 8, 7, 2, 1, 0, -1)}

    expiry_alerts_run(on_date=D)

    assert {days: stages(mailbox) for days, mailbox in cases.items()} == {
        91: [], 90: [90], 61: [90], 60: [60], 31: [60], 16: [30], 8: [15], 7: [7], 2: [7], 1: [1], 0: [1], -1: [],
    }
    assert len(mail.outbox) == 1


def test_a_second_run_the_same_day_sends_nothing(db):
    holder = make_holder()
    mailbox_expiring(holder, 45)

    expiry_alerts_run(on_date=D)
    second = expiry_alerts_run(on_date=D)

    assert second.emails_sent == 0
    assert len(mail.outbox) == 1


def test_each_stage_is_mailed_once_over_the_days(db):
    holder = make_holder()
    mailbox = mailbox_expiring(holder, 95)

    for offset in range(96):
        expiry_alerts_run(on_date=D + timedelta(days=offset))

    assert stages(mailbox) == [1, 7, 15, 30, 60, 90]
    assert len(mail.outbox) == 6


def test_a_skipped_day_catches_up_with_one_email_for_the_latest_stage(db):
    holder = make_holder()
    mailbox = mailbox_expiring(holder, 70)
    expiry_alerts_run(on_date=D)  # stage 90

    expiry_alerts_run(on_date=D + timedelta(days=45))  # 25 days left: 60 was missed, 30 is due
    expiry_alerts_run(on_date=D + timedelta(days=46))

    assert stages(mailbox) == [30, 90]
    assert len(mail.outbox) == 2


def test_a_renewed_mailbox_is_alerted_again_for_its_new_expiry(db):
    holder = make_holder()
    mailbox = mailbox_expiring(holder, 10)
    expiry_alerts_run(on_date=D)
    Mailbox.objects.filter(pk=mailbox.pk).update(expires_on=D + timedelta(days=375))

    expiry_alerts_run(on_date=D + timedelta(days=285))

    assert sorted(ExpiryAlert.objects.filter(mailbox=mailbox).values_list("expires_on", "stage")) == [
        (D + timedelta(days=10), 15), (D + timedelta(days=375), 90)]


def test_only_certified_mailboxes_are_alerted(db):
    holder = make_holder()
    for status in (Mailbox.Status.EXPIRED, Mailbox.Status.SUSPENDED, Mailbox.Status.TERMINATED, Mailbox.Status.REQUESTED):
        mailbox_expiring(holder, 20, status=status)

    assert expiry_alerts_run(on_date=D).emails_sent == 0
    assert mail.outbox == []


def test_each_holder_gets_their_own_email(db):
    holders = [make_holder() for _ in range(3)]
    for holder in holders:
        mailbox_expiring(holder, 5)

    expiry_alerts_run(on_date=D, batch_size=2)

    assert sorted(m.to[0] for m in mail.outbox) == sorted(h.email for h in holders)


def test_a_failed_send_is_not_recorded_and_is_retried_next_run(db):
    holder = make_holder()
    mailbox = mailbox_expiring(holder, 5)

    with mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("smtp down")):
        assert expiry_alerts_run(on_date=D).failed == 1
    assert stages(mailbox) == []

    assert expiry_alerts_run(on_date=D).emails_sent == 1
    assert stages(mailbox) == [7]


def _run_at(utc_datetime):
    out = StringIO()
    with mock.patch("django.utils.timezone.now", return_value=utc_datetime):
        call_command("send_expiry_alerts", stdout=out)
    return out.getvalue()


def test_two_runs_in_the_repeated_hour_of_the_october_clock_change_mail_once(db):
    holder = make_holder()
    mailbox = make_mailbox(holder, expires_on=date(2026, 11, 24))  # 30 days after 25/10

    first = _run_at(datetime(2026, 10, 25, 0, 30, tzinfo=UTC))  # 02:30 CEST
    second = _run_at(datetime(2026, 10, 25, 1, 30, tzinfo=UTC))  # 02:30 CET, an hour later

    assert "Avvisi di scadenza del 25/10/2026: 1 caselle, 1 e-mail inviate" in first
    assert "0 e-mail inviate" in second
    assert stages(mailbox) == [30]
    assert len(mail.outbox) == 1


def test_the_march_clock_change_counts_days_in_rome_time(db):
    holder = make_holder()
    mailbox = make_mailbox(holder, expires_on=date(2026, 4, 5))  # 7 days after 29/03

    _run_at(datetime(2026, 3, 28, 22, 30, tzinfo=UTC))  # 23:30 CET on 28/03: 8 days left
    _run_at(datetime(2026, 3, 28, 23, 30, tzinfo=UTC))  # 00:30 CET on 29/03: 7 days left
    _run_at(datetime(2026, 3, 29, 1, 30, tzinfo=UTC))  # 03:30 CEST, same day

    assert stages(mailbox) == [7, 15]
    assert len(mail.outbox) == 2


def test_the_email_is_rendered_in_the_holders_language(db):
    holder = make_holder(language="en")
    mailbox_expiring(holder, 5)

    with mock.patch("renewals.emails.translation.override", wraps=__import__("django").utils.translation.override) as override:
        expiry_alerts_run(on_date=D)

    override.assert_called_with("en")
    assert len(mail.outbox) == 1
