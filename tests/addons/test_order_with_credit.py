from django.contrib.messages import get_messages

from accounts.models import Operation
from addons.models import Addon, AddonType, Order
from billing.models import LedgerEntry, Wallet
from invoices.models import Invoice
from mailboxes.models import ProvisioningRequest
from tests.factories import make_mailbox

from .conftest import give_credit, order_url, quote_then_confirm


def test_the_quote_shows_net_vat_gross_and_the_years_before_confirming(funded_client, mailbox):
    quote, _ = quote_then_confirm(funded_client, mailbox)
    assert "€ 15,00" in quote
    assert "€ 3,30" in quote
    assert "€ 18,30" in quote
    assert "2 anni, fino alla scadenza del" in quote
    assert "si rinnova con la casella" in quote
    assert 'name="confirm" value="1"' in quote


def test_the_quote_alone_changes_nothing(funded_client, mailbox, holder):
    quote_page = funded_client.get(order_url(mailbox)).content.decode()
    assert "Acquista nuovo Servizio Aggiuntivo" in quote_page
    funded_client.post(order_url(mailbox), {"addon_type": "inbox_extra", "quantity": "3"})
    assert not Order.objects.exists()
    assert Wallet.objects.get(holder=holder).balance_cents == 2000


def test_with_enough_credit_the_order_completes_at_once(funded_client, mailbox, holder):
    _, response = quote_then_confirm(funded_client, mailbox)

    assert response.status_code == 302
    assert response.url == f"/mailboxes/{mailbox.pk}/"
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Ordine completato"]
    order = Order.objects.get()
    assert (order.status, order.years, order.gross_cents, order.unit_price_cents) == ("completed", 2, 1830, 250)
    assert Wallet.objects.get(holder=holder).balance_cents == 170
    entry = LedgerEntry.objects.get(reference=f"order:{order.pk}")
    assert (entry.kind, entry.amount_cents) == (LedgerEntry.Kind.ORDER, -1830)
    addon = Addon.objects.get()
    assert (addon.quantity, addon.status, addon.expires_on) == (3, "active", mailbox.expires_on)
    operation = Operation.objects.get(reference=f"order:{order.pk}")
    assert (operation.kind, operation.outcome, operation.amount_cents) == ("order", "completed", -1830)
    quota = ProvisioningRequest.objects.get(mailbox=mailbox, action="quota")
    assert quota.payload["inbox_gb"] == 4


def test_the_mailbox_page_then_shows_the_new_space_and_the_addon(funded_client, mailbox):
    quote_then_confirm(funded_client, mailbox)
    page = funded_client.get(f"/mailboxes/{mailbox.pk}/").content.decode()
    assert "1 GB base + 3 GB extra" in page
    assert "Ordine completato" in page
    assert "Spazio extra inbox" in page
    assert "Attivo" in page
    assert mailbox.expires_on.strftime("%d/%m/%Y") in page
    assert "Non è stato trovato nessun elemento." not in page


def test_archive_space_is_added_to_the_archive_of_a_pro_mailbox(holder_client, holder):
    give_credit(holder, 5000)
    pro = make_mailbox(holder, plan="pro")
    quote_then_confirm(holder_client, pro, addon_type="archive_extra", quantity="2")
    pro.refresh_from_db()
    assert pro.archive_extra_gb == 2
    assert pro.inbox_extra_gb == 0
    # 2 GB × 3,00 € × 2 years = 12,00 € + 2,64 € IVA
    assert Wallet.objects.get(holder=holder).balance_cents == 5000 - 1464


def test_the_price_is_fixed_in_the_order_when_the_catalogue_changes_later(funded_client, mailbox):
    quote_then_confirm(funded_client, mailbox)
    AddonType.objects.filter(code="inbox_extra").update(yearly_unit_price_cents=999)
    order = Order.objects.get()
    assert (order.unit_price_cents, order.gross_cents) == (250, 1830)


def test_the_operations_log_shows_the_order_completato(funded_client, mailbox):
    quote_then_confirm(funded_client, mailbox)
    page = funded_client.get("/operations/?type=order").content.decode()
    assert "Ordine n. " in page
    assert "Spazio extra inbox 3 GB, 2 anni fino al" in page
    assert "-€ 18,30" in page
    assert "Completato" in page


def test_a_paid_order_is_invoiced_in_the_same_transaction(funded_client, mailbox, holder):
    quote_then_confirm(funded_client, mailbox)
    order = Order.objects.get()
    invoice = Invoice.objects.get(reference=f"order:{order.pk}")
    assert (invoice.holder_id, invoice.net_cents, invoice.vat_cents, invoice.gross_cents) == (holder.pk, 1500, 330, 1830)
    line = invoice.lines.get()
    assert (line.quantity, line.unit_price_cents, line.net_cents) == (3, 500, 1500)
    assert (line.mailbox_address, line.period_end) == (mailbox.address, mailbox.expires_on)
