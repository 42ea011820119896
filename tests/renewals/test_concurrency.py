"""SPEC 3.7: several workers at once never charge a period twice; a killed run re-runs cleanly.
The workers are real processes running ``manage.py run_renewals`` against the test database."""

import re
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection, connections
from django.db.models import Count, Sum

from addons.models import Addon
from billing.models import LedgerEntry, Wallet
from billing.selectors import ledger_mismatches
from mailboxes.models import Mailbox
from renewals.alerts import expiry_alerts_run
from renewals.models import ExpiryAlert, RenewalCharge
from renewals.night import renewals_run
from tests.factories import make_holder, make_mailbox
from tests.waiting import wait_for

from .bulk import DUE, build_night, child_env


def test_two_alert_runs_at_once_mail_each_holder_once():
    holders = [make_holder() for _ in range(40)]
    for holder in holders:
        make_mailbox(holder, expires_on=DUE + timedelta(days=20))
        make_mailbox(holder, expires_on=DUE + timedelta(days=80))
    barrier = threading.Barrier(2)

    def run():
        barrier.wait()
        try:
            expiry_alerts_run(on_date=DUE, batch_size=7)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(message.to[0] for message in mail.outbox) == sorted(holder.email for holder in holders)
    assert ExpiryAlert.objects.count() == 80

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seeded")]
MANAGE = str(Path(settings.BASE_DIR) / "manage.py")


def start_worker(workers=1):
    return subprocess.Popen(
        [sys.executable, MANAGE, "run_renewals", "--date", DUE.isoformat(), "--workers", str(workers)],
        env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def mailbox_locks_of_other_sessions():
    """Locks other sessions hold on the mailbox table (FOR UPDATE takes RowShareLock)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE pid <> pg_backend_pid() "
                       "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                       "AND relation = 'mailboxes_mailbox'::regclass")
        return cursor.fetchone()[0]


def summary_numbers(output):
    match = re.search(r"(\d+) rinnovate, (\d+) servizi aggiuntivi rinnovati, (\d+) servizi aggiuntivi disattivati, "
                      r"(\d+) scadute", output)
    return tuple(int(n) for n in match.groups())


def assert_night_done_once(expected):
    assert Mailbox.objects.filter(expires_on=DUE.replace(year=2027), status=Mailbox.Status.CERTIFIED).count() == expected.renewed
    assert Mailbox.objects.filter(status=Mailbox.Status.EXPIRED).count() == expected.expired
    assert Addon.objects.filter(status=Addon.Status.DEACTIVATED).count() == expected.deactivated
    assert RenewalCharge.objects.filter(addon__isnull=True).count() == expected.renewed
    assert RenewalCharge.objects.filter(addon__isnull=False).count() == expected.addons_renewed
    duplicates = (RenewalCharge.objects.values("mailbox", "addon", "period_start").annotate(n=Count("id"))
                  .filter(n__gt=1))
    assert not duplicates.exists()
    renewal_entries = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.RENEWAL)
    assert renewal_entries.count() == expected.renewed + expected.addons_renewed
    assert -renewal_entries.aggregate(total=Sum("amount_cents"))["total"] == expected.debited_cents
    assert Wallet.objects.filter(balance_cents__lt=0).count() == 0
    assert ledger_mismatches() == []


@pytest.mark.parametrize("workers", [2, 4])
def test_workers_started_together_charge_every_period_once(workers):
    expected = build_night()

    processes = [start_worker() for _ in range(workers)]
    outputs = [process.communicate(timeout=300) for process in processes]

    assert [p.returncode for p in processes] == [0] * workers, outputs
    totals = [sum(column) for column in zip(*(summary_numbers(out) for out, _err in outputs), strict=True)]
    assert totals == [expected.renewed, expected.addons_renewed, expected.deactivated, expected.expired]
    assert_night_done_once(expected)


def test_one_command_with_two_worker_processes_charges_every_period_once():
    expected = build_night()

    output, error = start_worker(workers=2).communicate(timeout=300)

    assert summary_numbers(output) == (expected.renewed, expected.addons_renewed, expected.deactivated,
                                       expected.expired), error
    assert "0 errori" in output
    assert_night_done_once(expected)


def test_a_run_killed_midway_and_run_again_ends_as_one_clean_run():
    expected = build_night()
    process = start_worker(workers=2)
    deadline = time.monotonic() + 120
    while RenewalCharge.objects.count() < 150 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    # Its worker process dies with it; PostgreSQL rolls back their open batches as it notices the
    # closed connections. Until then their rows stay locked and a new run would skip them.
    assert wait_for(lambda: mailbox_locks_of_other_sessions() == 0, timeout=30, interval=0.05), \
        "the killed run's transactions still hold mailbox rows"
    done_before_kill = RenewalCharge.objects.count()
    assert 150 <= done_before_kill < expected.renewed + expected.addons_renewed, "the kill came too late to test anything"

    renewals_run(on_date=DUE)

    assert_night_done_once(expected)
    # One clean run takes the mailboxes in id order, so a holder's credit goes to their first ones.
    for holder_id in Mailbox.objects.values_list("holder_id", flat=True).distinct():
        statuses = list(Mailbox.objects.filter(holder_id=holder_id).order_by("id").values_list("status", flat=True))
        assert statuses == sorted(statuses, key=lambda status: status != Mailbox.Status.CERTIFIED)
