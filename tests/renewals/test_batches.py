"""The renewal night works in set-based batches (README, "Renewal night"): a batch costs the same
number of queries whatever its size, a mailbox that breaks its batch is retried alone, and a
holder's mailboxes in one batch share the wallet's balance."""

import threading

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from billing.models import LedgerEntry, Wallet
from billing.selectors import ledger_mismatches
from invoices.models import Invoice
from mailboxes.models import Mailbox
from renewals.models import RenewalCharge
from renewals.night import renewals_run
from tests.factories import make_mailbox

from .conftest import INBOX_GB_GROSS, STANDARD_GROSS, balance, due_mailbox, make_addon, reload


def _night_queries(on_date, count):
    for n in range(count):
        mailbox = due_mailbox(credit_cents=5000 if n % 2 else STANDARD_GROSS)
        make_addon(mailbox)
    with CaptureQueriesContext(connection) as queries:
        summary = renewals_run(on_date=on_date, batch_size=1000)
    assert summary.mailboxes == count
    return len(queries)


def test_a_batch_costs_the_same_queries_for_3_mailboxes_as_for_30(db, renewal_day):
    few = _night_queries(renewal_day, 3)
    Mailbox.objects.update(expires_on="2027-03-30")
    many = _night_queries(renewal_day, 30)

    assert many == few
    assert RenewalCharge.objects.count() == (3 + 30) + (3 + 30) // 2
    assert ledger_mismatches() == []


def test_a_mailbox_that_breaks_its_batch_is_retried_alone_and_the_others_are_renewed(db, renewal_day):
    broken = due_mailbox(credit_cents=5000)
    renewals_run(on_date=renewal_day)
    # Moved back to a period already charged: its charge hits the UNIQUE period and fails the batch.
    Mailbox.objects.filter(pk=broken.pk).update(expires_on=renewal_day)
    healthy = [due_mailbox(credit_cents=5000) for _ in range(3)]

    summary = renewals_run(on_date=renewal_day)

    assert (summary.failed, summary.renewed) == (1, 3)
    assert all(reload(mailbox).expires_on.year == 2027 for mailbox in healthy)
    assert balance(broken.holder) == 5000 - STANDARD_GROSS
    assert ledger_mismatches() == []


def test_mailboxes_of_one_holder_in_one_batch_spend_the_same_wallet_in_id_order(db, renewal_day):
    first = due_mailbox(credit_cents=STANDARD_GROSS + INBOX_GB_GROSS)
    make_addon(first)
    second = make_mailbox(first.holder, expires_on=renewal_day)

    summary = renewals_run(on_date=renewal_day)

    # The first mailbox and its add-on take all the credit; the second finds none left.
    assert (summary.renewed, summary.addons_renewed, summary.expired) == (1, 1, 1)
    assert reload(second).status == Mailbox.Status.EXPIRED
    assert balance(first.holder) == 0
    entries = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.RENEWAL).order_by("pk")
    assert [entry.balance_after_cents for entry in entries] == [INBOX_GB_GROSS, 0]


def test_invoice_numbers_of_a_batch_follow_each_other_without_gaps(db, renewal_day):
    for _ in range(5):
        make_addon(due_mailbox(credit_cents=5000))

    renewals_run(on_date=renewal_day)

    assert sorted(Invoice.objects.values_list("sequence", flat=True)) == list(range(1, 11))


def test_a_wallet_held_by_another_transaction_is_waited_for_in_the_second_pass(transactional_db, renewal_day):
    busy = due_mailbox(credit_cents=5000)
    free = due_mailbox(credit_cents=5000)
    locked, release = threading.Event(), threading.Event()

    def hold_wallet():
        with transaction.atomic():
            Wallet.objects.select_for_update().get(holder_id=busy.holder_id)
            locked.set()
            release.wait(10)
        connection.close()

    holder_thread = threading.Thread(target=hold_wallet)
    holder_thread.start()
    locked.wait(10)
    progress = []

    def on_progress(done, total):
        progress.append(done)
        if done == 1:
            # The batch has renewed the free mailbox and left the busy one for later: let it go.
            release.set()

    summary = renewals_run(on_date=renewal_day, progress=on_progress)
    holder_thread.join()

    assert progress[0] == 1
    assert (summary.renewed, summary.failed) == (2, 0)
    assert reload(free).expires_on.year == reload(busy).expires_on.year == 2027


def test_a_mailbox_its_holders_transaction_holds_when_the_batch_passes_is_renewed_the_same_night(
        transactional_db, renewal_day):
    # What a bulk add-on order or "Rinnova ora" holds while it runs: the wallet, then the mailboxes.
    busy = due_mailbox(credit_cents=5000)
    free = due_mailbox(credit_cents=5000)
    locked, release = threading.Event(), threading.Event()

    def hold_wallet_and_mailbox():
        with transaction.atomic():
            Wallet.objects.select_for_update().get(holder_id=busy.holder_id)
            Mailbox.objects.select_for_update().get(pk=busy.pk)
            locked.set()
            release.wait(10)
        connection.close()

    holder_thread = threading.Thread(target=hold_wallet_and_mailbox)
    holder_thread.start()
    locked.wait(10)

    def on_progress(done, total):
        if done == 1:
            # The batch has renewed the free mailbox and passed over the busy one: let it go.
            release.set()

    summary = renewals_run(on_date=renewal_day, progress=on_progress)
    holder_thread.join()

    assert (summary.renewed, summary.failed) == (2, 0)
    assert reload(free).expires_on.year == reload(busy).expires_on.year == 2027
    assert RenewalCharge.objects.filter(mailbox=busy).count() == 1


def test_with_two_processes_a_holders_credit_still_goes_to_their_oldest_mailboxes_first(transactional_db, renewal_day):
    holder = due_mailbox(credit_cents=3 * STANDARD_GROSS).holder
    for _ in range(5):
        due_mailbox(credit_cents=5000)  # other holders' mailboxes between the holder's ones
        make_mailbox(holder, expires_on=renewal_day)

    summary = renewals_run(on_date=renewal_day, workers=2, batch_size=2)

    statuses = list(Mailbox.objects.filter(holder=holder).order_by("pk").values_list("status", flat=True))
    assert statuses == [Mailbox.Status.CERTIFIED] * 3 + [Mailbox.Status.EXPIRED] * 3
    assert (summary.mailboxes, summary.renewed, summary.expired, summary.failed) == (11, 8, 3, 0)
