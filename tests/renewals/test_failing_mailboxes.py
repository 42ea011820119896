"""A mailbox the renewal night cannot get through: the run says which and exits non-zero, the
failure is remembered night after night, staff hear of one that keeps failing, and past its grace
period it lapses the way an unpaid mailbox does instead of staying certified for free."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from mailboxes.models import Mailbox
from mailboxes.provisioning import RecordingProvisioner
from renewals.models import RenewalCharge, RenewalFailure
from renewals.night import renewals_run
from renewals.tasks import renewal_failures_alert_task

from .conftest import STANDARD_GROSS, balance, due_mailbox, make_addon, reload

BROKEN = "rotta@pec.example.it"
NIGHT = date(2026, 3, 30)


class PlatformRefused(Exception):
    pass


class RefusingProvisioner(RecordingProvisioner):
    """The mail platform refusing the actions in ``refused`` for the address ``BROKEN``."""

    refused = {"renew"}

    def request(self, *, mailbox, action, **payload):
        self._check(mailbox, action)
        return super().request(mailbox=mailbox, action=action, **payload)

    def request_many(self, requests):
        for mailbox, action, _payload in requests:
            self._check(mailbox, action)
        super().request_many(requests)

    def _check(self, mailbox, action):
        if mailbox.address == BROKEN and action in self.refused:
            raise PlatformRefused(f"la piattaforma rifiuta {action} per {mailbox.address}")


@pytest.fixture
def refusing_platform(settings, monkeypatch):
    settings.PROVISIONING_BACKEND = f"{__name__}.RefusingProvisioner"
    monkeypatch.setattr(RefusingProvisioner, "refused", {"renew"})
    return RefusingProvisioner


@pytest.fixture
def staff_mail(settings):
    settings.STAFF_ALERT_EMAIL = ["ops@pec.example.it"]
    settings.RENEWAL_FAILURE_ALERT_NIGHTS = 3


def run_renewals(day):
    out, err = StringIO(), StringIO()
    try:
        call_command("run_renewals", "--date", day.isoformat(), stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), error
    return out.getvalue(), err.getvalue(), None


def staff_alerts():
    return [message for message in mail.outbox if message.to == ["ops@pec.example.it"]]


def test_a_mailbox_the_platform_refuses_fails_alone_and_the_command_exits_non_zero_naming_it(db, refusing_platform):
    broken = due_mailbox(credit_cents=5000, address=BROKEN)
    healthy = due_mailbox(credit_cents=5000)

    out, err, error = run_renewals(NIGHT)

    assert error is not None and error.returncode == 1
    assert "1 caselle non elaborate" in str(error)
    assert f"{BROKEN}: PlatformRefused: la piattaforma rifiuta renew per {BROKEN}" in err
    assert "1 rinnovate" in out and "1 errori" in out
    assert reload(healthy).expires_on == date(2027, 3, 30)
    broken = reload(broken)
    assert (broken.status, broken.expires_on) == (Mailbox.Status.CERTIFIED, NIGHT)
    assert balance(broken.holder) == 5000
    assert not RenewalCharge.objects.filter(mailbox=broken).exists()


def test_a_night_without_failures_exits_zero(db):
    due_mailbox(credit_cents=5000)

    _out, err, error = run_renewals(NIGHT)

    assert error is None and err == ""


def test_more_failures_than_shown_end_with_how_many_more(db, refusing_platform, monkeypatch):
    monkeypatch.setattr("renewals.failures.FAILURES_SHOWN", 2)
    monkeypatch.setattr(RefusingProvisioner, "_check", lambda self, mailbox, action: _refuse(action))
    for _ in range(5):
        due_mailbox(credit_cents=5000)

    _out, err, error = run_renewals(NIGHT)

    assert "5 caselle non elaborate" in str(error)
    lines = err.strip().splitlines()
    assert len(lines) == 3
    assert lines[-1] == "… e altre 3"


def _refuse(action):
    if action == "renew":
        raise PlatformRefused("piattaforma non raggiungibile")


def test_a_failure_is_counted_once_per_night_and_cleared_when_a_night_gets_through(db, refusing_platform):
    broken = due_mailbox(credit_cents=5000, address=BROKEN)

    renewals_run(on_date=NIGHT)
    renewals_run(on_date=NIGHT)
    renewals_run(on_date=NIGHT + timedelta(days=1))

    failure = RenewalFailure.objects.get(mailbox=broken)
    assert (failure.nights, failure.first_failed_on, failure.last_failed_on) == (2, NIGHT, NIGHT + timedelta(days=1))
    assert "la piattaforma rifiuta renew" in failure.reason

    refusing_platform.refused = set()
    summary = renewals_run(on_date=NIGHT + timedelta(days=2))

    assert (summary.renewed, summary.failed) == (1, 0)
    assert not RenewalFailure.objects.exists()
    assert reload(broken).expires_on == date(2027, 3, 30)


def test_staff_get_one_alert_listing_every_mailbox_failed_on_three_nights(db, refusing_platform, staff_mail,
                                                                          monkeypatch):
    monkeypatch.setattr(RefusingProvisioner, "_check", lambda self, mailbox, action: _refuse_two(mailbox, action))
    first = due_mailbox(credit_cents=5000, address="prima@pec.example.it")
    second = due_mailbox(credit_cents=5000, address="seconda@pec.example.it")
    due_mailbox(credit_cents=5000)

    for night in range(2):
        renewals_run(on_date=NIGHT + timedelta(days=night))
        assert staff_alerts() == []
    summary = renewals_run(on_date=NIGHT + timedelta(days=2))

    assert summary.failed == 2
    [alert] = staff_alerts()
    assert alert.subject == "[Area Clienti] Rinnovi: 2 caselle non elaborate da 3 o più notti"
    assert "prima@pec.example.it: 3 notti (dal 30/03/2026): PlatformRefused" in alert.body
    assert "seconda@pec.example.it: 3 notti" in alert.body
    assert {reload(first).status, reload(second).status} == {Mailbox.Status.CERTIFIED}


def _refuse_two(mailbox, action):
    if action == "renew" and mailbox.address in ("prima@pec.example.it", "seconda@pec.example.it"):
        raise PlatformRefused("piattaforma non raggiungibile")


def test_the_nightly_celery_alert_reports_the_same_list(db, refusing_platform, staff_mail):
    due_mailbox(credit_cents=5000, address=BROKEN)
    for night in range(3):
        renewals_run(on_date=NIGHT + timedelta(days=night))
    mail.outbox.clear()

    assert renewal_failures_alert_task.delay((NIGHT + timedelta(days=2)).isoformat()).get() == 1
    assert renewal_failures_alert_task.delay((NIGHT + timedelta(days=3)).isoformat()).get() == 0

    [alert] = staff_alerts()
    assert BROKEN in alert.body


def test_a_dry_run_records_no_failure_and_alerts_nobody(db, refusing_platform, staff_mail):
    due_mailbox(credit_cents=5000, address=BROKEN)
    for night in range(2):
        renewals_run(on_date=NIGHT + timedelta(days=night))

    summary = renewals_run(on_date=NIGHT + timedelta(days=2), dry_run=True)

    assert summary.failures == [(BROKEN, f"PlatformRefused: la piattaforma rifiuta renew per {BROKEN}", 3)]
    assert RenewalFailure.objects.get().nights == 2
    assert staff_alerts() == []


def test_past_its_grace_period_a_failing_mailbox_expires_unrenewed_and_is_terminated_the_next_night(
        db, refusing_platform, settings):
    settings.GRACE_PERIOD_DAYS = 90
    broken = due_mailbox(credit_cents=5000, address=BROKEN)
    addon = make_addon(broken)
    last_grace_night = NIGHT + timedelta(days=90)

    summary = renewals_run(on_date=last_grace_night)
    assert (summary.failed, summary.expired) == (1, 0)
    assert reload(broken).status == Mailbox.Status.CERTIFIED

    summary = renewals_run(on_date=last_grace_night + timedelta(days=1))
    assert (summary.failed, summary.expired, summary.deactivated) == (1, 1, 1)
    assert "scaduta senza rinnovo" in summary.failures[0][1]
    broken = reload(broken)
    assert (broken.status, broken.expires_on, broken.inbox_extra_gb) == (Mailbox.Status.EXPIRED, NIGHT, 0)
    assert reload(addon).status == "deactivated"
    assert balance(broken.holder) == 5000

    summary = renewals_run(on_date=last_grace_night + timedelta(days=2))
    assert (summary.terminated, summary.failed) == (1, 0)
    assert reload(broken).status == Mailbox.Status.TERMINATED
    assert balance(broken.holder) == 5000
    assert not RenewalFailure.objects.exists()


def test_within_its_grace_period_a_failing_mailbox_keeps_its_status_and_is_retried(db, refusing_platform):
    broken = due_mailbox(credit_cents=STANDARD_GROSS, address=BROKEN)

    renewals_run(on_date=NIGHT + timedelta(days=30))
    refusing_platform.refused = set()
    summary = renewals_run(on_date=NIGHT + timedelta(days=31))

    assert summary.renewed == 1
    assert reload(broken).expires_on == date(2027, 3, 30)
    assert balance(broken.holder) == 0
