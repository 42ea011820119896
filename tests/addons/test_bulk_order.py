"""One add-on order over a selection of Lista caselle PEC: each mailbox priced by its own expiry,
exclusions, one payment, the shortfall path, resubmission, stale orders, the dispute freeze, a
renewal night between quote and confirm, queries that do not grow with the selection, and a valid
FatturaPA invoice."""

import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Operation
from addons.models import Addon, Order, OrderLine
from addons.services import order_fulfil, orders_cancel_stale
from billing.hooks import pending_shortfall_cents
from billing.models import LedgerEntry, Wallet
from invoices.fatturapa import invoice_xml, xml_errors
from invoices.models import Invoice
from invoices.selectors import invoices_for_export
from mailboxes.models import Mailbox, ProvisioningRequest
from renewals.models import RenewalCharge
from renewals.night import renewals_run
from tests.factories import make_holder, make_mailbox, make_mailboxes
from tests.invoices.a38_check import a38_errors

from .conftest import give_credit
from .test_order_without_credit import land_topup

URL = "/mailboxes/bulk/addons/new/"
ALL = {"all": "1", "q": "", "status": ""}
# inbox_extra at € 2,50 a GB a year, 2 GB: € 5,00 net a mailbox a year, € 6,10 with IVA.
CHOICE = {"addon_type": "inbox_extra", "quantity": "2"}
# Two mailboxes for 1 year, one for 2 years, one free: IVA once on the net total.
MIXED_NET = 500 + 500 + 1000
MIXED_GROSS = 2440


@pytest.fixture
def mixed(holder, mailbox):
    """Four mailboxes the order covers, at three prices, and two it leaves out."""
    today = timezone.localdate()
    Mailbox.objects.filter(pk=mailbox.pk).update(expires_on=today + timedelta(days=60))  # free
    make_mailbox(holder, address="uno@pec.example.it", expires_on=today + timedelta(days=200))
    make_mailbox(holder, address="due@pec.example.it", expires_on=today + timedelta(days=300))
    make_mailbox(holder, address="lunga@pec.example.it", expires_on=today + timedelta(days=500))
    make_mailbox(holder, address="sospesa@pec.example.it", status=Mailbox.Status.SUSPENDED)
    make_mailbox(holder, address="disdetta@pec.example.it", cancelled_on=today)
    return holder


def hidden(html):
    return dict(re.findall(r'<input type="hidden" name="(order_key|quoted_gross_cents)" value="([^"]*)"', html))


def quote(client, selection=ALL, **choice):
    return client.post(URL, {**selection, **(choice or CHOICE)})


def confirm(client, selection=ALL, **choice):
    page = quote(client, selection, **choice).content.decode()
    return client.post(URL, {**selection, **(choice or CHOICE), **hidden(page), "confirm": "1"}, follow=True)


def test_without_a_choice_the_page_asks_for_the_add_on_and_keeps_the_selection(holder_client, mixed):
    html = holder_client.post(URL, ALL).content.decode()

    assert "6 caselle selezionate" in html and 'name="addon_type"' in html and 'name="all" value="1"' in html
    assert not Order.objects.exists()


def test_the_quote_prices_each_mailbox_by_its_own_expiry_in_bands(holder_client, mixed):
    html = quote(holder_client).content.decode()

    bands = re.findall(r"<tr><td>([^<]+)</td>\s*<td class=\"text-end\">(\d+)</td><td class=\"text-end\">([^<]+)</td>",
                       html)
    assert bands == [("gratuito: meno di tre mesi alla scadenza", "1", "€ 0,00"), ("1 anno", "2", "€ 6,10"),
                     ("2 anni", "1", "€ 12,20")]
    assert 'data-testid="bulk-order-total">€ 24,40<' in html
    assert f'name="quoted_gross_cents" value="{MIXED_GROSS}"' in html
    assert "4 caselle" in html and "2 escluse" in html
    assert "sospesa@pec.example.it: non certificata (stato: Sospesa)" in html
    assert "disdetta@pec.example.it: disdetta il" in html
    assert not Order.objects.exists()


def test_a_mailbox_whose_plan_does_not_sell_the_add_on_is_excluded_with_why(holder_client, holder, mailbox):
    make_mailbox(holder, address="pro@pec.example.it", plan="pro")

    html = quote(holder_client, addon_type="archive_extra", quantity="1").content.decode()

    assert "mario.rossi@pec.ording.roma.it: Spazio archivio non è disponibile per le caselle Standard" in html
    assert "1 casella" in html and "1 esclusa" in html


def test_hundreds_of_exclusions_list_the_first_hundred_and_count_the_rest(holder_client, holder, mailbox):
    make_mailboxes(holder, 104)  # with the fixture's, 105 Standard mailboxes: archive is not sold for them
    make_mailbox(holder, address="pro@pec.example.it", plan="pro")

    html = quote(holder_client, addon_type="archive_extra", quantity="1").content.decode()

    assert "105 escluse" in html
    assert html.count("non è disponibile per le caselle Standard") == 100
    assert "… e altre 5 escluse" in html


def test_an_unknown_add_on_or_quantity_is_refused_in_italian(holder_client, mixed):
    assert "Servizio Aggiuntivo sconosciuto" in quote(holder_client, addon_type="nope", quantity="1").content.decode()
    assert "La quantità deve essere" in quote(holder_client, addon_type="inbox_extra", quantity="99").content.decode()
    assert not Order.objects.exists()


def test_with_credit_one_order_one_debit_one_invoice_one_operation(holder_client, mixed):
    give_credit(mixed, 3000)

    response = confirm(holder_client)

    assert "completato" in response.content.decode()
    order = Order.objects.get()
    assert (order.status, order.mailbox_id, order.gross_cents, order.net_cents) == (
        Order.Status.COMPLETED, None, MIXED_GROSS, MIXED_NET)
    assert sorted((line.mailbox.address, line.years, line.net_cents) for line in order.lines.all()) == [
        ("due@pec.example.it", 1, 500), ("lunga@pec.example.it", 2, 1000),
        ("mario.rossi@pec.ording.roma.it", 0, 0), ("uno@pec.example.it", 1, 500)]
    addons = Addon.objects.filter(order=order).select_related("mailbox")
    assert all(addon.expires_on == addon.mailbox.expires_on for addon in addons) and addons.count() == 4
    assert sorted(Mailbox.objects.filter(inbox_extra_gb=2).values_list("address", flat=True)) == [
        "due@pec.example.it", "lunga@pec.example.it", "mario.rossi@pec.ording.roma.it", "uno@pec.example.it"]
    assert ProvisioningRequest.objects.filter(action="quota").count() == 4
    assert list(LedgerEntry.objects.filter(kind=LedgerEntry.Kind.ORDER).values_list("amount_cents", flat=True)) == [
        -MIXED_GROSS]
    assert Wallet.objects.get(holder=mixed).balance_cents == 3000 - MIXED_GROSS
    invoice = Invoice.objects.get()
    assert invoice.gross_cents == MIXED_GROSS
    assert sorted((line.mailbox_address, line.unit, line.quantity, line.net_cents) for line in invoice.lines.all()) == [
        ("due@pec.example.it", "GB", 2, 500), ("lunga@pec.example.it", "GB", 2, 1000),
        ("uno@pec.example.it", "GB", 2, 500)]
    operation = Operation.objects.get(kind=Operation.Kind.ORDER)
    assert (operation.outcome, operation.amount_cents) == (Operation.Outcome.COMPLETED, -MIXED_GROSS)
    assert "su 4 caselle" in operation.description


def test_the_invoice_is_valid_fatturapa(holder_client, mixed):
    give_credit(mixed, 3000)
    confirm(holder_client)

    document = invoice_xml(invoices_for_export().get(reference=f"order:{Order.objects.get().pk}"))

    assert xml_errors(document) == []
    assert a38_errors(document) == []


def test_resubmitting_the_confirmed_form_places_one_order(holder_client, mixed):
    give_credit(mixed, 5000)
    page = quote(holder_client).content.decode()
    form = {**ALL, **CHOICE, **hidden(page), "confirm": "1"}

    holder_client.post(URL, form)
    again = holder_client.post(URL, form, follow=True)

    assert "già stato inviato" in again.content.decode()
    assert Order.objects.count() == 1 and Invoice.objects.count() == 1
    assert Wallet.objects.get(holder=mixed).balance_cents == 5000 - MIXED_GROSS


def test_short_of_credit_the_order_waits_for_the_shortfall_and_completes_when_it_lands(holder_client, mixed):
    give_credit(mixed, 1000)

    response = confirm(holder_client)

    assert response.redirect_chain[-1][0] == "/credit/topup/?amount=14,40"
    order = Order.objects.get()
    assert order.status == Order.Status.PENDING and not Addon.objects.exists() and not Invoice.objects.exists()
    assert pending_shortfall_cents(holder_id=mixed.pk) == MIXED_GROSS - 1000
    assert Operation.objects.get(kind=Operation.Kind.ORDER).outcome == Operation.Outcome.PENDING

    land_topup(mixed, MIXED_GROSS - 1000, "topup:pi_bulk")

    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert Addon.objects.filter(order=order).count() == 4 and Invoice.objects.count() == 1
    assert Wallet.objects.get(holder=mixed).balance_cents == 0
    assert Operation.objects.get(kind=Operation.Kind.ORDER).outcome == Operation.Outcome.COMPLETED


def test_a_pending_order_whose_mailbox_changed_is_cancelled_not_completed(holder_client, mixed):
    confirm(holder_client)
    Mailbox.objects.filter(address="uno@pec.example.it").update(expires_on=timezone.localdate() + timedelta(days=565))

    land_topup(mixed, MIXED_GROSS, "topup:pi_changed")

    assert Order.objects.get().status == Order.Status.CANCELLED and not Addon.objects.exists()
    assert Wallet.objects.get(holder=mixed).balance_cents == MIXED_GROSS


def test_a_pending_order_older_than_72_hours_is_cancelled_and_never_completes(holder_client, mixed):
    confirm(holder_client)
    order = Order.objects.get()
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(hours=73))

    assert [stale.pk for stale in orders_cancel_stale()] == [order.pk]
    give_credit(mixed, 5000)
    assert order_fulfil(order_id=order.pk).status == Order.Status.CANCELLED
    assert not Addon.objects.exists() and not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.ORDER).exists()
    assert Operation.objects.get(kind=Operation.Kind.ORDER).outcome == Operation.Outcome.CANCELLED


def test_a_dispute_freeze_refuses_the_order(holder_client, mixed):
    give_credit(mixed, 5000)
    Wallet.objects.filter(holder=mixed).update(spending_frozen=True)

    html = confirm(holder_client).content.decode()

    assert "Il credito è bloccato" in html
    assert not Order.objects.exists() and Wallet.objects.get(holder=mixed).balance_cents == 5000


def test_a_changed_price_asks_to_confirm_the_new_total(holder_client, mixed):
    give_credit(mixed, 5000)
    page = quote(holder_client).content.decode()
    form = {**ALL, **CHOICE, **hidden(page), "confirm": "1", "quoted_gross_cents": "1"}

    html = holder_client.post(URL, form).content.decode()

    assert "Il prezzo è cambiato" in html and f'name="quoted_gross_cents" value="{MIXED_GROSS}"' in html
    assert not Order.objects.exists()


def test_another_holders_mailboxes_are_never_ordered(holder_client, mixed):
    stranger = make_mailbox(make_holder(), address="altro@pec.example.it")
    give_credit(mixed, 5000)

    response = holder_client.post(URL, {"mailbox": [str(stranger.pk)], **CHOICE, "confirm": "1",
                                        "order_key": str(uuid.uuid4()), "quoted_gross_cents": "610"}, follow=True)

    assert "Nessuna casella selezionata" in response.content.decode()
    assert not OrderLine.objects.exists() and not Order.objects.exists()


def _queries(client, holder, count):
    mailboxes = make_mailboxes(holder, count)
    Mailbox.objects.filter(pk__in=[m.pk for m in mailboxes]).update(
        expires_on=timezone.localdate() + timedelta(days=200))
    selection = {"mailbox": [str(m.pk) for m in mailboxes]}
    key = str(uuid.uuid4())
    with CaptureQueriesContext(connection) as quoted:
        assert quote(client, selection).status_code == 200
    with CaptureQueriesContext(connection) as placed:
        client.post(URL, {**selection, **CHOICE, "order_key": key, "quoted_gross_cents": 610 * count,
                          "confirm": "1"})
    assert Order.objects.get(order_key=key).status == Order.Status.COMPLETED
    assert Addon.objects.filter(mailbox__in=mailboxes).count() == count
    return len(quoted), len(placed)


def test_the_queries_do_not_grow_with_the_number_of_mailboxes(holder_client, holder):
    give_credit(holder, 100_000)

    assert _queries(holder_client, holder, 3) == _queries(holder_client, holder, 30)


def test_a_mailbox_the_night_renews_between_quote_and_confirm_is_priced_anew_and_charged_once(holder_client, mixed):
    today = timezone.localdate()
    due = make_mailbox(mixed, address="oggi@pec.example.it", expires_on=today, auto_renew=True)
    give_credit(mixed, 10_000)
    page = quote(holder_client).content.decode()
    assert f'name="quoted_gross_cents" value="{MIXED_GROSS}"' in page  # due's add-on is free today

    renewals_run(on_date=today)
    stale = holder_client.post(URL, {**ALL, **CHOICE, **hidden(page), "confirm": "1"}).content.decode()
    renewed_gross = MIXED_GROSS + 610  # a year of the add-on, up to the renewed expiry
    assert "Il prezzo è cambiato" in stale and f'name="quoted_gross_cents" value="{renewed_gross}"' in stale
    holder_client.post(URL, {**ALL, **CHOICE, **hidden(stale), "confirm": "1"})

    assert RenewalCharge.objects.filter(mailbox=due).count() == 1
    line = OrderLine.objects.get(mailbox=due)
    due.refresh_from_db()
    assert (line.years, line.ends_on) == (1, due.expires_on)
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.ORDER).count() == 1
