"""A bulk add-on order confirmed, or completed by a top-up, while the renewal night runs, each on its
own PostgreSQL connection: whichever gets the holder's rows first, nothing is charged twice, every
active add-on ends with its mailbox, and the night still deals with every due mailbox."""

import uuid
from datetime import timedelta

import pytest
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
from renewals.selectors import renewal_due_q
from tests.factories import make_holder, make_mailboxes
from tests.races import BEFORE, CREDIT, HEAD_STARTS, due_mailboxes, others_due, with_the_night

from .test_order_without_credit import land_topup

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seeded")]


def holder_with_mailboxes(today, credit_cents):
    """A holder with 10 mailboxes due tonight and 20 expiring in 200 days, among other holders' due
    mailboxes; returns the holder and the ids of their mailboxes, the due ones first."""
    others_due(BEFORE, today)
    holder = make_holder(credit_cents=credit_cents)
    due = due_mailboxes(holder, 10, today)
    later = make_mailboxes(holder, 20)
    Mailbox.objects.filter(pk__in=[m.pk for m in later]).update(expires_on=today + timedelta(days=200))
    others_due(40, today)
    return holder, [m.pk for m in due + later]


def order(holder, selection, today):
    """The quote as the page showed it before the night (the due mailboxes' add-on free, under three
    months left), and the Conferma of that total."""
    quote = bulk_order_quote(holder=holder, mailbox_ids=selection, addon_type_code="inbox_extra", quantity=1,
                             today=today)
    assert [(band.years, band.count) for band in quote.bands()] == [(0, 10), (1, 20)]
    return quote.gross_cents, lambda: bulk_order_place(
        holder=holder, mailbox_ids=selection, addon_type_code="inbox_extra", quantity=1,
        expected_gross_cents=quote.gross_cents, order_key=uuid.uuid4(), today=today)


def assert_the_night_went_through_once(night, today, due_ids):
    assert not isinstance(night, Exception) and night.failed == 0, night
    assert not Mailbox.objects.filter(renewal_due_q(today)).exists()
    for mailbox in Mailbox.objects.filter(pk__in=due_ids):
        renewed = mailbox.status == Mailbox.Status.CERTIFIED
        assert mailbox.expires_on == (today.replace(year=today.year + 1) if renewed else today)
        assert RenewalCharge.objects.filter(mailbox=mailbox, addon=None).count() == renewed


def assert_nothing_charged_twice(holder, *, credit, topped_up=0):
    assert ledger_mismatches() == []
    duplicates = RenewalCharge.objects.values("mailbox", "addon", "period_start").annotate(n=Count("id")).filter(n__gt=1)
    assert not duplicates.exists()
    charged = RenewalCharge.objects.filter(holder=holder, gross_cents__gt=0)
    renewals = LedgerEntry.objects.filter(wallet__holder=holder, kind=LedgerEntry.Kind.RENEWAL)
    # The night debits and invoices each charge alone.
    assert sorted(renewals.values_list("pk", "amount_cents")) == sorted(
        (entry, -gross) for entry, gross in charged.values_list("ledger_entry_id", "gross_cents"))
    orders = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.ORDER)
    completed = Order.objects.filter(status=Order.Status.COMPLETED)
    assert sorted(orders.values_list("reference", "amount_cents")) == sorted(
        (f"order:{pk}", -gross) for pk, gross in completed.values_list("pk", "gross_cents"))
    assert Invoice.objects.filter(reference__startswith="order:").count() == completed.count()
    for done in completed:
        assert Addon.objects.filter(order=done).count() == done.lines.count() == 30
    assert not Addon.objects.exclude(order__in=completed).filter(order__mailbox=None).exists()
    for addon in Addon.objects.select_related("mailbox"):
        # Co-terminous: renewed with its mailbox, or switched off as the mailbox expired.
        assert addon.expires_on == addon.mailbox.expires_on
        assert (addon.status == Addon.Status.ACTIVE) == (addon.mailbox.status == Mailbox.Status.CERTIFIED)
    wallet = Wallet.objects.get(holder=holder)
    spent = -(LedgerEntry.objects.filter(wallet=wallet, amount_cents__lt=0).aggregate(total=Sum("amount_cents"))[
        "total"] or 0)
    assert wallet.balance_cents == credit + topped_up - spent >= 0


@pytest.mark.parametrize("head_start", HEAD_STARTS)
def test_a_bulk_order_confirmed_during_the_night_is_charged_once_and_the_night_misses_nothing(head_start):
    today = timezone.localdate()
    holder, selection = holder_with_mailboxes(today, CREDIT)
    gross, confirm = order(holder, selection, today)

    night, placed = with_the_night(confirm, on_date=today, head_start=head_start)

    assert_the_night_went_through_once(night, today, selection[:10])
    assert Mailbox.objects.filter(pk__in=selection, status=Mailbox.Status.CERTIFIED).count() == 30
    if isinstance(placed, Exception):
        # The night renewed due mailboxes first: their add-on is no longer free, the quote is stale.
        assert isinstance(placed, StaleQuote), placed
        assert not Order.objects.exists() and not Addon.objects.exists()
    else:
        assert (placed.order.status, placed.order.gross_cents) == (Order.Status.COMPLETED, gross)
        # Each due mailbox's new add-on renewed with it, once.
        assert RenewalCharge.objects.filter(addon__order=placed.order).count() == 10
    assert_nothing_charged_twice(holder, credit=CREDIT)


@pytest.mark.parametrize("head_start", HEAD_STARTS)
def test_a_top_up_completing_a_pending_bulk_order_during_the_night_charges_once(head_start):
    today = timezone.localdate()
    credit = 3000  # the night's renewals of the 10 due mailboxes cost 61,00; the order 61,00 too
    holder, selection = holder_with_mailboxes(today, credit)
    gross, confirm = order(holder, selection, today)
    pending = confirm().order
    assert pending.status == Order.Status.PENDING
    shortfall = gross - credit

    night, _landed = with_the_night(lambda: land_topup(holder, shortfall, "topup:pi_race"), on_date=today,
                                    head_start=head_start)

    assert _landed is None
    assert_the_night_went_through_once(night, today, selection[:10])
    pending.refresh_from_db()
    # Completed when the credit landed first; cancelled when the night moved or ended a due mailbox's
    # term first (its price was for the old term); never left waiting with the credit there.
    assert pending.status in (Order.Status.COMPLETED, Order.Status.CANCELLED)
    assert_nothing_charged_twice(holder, credit=credit, topped_up=shortfall)
