"""""Rinnova ora" over a selection confirmed while the renewal night runs, each on its own PostgreSQL
connection and started together: whichever renews a mailbox first, each period is charged once, the
debits add up to the charges, and a refused confirmation asks for a new quote that then pays the rest.
Last, both bulk confirmations at once while ``manage.py run_renewals`` runs in two processes."""

import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import Count, Sum
from django.utils import timezone

from accounts.models import Operation
from addons.bulk import bulk_order_place, bulk_order_quote
from addons.models import Addon, Order
from addons.services import StaleQuote
from billing.models import LedgerEntry, Wallet
from billing.selectors import ledger_mismatches
from invoices.models import Invoice
from invoices.vat import gross_cents
from mailboxes.models import Mailbox
from renewals.bulk import BulkRenewalRefused, bulk_renewal_quote, mailboxes_renew_now
from renewals.models import RenewalCharge
from renewals.selectors import renewal_due_q
from tests.factories import make_holder, make_mailbox, make_mailboxes
from tests.races import BEFORE, CREDIT, HEAD_STARTS, due_mailboxes, others_due, run_together, with_the_night
from tests.waiting import wait_for

from .bulk import DUE, build_night, child_env
from .conftest import make_addon

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seeded")]


def holder_mailboxes(holder, today):
    """Eight due tonight (three with an add-on), four expired ten days ago with auto-renew (the
    night retries them in the grace period), eight expiring in 30 days (only "Rinnova ora" renews
    them). Returns {id: expiry before renewal}."""
    due = make_mailboxes(holder, 8)
    Mailbox.objects.filter(pk__in=[m.pk for m in due]).update(expires_on=today)
    for mailbox in Mailbox.objects.filter(pk__in=[m.pk for m in due[:3]]):
        make_addon(mailbox, quantity=2)
    for _ in range(4):
        make_mailbox(holder, status=Mailbox.Status.EXPIRED, expires_on=today - timedelta(days=10),
                     status_changed_on=today - timedelta(days=10))
    soon = make_mailboxes(holder, 8)
    Mailbox.objects.filter(pk__in=[m.pk for m in soon]).update(expires_on=today + timedelta(days=30))
    return dict(Mailbox.objects.filter(holder=holder).values_list("pk", "expires_on"))


def renew_now(holder, expiries, today):
    """What the page does: quote, then confirm that total under a new key."""
    quote = bulk_renewal_quote(holder=holder, mailbox_ids=list(expiries), today=today)
    return lambda: mailboxes_renew_now(holder=holder, mailbox_ids=list(expiries), today=today,
                                       renewal_key=uuid.uuid4(), expected_gross_cents=quote.gross_cents)


def assert_each_period_charged_once(holder, expiries):
    assert ledger_mismatches() == []
    assert not Wallet.objects.filter(balance_cents__lt=0).exists()
    duplicates = RenewalCharge.objects.values("mailbox", "addon", "period_start").annotate(n=Count("id")).filter(n__gt=1)
    assert not duplicates.exists()
    for mailbox in Mailbox.objects.filter(holder=holder):
        old = expiries[mailbox.pk]
        assert (mailbox.status, mailbox.expires_on) == (Mailbox.Status.CERTIFIED, old.replace(year=old.year + 1))
        charges = RenewalCharge.objects.filter(mailbox=mailbox)
        assert list(charges.filter(addon=None).values_list("period_start", flat=True)) == [old]
        assert charges.filter(addon__isnull=False).count() == mailbox.addons.count()
    # A night debit pays one charge, a "Rinnova ora" debit all of its own, IVA on their net total.
    for entry in LedgerEntry.objects.filter(kind=LedgerEntry.Kind.RENEWAL):
        net = entry.renewal_charges.aggregate(total=Sum("net_cents"))["total"]
        assert -entry.amount_cents == gross_cents(net)
    assert not RenewalCharge.objects.filter(gross_cents__gt=0, ledger_entry=None).exists()
    wallet = Wallet.objects.get(holder=holder)
    spent = -LedgerEntry.objects.filter(wallet=wallet, amount_cents__lt=0).aggregate(total=Sum("amount_cents"))["total"]
    assert wallet.balance_cents == CREDIT - spent >= 0
    assert Invoice.objects.filter(buyer_fiscal_code=holder.fiscal_code).aggregate(total=Sum("gross_cents"))[
        "total"] == spent


@pytest.mark.parametrize("head_start", HEAD_STARTS)
def test_rinnova_ora_confirmed_during_the_night_charges_each_period_once(head_start):
    today = timezone.localdate()
    others_due(BEFORE, today)
    holder = make_holder(credit_cents=CREDIT)
    expiries = holder_mailboxes(holder, today)
    others_due(40, today)

    night, done = with_the_night(renew_now(holder, expiries, today), on_date=today, head_start=head_start)

    assert not isinstance(night, Exception) and night.failed == 0, night
    # Certified ones the night must settle tonight; one expired in its grace period that the
    # holder's transaction held is retried by the next night (or by the new quote below).
    assert not Mailbox.objects.filter(status=Mailbox.Status.CERTIFIED, expires_on__lte=today).exists()
    if isinstance(done, Exception):
        # The night renewed some of the selection first: the total changed, nothing was charged.
        assert isinstance(done, BulkRenewalRefused) and "Il preventivo è cambiato" in str(done), done
        assert not RenewalCharge.objects.filter(manual=True).exists()
        retried_later = Mailbox.objects.filter(renewal_due_q(today), holder=holder).count()
        done = renew_now(holder, expiries, today)()  # the holder confirms the new quote
        assert done.mailboxes == sum(1 for expiry in expiries.values() if expiry > today) + retried_later
    else:
        assert done.mailboxes == 20
    assert Operation.objects.filter(holder=holder, reference__startswith="renewal:bulk:").count() == 1
    assert_each_period_charged_once(holder, expiries)


MANAGE = str(Path(settings.BASE_DIR) / "manage.py")


@pytest.mark.parametrize("holders_first", [True, False])
def test_both_bulk_confirmations_while_the_nightly_command_runs_in_two_processes(holders_first):
    """``holders_first``: the holders' mailboxes in the night's first batches, or in its last."""
    if not holders_first:
        build_night(singles=300, groups=30)
    renewing = make_holder(credit_cents=CREDIT)
    expiries = holder_mailboxes(renewing, DUE)
    ordering = make_holder(credit_cents=CREDIT)
    selection = [m.pk for m in due_mailboxes(ordering, 10, DUE)]
    later = make_mailboxes(ordering, 20)
    Mailbox.objects.filter(pk__in=[m.pk for m in later]).update(expires_on=DUE + timedelta(days=200))
    selection += [m.pk for m in later]
    if holders_first:
        build_night(singles=300, groups=30)
    quote = bulk_order_quote(holder=ordering, mailbox_ids=selection, addon_type_code="inbox_extra", quantity=1,
                             today=DUE)
    renew = renew_now(renewing, expiries, DUE)

    def place():
        return bulk_order_place(holder=ordering, mailbox_ids=selection, addon_type_code="inbox_extra", quantity=1,
                                expected_gross_cents=quote.gross_cents, order_key=uuid.uuid4(), today=DUE)

    night = subprocess.Popen([sys.executable, MANAGE, "run_renewals", "--date", DUE.isoformat(), "--workers", "2"],
                             env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # The holders confirm once the night has started charging (or, on a fast machine, has ended).
    wait_for(lambda: RenewalCharge.objects.exists() or night.poll() is not None, timeout=120, interval=0.02)
    done, placed = run_together(renew, place)
    output, error = night.communicate(timeout=300)

    assert night.returncode == 0, output + error
    assert "0 errori" in output
    assert not Mailbox.objects.filter(status=Mailbox.Status.CERTIFIED, expires_on__lte=DUE).exists()
    if isinstance(done, Exception):
        assert isinstance(done, BulkRenewalRefused) and "Il preventivo è cambiato" in str(done), done
        renew_now(renewing, expiries, DUE)()
    assert_each_period_charged_once(renewing, expiries)
    if isinstance(placed, Exception):
        assert isinstance(placed, StaleQuote), placed
        assert not Order.objects.filter(holder=ordering).exists()
    else:
        assert placed.order.status == Order.Status.COMPLETED
        assert LedgerEntry.objects.get(reference=f"order:{placed.order.pk}").amount_cents == -quote.gross_cents
    for addon in Addon.objects.filter(mailbox__holder=ordering).select_related("mailbox"):
        assert (addon.status, addon.expires_on) == (Addon.Status.ACTIVE, addon.mailbox.expires_on)
    assert not Wallet.objects.filter(balance_cents__lt=0).exists()
    duplicates = RenewalCharge.objects.values("mailbox", "addon", "period_start").annotate(n=Count("id")).filter(n__gt=1)
    assert not duplicates.exists()
