"""The night's catch-up (renewals.selectors.holders_with_certified_due) runs after a part's batches,
while another part's batch or a holder's own transaction may still hold due mailboxes: it waits
for that transaction and counts only the holders it left due, so a batch in flight costs one wait,
not a holder-by-holder pass over it. Real threads, each with its own PostgreSQL connection."""

import threading
from datetime import date, timedelta

import pytest
from django.db import transaction

from mailboxes.models import Mailbox
from renewals.selectors import holders_with_certified_due
from tests.factories import make_holder, make_mailbox
from tests.races import run_together

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seeded")]

NIGHT = date(2026, 3, 30)


def hold_then(mailbox, *, renew):
    """A transaction that locks ``mailbox`` as a batch does, tells the test it holds it, keeps it a
    moment and commits, having renewed it (a night part) or not (a holder's order)."""
    holding = threading.Event()

    def job():
        with transaction.atomic():
            Mailbox.objects.select_for_update().get(pk=mailbox.pk)
            holding.set()
            threading.Event().wait(0.5)
            if renew:
                Mailbox.objects.filter(pk=mailbox.pk).update(expires_on=NIGHT + timedelta(days=365))
        return "committed"

    def catch_up():
        holding.wait(timeout=10)
        return holders_with_certified_due(on_date=NIGHT)

    return run_together(job, catch_up)


@pytest.mark.parametrize("renewed", [True, False], ids=["renewed by the holder of the lock", "left due"])
def test_the_catch_up_waits_for_the_lock_and_counts_what_is_still_due(renewed):
    held = make_mailbox(make_holder(), expires_on=NIGHT)
    free = make_mailbox(make_holder(), expires_on=NIGHT)
    make_mailbox(make_holder(), expires_on=NIGHT + timedelta(days=1))  # not due

    committed, holders = hold_then(held, renew=renewed)

    assert committed == "committed"
    assert holders == ({free.holder_id} if renewed else {free.holder_id, held.holder_id})
