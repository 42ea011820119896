"""accounts.HolderCounts, kept by the database's triggers, always equals COUNT(*) of the holder's
mailboxes and operations, whichever way rows arrive, leave or move; the long lists show it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Operation
from accounts.selectors import active_user_with_holder, holder_counts
from accounts.services import operation_log
from mailboxes.models import Mailbox
from tests.accounts.counts import actual, counted
from tests.factories import make_holder, make_mailbox, make_mailboxes, make_operations

pytestmark = pytest.mark.django_db


def test_the_counts_follow_inserts_deletes_and_moves():
    first, second = make_holder(), make_holder()
    assert counted(first) == (0, 0)
    make_mailbox(first)
    make_mailboxes(first, 40)
    make_mailboxes(second, 3)
    operation_log(holder_id=first.pk, kind=Operation.Kind.TOPUP, description="Ricarica")
    make_operations(first, 25)
    make_operations(second, 2)
    assert counted(first) == actual(first) == (41, 26)
    assert counted(second) == actual(second) == (3, 2)

    doomed = Mailbox.objects.filter(holder=first, address__startswith="massiva").order_by("id")[:5]
    Mailbox.objects.filter(id__in=list(doomed.values_list("id", flat=True))).delete()
    moved = Mailbox.objects.filter(holder=first).order_by("id")[:4].values_list("id", flat=True)
    Mailbox.objects.filter(id__in=list(moved)).update(holder=second)
    Mailbox.objects.filter(holder=second).update(status=Mailbox.Status.EXPIRED)  # same holder: no change
    Operation.objects.filter(holder=first)[:1].get().delete()
    Operation.objects.filter(holder=second).delete()
    assert counted(first) == actual(first) == (32, 25)
    assert counted(second) == actual(second) == (7, 0)


def test_one_statement_that_adds_rows_for_many_holders_counts_each():
    holders = [make_holder() for _ in range(3)]
    Operation.objects.bulk_create(
        Operation(holder=holder, kind=Operation.Kind.RENEWAL, description="Rinnovo")
        for n, holder in enumerate(holders) for _ in range(n + 1))
    assert [counted(holder) for holder in holders] == [actual(holder) for holder in holders] == [
        (0, 1), (0, 2), (0, 3)]


def test_the_request_holder_carries_its_counts_and_wallet_without_another_query():
    holder = make_holder(credit_cents=1234)
    make_mailboxes(holder, 7)
    loaded = active_user_with_holder(holder.user_id).holder
    with CaptureQueriesContext(connection) as captured:
        counts, balance = holder_counts(loaded), loaded.wallet.balance_cents
    assert len(captured) == 0
    assert (counts.mailboxes, counts.operations) == actual(holder) and balance == 1234
    # A holder that never had a row counts zero; one loaded elsewhere is read.
    empty = make_holder()
    assert holder_counts(active_user_with_holder(empty.user_id).holder).mailboxes == 0
    assert holder_counts(type(holder).objects.get(pk=holder.pk)).mailboxes == 7


def test_the_list_pages_show_the_counted_totals(holder_client, mailbox):
    make_mailboxes(mailbox.holder, 60)
    page = holder_client.get("/mailboxes/").content.decode()
    assert "61 caselle" in page and 'rel="next"' in page
