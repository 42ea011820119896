from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from accounts.models import Operation
from addons.models import Addon, Order
from addons.services import orders_cancel_stale
from addons.tasks import orders_cancel_stale_task
from billing.hooks import credit_landed, pending_shortfall_cents
from billing.models import LedgerEntry, Wallet
from billing.services import wallet_post

from .conftest import give_credit, quote_then_confirm


def place_pending(client, mailbox, *, hours_ago=0, minutes_ago=0):
    quote_then_confirm(client, mailbox)
    order = Order.objects.latest("id")
    Order.objects.filter(pk=order.pk).update(
        created_at=timezone.now() - timedelta(hours=hours_ago, minutes=minutes_ago))
    return order


def land_topup(holder, cents, reference):
    wallet_post(holder_id=holder.pk, amount_cents=cents, kind=LedgerEntry.Kind.TOPUP, reference=reference,
                description="Ricarica con carta")
    credit_landed(holder_id=holder.pk)


def test_a_pending_order_unpaid_after_72_hours_is_cancelled_and_nothing_is_charged(holder_client, mailbox, holder):
    give_credit(holder, 1000)
    stale = place_pending(holder_client, mailbox, hours_ago=73)
    fresh = place_pending(holder_client, mailbox, hours_ago=71)

    assert orders_cancel_stale(now=timezone.now()) == [stale]

    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, fresh.status) == ("cancelled", "pending")
    assert Operation.objects.get(reference=f"order:{stale.pk}").outcome == "cancelled"
    assert Wallet.objects.get(holder=holder).balance_cents == 1000
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.ORDER).exists()


def test_a_cancelled_order_never_completes_when_credit_lands_later(holder_client, mailbox, holder):
    stale = place_pending(holder_client, mailbox, hours_ago=80)
    orders_cancel_stale_task.delay()

    wallet_post(holder_id=holder.pk, amount_cents=5000, kind=LedgerEntry.Kind.TOPUP, reference="topup:late",
                description="Ricarica")
    credit_landed(holder_id=holder.pk)

    stale.refresh_from_db()
    assert stale.status == "cancelled"
    assert Wallet.objects.get(holder=holder).balance_cents == 5000
    mailbox.refresh_from_db()
    assert mailbox.inbox_extra_gb == 0


def test_running_the_cancellation_twice_changes_nothing_more(holder_client, mailbox):
    place_pending(holder_client, mailbox, hours_ago=100)
    assert len(orders_cancel_stale()) == 1
    assert orders_cancel_stale() == []


def test_a_topup_landing_72_hours_and_a_minute_after_the_order_cancels_it_and_the_credit_stays(
        holder_client, mailbox, holder):
    order = place_pending(holder_client, mailbox, hours_ago=72, minutes_ago=1)

    land_topup(holder, 1830, "topup:pi_late")

    order.refresh_from_db()
    assert order.status == "cancelled"
    assert Operation.objects.get(reference=f"order:{order.pk}").outcome == "cancelled"
    assert Wallet.objects.get(holder=holder).balance_cents == 1830
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.ORDER).exists()
    assert not Addon.objects.exists()
    mailbox.refresh_from_db()
    assert mailbox.inbox_extra_gb == 0


def test_a_topup_landing_within_the_72_hours_still_completes_the_order(holder_client, mailbox, holder):
    order = place_pending(holder_client, mailbox, hours_ago=71, minutes_ago=59)

    land_topup(holder, 1830, "topup:pi_in_time")

    order.refresh_from_db()
    assert order.status == "completed"
    assert Wallet.objects.get(holder=holder).balance_cents == 0


def test_a_stale_order_past_its_72_hours_asks_for_no_top_up(holder_client, mailbox, holder):
    place_pending(holder_client, mailbox, hours_ago=73)
    assert pending_shortfall_cents(holder_id=holder.pk) == 0
    place_pending(holder_client, mailbox)
    assert pending_shortfall_cents(holder_id=holder.pk) == 1830


def test_the_command_cancels_the_stale_orders_and_lists_them(holder_client, mailbox):
    stale = place_pending(holder_client, mailbox, hours_ago=80)
    fresh = place_pending(holder_client, mailbox, hours_ago=1)
    out = StringIO()

    call_command("cancel_stale_orders", stdout=out)

    lines = out.getvalue().strip().splitlines()
    assert lines[0].startswith(f"Ordine n. {stale.pk} del ")
    assert lines[0].endswith(f"annullato: {mailbox.address}, Spazio extra inbox 3 GB, € 18,30")
    assert lines[1] == "Ordini in attesa da più di 72 ore annullati: 1."
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, fresh.status) == ("cancelled", "pending")
    out = StringIO()
    call_command("cancel_stale_orders", stdout=out)
    assert out.getvalue() == "Ordini in attesa da più di 72 ore annullati: 0.\n"
