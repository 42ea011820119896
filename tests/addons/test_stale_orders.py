from datetime import timedelta

from django.utils import timezone

from accounts.models import Operation
from addons.models import Order
from addons.services import orders_cancel_stale
from addons.tasks import orders_cancel_stale_task
from billing.hooks import credit_landed
from billing.models import LedgerEntry, Wallet
from billing.services import wallet_post

from .conftest import give_credit, quote_then_confirm


def place_pending(client, mailbox, *, hours_ago):
    quote_then_confirm(client, mailbox)
    order = Order.objects.latest("id")
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(hours=hours_ago))
    return order


def test_a_pending_order_unpaid_after_72_hours_is_cancelled_and_nothing_is_charged(holder_client, mailbox, holder):
    give_credit(holder, 1000)
    stale = place_pending(holder_client, mailbox, hours_ago=73)
    fresh = place_pending(holder_client, mailbox, hours_ago=71)

    assert orders_cancel_stale(now=timezone.now()) == 1

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
    assert orders_cancel_stale() == 1
    assert orders_cancel_stale() == 0
