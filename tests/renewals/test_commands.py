"""The operator's commands: run_renewals and send_expiry_alerts, with --date and --dry-run."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import Operation
from addons.models import AddonType, Order
from billing.models import LedgerEntry
from mailboxes.models import Mailbox
from renewals.models import ExpiryAlert, RenewalCharge
from renewals.tasks import run_renewals_task

from .conftest import STANDARD_GROSS, balance, due_mailbox, make_addon, reload


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def night(db):
    covered = due_mailbox(credit_cents=5000)
    make_addon(covered, quantity=1)
    short = due_mailbox(credit_cents=STANDARD_GROSS)
    make_addon(short, quantity=2)
    broke = due_mailbox(credit_cents=0)
    return covered, short, broke


def test_run_renewals_prints_the_summary_of_the_night(night, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        output = run("run_renewals", "--date", "2026-03-30")

    assert output.strip().splitlines() == [
        "Rinnovi del 30/03/2026: 3 caselle elaborate, 2 rinnovate, 1 servizi aggiuntivi rinnovati, "
        "1 servizi aggiuntivi disattivati, 1 scadute, 0 cessate, 1 e-mail inviate, € 15,25 addebitati, 0 errori.",
        "Ordini in attesa da più di 72 ore annullati: 0.",
    ]
    assert len(mail.outbox) == 1


def test_run_renewals_dry_run_reports_the_same_and_changes_nothing(night, django_capture_on_commit_callbacks):
    covered, _short, broke = night
    ledger = LedgerEntry.objects.count()
    operations = Operation.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        output = run("run_renewals", "--date", "2026-03-30", "--dry-run")

    assert output.startswith("[prova, nulla è stato modificato] Rinnovi del 30/03/2026: 3 caselle elaborate, 2 rinnovate")
    assert "€ 15,25 addebitati" in output
    assert LedgerEntry.objects.count() == ledger and Operation.objects.count() == operations
    assert not RenewalCharge.objects.exists()
    assert reload(broke).status == Mailbox.Status.CERTIFIED
    assert reload(covered).expires_on == date(2026, 3, 30)
    assert balance(covered.holder) == 5000
    assert mail.outbox == []


def pending_order(mailbox, *, hours_ago):
    addon_type = AddonType.objects.get(code="inbox_extra")
    order = Order.objects.create(
        holder=mailbox.holder, mailbox=mailbox, addon_type=addon_type, quantity=1, unit_price_cents=250, years=1,
        net_cents=250, vat_cents=55, gross_cents=305, ends_on=mailbox.expires_on,
    )
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(hours=hours_ago))
    return order


def test_run_renewals_cancels_the_stale_pending_orders_first(night):
    covered, short, _broke = night
    stale, fresh = pending_order(covered, hours_ago=73), pending_order(short, hours_ago=1)

    output = run("run_renewals", "--date", "2026-03-30", "--dry-run")
    assert "[prova, nulla è stato modificato] Ordini in attesa da più di 72 ore annullati: 1." in output
    assert reload(stale).status == Order.Status.PENDING

    output = run("run_renewals", "--date", "2026-03-30")

    assert "Ordini in attesa da più di 72 ore annullati: 1." in output
    assert (reload(stale).status, reload(fresh).status) == (Order.Status.CANCELLED, Order.Status.PENDING)


def test_the_nightly_task_cancels_the_stale_pending_orders_before_queuing_the_parts(night):
    covered, _short, _broke = night
    stale = pending_order(covered, hours_ago=100)

    result = run_renewals_task.delay("2026-03-30").get()

    assert result["orders_cancelled"] == 1
    assert reload(stale).status == Order.Status.CANCELLED
    assert reload(covered).expires_on == date(2027, 3, 30)


def test_send_expiry_alerts_dry_run_sends_and_records_nothing(db):
    due_mailbox(expires_on=date(2026, 4, 10))

    output = run("send_expiry_alerts", "--date", "2026-04-01", "--dry-run")

    assert "[prova, nulla è stato inviato] Avvisi di scadenza del 01/04/2026: 1 caselle, 1 e-mail inviate" in output
    assert mail.outbox == [] and not ExpiryAlert.objects.exists()
    assert "1 e-mail inviate" in run("send_expiry_alerts", "--date", "2026-04-01")
    assert len(mail.outbox) == 1


def test_a_bad_date_is_refused_with_a_clear_message(db):
    with pytest.raises(CommandError, match="Data non valida: '30/03/2026'"):
        run("run_renewals", "--date", "30/03/2026")


def test_a_progress_bar_is_drawn_on_a_terminal(night):
    class Terminal(StringIO):
        def isatty(self):
            return True

    out = Terminal()
    call_command("run_renewals", "--date", "2026-03-30", stdout=out)

    assert "] 3/3" in out.getvalue()
    assert "#" * 40 in out.getvalue()
