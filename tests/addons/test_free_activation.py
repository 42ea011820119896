from datetime import timedelta

from django.contrib.messages import get_messages
from django.utils import timezone

from accounts.models import Operation
from addons.models import Addon, Order
from addons.pricing import add_months
from billing.models import LedgerEntry, Wallet
from invoices.models import Invoice
from tests.factories import make_mailbox

from .conftest import quote_then_confirm


def test_with_under_three_months_left_the_addon_is_free_until_expiry(holder_client, holder):
    soon = make_mailbox(holder, expires_in_days=40)
    quote, response = quote_then_confirm(holder_client, soon, quantity="2")

    expiry = soon.expires_on.strftime("%d/%m/%Y")
    assert f"Gratuito fino alla scadenza del {expiry}, poi si rinnova con la casella" in quote
    assert "€ 0,00" in quote
    assert response.url == f"/mailboxes/{soon.pk}/"
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Ordine completato"]
    order = Order.objects.get()
    assert (order.status, order.years, order.gross_cents) == ("completed", 0, 0)
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.ORDER).exists()
    assert Wallet.objects.get(holder=holder).balance_cents == 0
    assert not Invoice.objects.exists()
    addon = Addon.objects.get()
    assert (addon.activated_on, addon.expires_on) == (timezone.localdate(), soon.expires_on)
    operation = Operation.objects.get(reference=f"order:{order.pk}")
    assert operation.outcome == "completed"
    assert "gratuito" in operation.description
    soon.refresh_from_db()
    assert soon.inbox_extra_gb == 2


def test_exactly_three_months_left_is_still_free(holder_client, holder):
    mailbox = make_mailbox(holder, expires_on=add_months(timezone.localdate(), 3))
    quote, _ = quote_then_confirm(holder_client, mailbox)
    assert "Gratuito fino alla scadenza" in quote
    assert Order.objects.get().gross_cents == 0

    later = make_mailbox(holder, expires_on=add_months(timezone.localdate(), 3) + timedelta(days=1))
    quote, _ = quote_then_confirm(holder_client, later, quantity="2")
    assert "€ 6,10" in quote
