from django.contrib.messages import get_messages

from accounts.models import Operation
from addons.models import Addon, Order
from billing.hooks import credit_landed, pending_shortfall_cents
from billing.models import LedgerEntry, Wallet
from billing.services import wallet_post, wallet_take
from invoices.models import Invoice

from .conftest import give_credit, quote_then_confirm


def land_topup(holder, cents, reference):
    """What billing does when Stripe confirms a payment: credit, then tell the hooks."""
    wallet_post(holder_id=holder.pk, amount_cents=cents, kind=LedgerEntry.Kind.TOPUP,
                reference=reference, description="Ricarica con carta")
    credit_landed(holder_id=holder.pk)


def test_without_enough_credit_the_order_waits_and_the_holder_is_sent_to_top_up_the_shortfall(holder_client, mailbox, holder):
    give_credit(holder, 1000)
    _, response = quote_then_confirm(holder_client, mailbox)

    assert response.status_code == 302
    assert response.url == "/credit/topup/?amount=8,30"
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "in attesa di pagamento" in message
    assert "€ 8,30" in message
    order = Order.objects.get()
    assert (order.status, order.gross_cents) == ("pending", 1830)
    assert Operation.objects.get(reference=f"order:{order.pk}").outcome == "pending"
    assert Wallet.objects.get(holder=holder).balance_cents == 1000
    assert not Addon.objects.exists()
    assert pending_shortfall_cents(holder_id=holder.pk) == 830


def test_when_the_topup_lands_the_pending_order_completes_once(holder_client, mailbox, holder):
    quote_then_confirm(holder_client, mailbox)
    order = Order.objects.get()

    land_topup(holder, 1830, "topup:pi_1")
    land_topup(holder, 1830, "topup:pi_1")  # the same webhook delivered again
    credit_landed(holder_id=holder.pk)  # and the return page reporting it too

    order.refresh_from_db()
    assert order.status == "completed"
    assert Wallet.objects.get(holder=holder).balance_cents == 0
    assert LedgerEntry.objects.filter(reference=f"order:{order.pk}").count() == 1
    assert Addon.objects.get().quantity == 3
    assert Invoice.objects.get(reference=f"order:{order.pk}").gross_cents == 1830
    mailbox.refresh_from_db()
    assert mailbox.inbox_extra_gb == 3
    assert Operation.objects.get(reference=f"order:{order.pk}").outcome == "completed"
    assert pending_shortfall_cents(holder_id=holder.pk) == 0
    page = holder_client.get(f"/mailboxes/{mailbox.pk}/").content.decode()
    assert "1 GB base + 3 GB extra" in page


def test_a_topup_too_small_leaves_the_order_pending(holder_client, mailbox, holder):
    quote_then_confirm(holder_client, mailbox)
    land_topup(holder, 1000, "topup:pi_small")
    assert Order.objects.get().status == "pending"
    assert Wallet.objects.get(holder=holder).balance_cents == 1000
    assert pending_shortfall_cents(holder_id=holder.pk) == 830


def test_pending_orders_complete_oldest_first_while_the_credit_covers_them(holder_client, mailbox, holder):
    quote_then_confirm(holder_client, mailbox, quantity="3")  # 18,30
    quote_then_confirm(holder_client, mailbox, quantity="1")  # 6,10
    oldest, newest = Order.objects.order_by("id")
    assert pending_shortfall_cents(holder_id=holder.pk) == 2440

    land_topup(holder, 600, "topup:pi_a")  # covers the newer order only: it must not overtake
    assert set(Order.objects.values_list("status", flat=True)) == {"pending"}

    land_topup(holder, 1840, "topup:pi_b")
    oldest.refresh_from_db()
    newest.refresh_from_db()
    assert (oldest.status, newest.status) == ("completed", "completed")
    assert Wallet.objects.get(holder=holder).balance_cents == 0


def test_a_shortfall_under_stripes_minimum_is_rounded_up_to_fifty_cents(holder_client, mailbox, holder):
    give_credit(holder, 1800)
    _, response = quote_then_confirm(holder_client, mailbox)
    assert response.url == "/credit/topup/?amount=0,50"


def test_a_debt_counts_in_the_shortfall_so_one_top_up_pays_it_and_completes_the_order(holder_client, mailbox, holder):
    # A refund of credit already spent left a debt of 5 €; every credit pays the debt first.
    wallet_take(holder_id=holder.pk, amount_cents=500, kind=LedgerEntry.Kind.REFUND, reference="refund:pi_x:500",
                description="Rimborso")
    _, response = quote_then_confirm(holder_client, mailbox)

    assert response.url == "/credit/topup/?amount=23,30"
    assert pending_shortfall_cents(holder_id=holder.pk) == 1830 + 500
    land_topup(holder, 2330, "topup:pi_debt_and_order")
    assert Order.objects.get().status == "completed"
    wallet = Wallet.objects.get(holder=holder)
    assert (wallet.balance_cents, wallet.debt_cents) == (0, 0)
