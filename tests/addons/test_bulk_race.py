"""A bulk add-on order confirmed while the renewal night runs, each on its own PostgreSQL connection
and started together: whichever gets the holder's rows first, nothing is charged twice, every add-on
ends with its mailbox, and the night still deals with every due mailbox."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connections
from django.db.models import Count, Sum
from django.utils import timezone

from addons.bulk import bulk_order_place, bulk_order_quote
from addons.models import Addon, Order
from addons.services import StaleQuote
from billing.models import LedgerEntry, Wallet
from billing.selectors import ledger_mismatches
from invoices.models import Invoice
from mailboxes.models import Mailbox
from renewals.models import RenewalCharge
from renewals.night import renewals_run
from renewals.selectors import renewal_due_q
from tests.factories import make_holder, make_mailboxes

# Transactional: each thread has its own connection and sees only committed rows.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seeded")]

CREDIT = 100_000
# The night in small batches, so it commits many times while the order runs.
BATCH_SIZE = 10


def run_together(**jobs):
    """Each job in its own thread and connection, released at once by a barrier; returns
    {name: result} and {name: exception}."""
    barrier = threading.Barrier(len(jobs))
    results, errors = {}, {}

    def worker(name, job):
        try:
            barrier.wait()
            results[name] = job()
        except Exception as exc:  # noqa: BLE001 - collected, then asserted on by the test
            errors[name] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=item) for item in jobs.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a job never finished: a deadlock?"
    return results, errors


def due_mailboxes(holder, count, today):
    mailboxes = make_mailboxes(holder, count)
    Mailbox.objects.filter(pk__in=[m.pk for m in mailboxes]).update(expires_on=today)
    return mailboxes


def others_due(count, today):
    """Other holders' due mailboxes, with credit for them: the night's work around the holder's."""
    for _ in range(count // 10):
        due_mailboxes(make_holder(credit_cents=CREDIT), 10, today)


def assert_nothing_charged_twice():
    assert ledger_mismatches() == []
    assert not Wallet.objects.filter(balance_cents__lt=0).exists()
    duplicates = RenewalCharge.objects.values("mailbox", "addon", "period_start").annotate(n=Count("id")).filter(n__gt=1)
    assert not duplicates.exists()
    charged = RenewalCharge.objects.filter(gross_cents__gt=0)
    renewal_entries = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.RENEWAL)
    assert renewal_entries.count() == charged.count()  # the night debits each charge alone
    assert -(renewal_entries.aggregate(total=Sum("amount_cents"))["total"] or 0) == (
        charged.aggregate(total=Sum("gross_cents"))["total"] or 0)
    assert set(charged.values_list("ledger_entry_id", flat=True)) == set(renewal_entries.values_list("pk", flat=True))


@pytest.mark.parametrize("position", range(5))
def test_a_bulk_order_confirmed_during_the_night_is_charged_once_and_the_night_misses_nothing(position):
    """``position``: how many tenths of the night's other mailboxes come before the holder's, so the
    night reaches the holder's rows at a different moment in each round."""
    today = timezone.localdate()
    holder = make_holder(credit_cents=CREDIT)
    others_due(60 * position, today)
    due = due_mailboxes(holder, 10, today)
    later = make_mailboxes(holder, 20)
    Mailbox.objects.filter(pk__in=[m.pk for m in later]).update(expires_on=today + timedelta(days=200))
    others_due(60 * (4 - position), today)
    selection = [m.pk for m in due + later]
    # As the page showed it before the night: the due mailboxes free (under three months left).
    quote = bulk_order_quote(holder=holder, mailbox_ids=selection, addon_type_code="inbox_extra", quantity=1,
                             today=today)
    assert quote.gross_cents > 0 and [band.count for band in quote.bands()] == [10, 20]

    results, errors = run_together(
        order=lambda: bulk_order_place(holder=holder, mailbox_ids=selection, addon_type_code="inbox_extra",
                                       quantity=1, expected_gross_cents=quote.gross_cents, order_key=uuid.uuid4(),
                                       today=today),
        night=lambda: renewals_run(on_date=today, batch_size=BATCH_SIZE),
    )

    assert "night" not in errors and results["night"].failed == 0
    # The night first renews the due mailboxes: their add-on is no longer free, the quote is stale.
    assert set(errors) <= {"order"} and all(isinstance(error, StaleQuote) for error in errors.values())
    assert not Mailbox.objects.filter(renewal_due_q(today)).exists()
    for mailbox in Mailbox.objects.filter(pk__in=[m.pk for m in due]):
        assert mailbox.expires_on == today.replace(year=today.year + 1)
        assert RenewalCharge.objects.filter(mailbox=mailbox, addon=None).count() == 1
    assert_nothing_charged_twice()
    orders = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.ORDER)
    if "order" in errors:
        assert not Order.objects.exists() and not Addon.objects.exists() and not orders.exists()
    else:
        order = results["order"].order
        assert order.status == Order.Status.COMPLETED
        assert list(orders.values_list("amount_cents", "reference")) == [(-quote.gross_cents, f"order:{order.pk}")]
        assert Invoice.objects.filter(reference=f"order:{order.pk}").count() == 1
        assert Addon.objects.filter(order=order).count() == 30
        # Each add-on renewed with its mailbox once, charged once.
        assert RenewalCharge.objects.filter(addon__order=order).count() == 10
    for addon in Addon.objects.select_related("mailbox"):
        assert (addon.status, addon.expires_on) == (Addon.Status.ACTIVE, addon.mailbox.expires_on)
    wallet = Wallet.objects.get(holder=holder)
    spent = -LedgerEntry.objects.filter(wallet=wallet, amount_cents__lt=0).aggregate(total=Sum("amount_cents"))["total"]
    assert wallet.balance_cents == CREDIT - spent >= 0
