"""In Chromium: a holder short of credit orders an add-on for every mailbox matching the list's
filter, sees the price bands, confirms, tops up exactly the shortfall with localstripe's test card,
and the order completes by itself."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Operation
from addons.models import Addon, Order
from billing.models import LedgerEntry, TopUp, Wallet
from invoices.models import Invoice
from mailboxes.models import Mailbox
from tests.browser_fixtures import browser_log_in
from tests.factories import make_holder, make_mailbox, make_mailboxes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seeded")]

# Days to expiry of the five mailboxes the filter matches: one free (under three months), three for
# one year, one for two. 2 GB of inbox_extra at € 2,50 a GB a year: € 5,00 net a mailbox a year.
EXPIRY_DAYS = [60, 200, 250, 300, 500]
NET = 3 * 500 + 1000
GROSS = 3050  # IVA once on the net total: 2500 + 550
CREDIT = 1000
SHORTFALL = GROSS - CREDIT


def test_an_order_over_all_matching_mailboxes_waits_for_the_shortfall_then_completes(page, stripe_webhook):
    holder = make_holder(credit_cents=CREDIT)
    login = make_mailbox(holder, address="mario.rossi@pec.ording.roma.it")
    selected = make_mailboxes(holder, len(EXPIRY_DAYS))
    today = timezone.localdate()
    for mailbox, days in zip(selected, EXPIRY_DAYS, strict=True):
        Mailbox.objects.filter(pk=mailbox.pk).update(expires_on=today + timedelta(days=days))
    browser_log_in(page, login.address)

    page.goto("/mailboxes/?q=massiva")
    page.get_by_test_id("select-all-matching").check()
    expect(page.get_by_text("Seleziona tutte le 5 caselle che corrispondono al filtro")).to_be_visible()
    page.get_by_test_id("bulk-addon-order").click()

    page.wait_for_url("**/mailboxes/bulk/addons/new/")
    expect(page.get_by_text("5 caselle selezionate")).to_be_visible()
    page.select_option("select[name=addon_type]", "inbox_extra")
    page.fill("input[name=quantity]", "2")
    page.get_by_test_id("bulk-order-quote").click()

    expect(page.get_by_test_id("bulk-order-summary")).to_contain_text("Spazio extra inbox 2 GB · 5 caselle")
    bands = page.get_by_test_id("bulk-order-bands").locator("tbody tr")
    expect(bands).to_have_count(3)
    expect(bands.nth(0)).to_have_text(re.compile(r"gratuito: meno di tre mesi alla scadenza\s*1\s*€ 0,00"))
    expect(bands.nth(1)).to_have_text(re.compile(r"1 anno\s*3\s*€ 6,10"))
    expect(bands.nth(2)).to_have_text(re.compile(r"2 anni\s*1\s*€ 12,20"))
    expect(page.get_by_test_id("bulk-order-total")).to_have_text("€ 30,50")
    expect(page.get_by_test_id("bulk-order-shortfall")).to_contain_text("mancano € 20,50")
    assert not Order.objects.exists()
    page.get_by_test_id("bulk-order-confirm").click()

    page.wait_for_url("**/credit/topup/?amount=20,50")
    order = Order.objects.get()
    expect(page.get_by_role("alert").first).to_contain_text(
        f"l'ordine n. {order.pk} è in attesa di pagamento. Ricarica € 20,50")
    assert (order.status, order.gross_cents, order.lines.count()) == (Order.Status.PENDING, GROSS, 5)
    assert not Addon.objects.exists() and Wallet.objects.get(holder=holder).balance_cents == CREDIT
    assert page.input_value("input[name=amount]") == "20,50"
    page.locator("form.card button[type=submit]").click()
    page.wait_for_url(re.compile(r"/credit/topup/\d+/$"))
    expect(page.get_by_test_id("topup-balance")).to_have_text("€ 0,00", timeout=10_000)

    page.goto("/operations/")
    operations = page.get_by_test_id("operations")
    expect(operations).to_contain_text(f"Ordine n. {order.pk}: Spazio extra inbox 2 GB su 5 caselle")
    expect(operations.locator("tr", has_text=f"Ordine n. {order.pk}")).to_contain_text("Completato")
    page.goto(f"/mailboxes/{selected[-1].pk}/")
    expect(page.get_by_test_id("addon-row")).to_contain_text("Spazio extra inbox")

    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert TopUp.objects.get().amount_cents == SHORTFALL
    assert list(LedgerEntry.objects.filter(kind=LedgerEntry.Kind.ORDER).values_list("amount_cents", "reference")) == [
        (-GROSS, f"order:{order.pk}")]
    invoice = Invoice.objects.get()
    assert (invoice.reference, invoice.net_cents, invoice.gross_cents, invoice.lines.count()) == (
        f"order:{order.pk}", NET, GROSS, 4)  # the free mailbox gets the add-on without a line
    addons = Addon.objects.filter(order=order)
    assert sorted(addons.values_list("mailbox_id", flat=True)) == sorted(m.pk for m in selected)
    assert all(addon.expires_on == addon.mailbox.expires_on for addon in addons.select_related("mailbox"))
    assert Mailbox.objects.filter(pk__in=[m.pk for m in selected], inbox_extra_gb=2).count() == 5
    assert not Addon.objects.filter(mailbox=login).exists()
    assert Wallet.objects.get(holder=holder).balance_cents == CREDIT + SHORTFALL - GROSS == 0
    assert Operation.objects.get(kind=Operation.Kind.ORDER).outcome == Operation.Outcome.COMPLETED
