import re

import pytest
from playwright.sync_api import expect

from addons.models import Order
from tests.browser_fixtures import browser_log_in
from tests.factories import make_holder, make_mailbox

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seeded")]


def test_a_holder_with_enough_credit_orders_3_gb_and_sees_the_new_space(page):
    holder = make_holder(credit_cents=2000)
    mailbox = make_mailbox(holder, address="mario.rossi@pec.ording.roma.it")
    browser_log_in(page, mailbox.address)

    page.goto(f"/mailboxes/{mailbox.pk}/")
    page.get_by_role("link", name="Nuovo Servizio Aggiuntivo >>").click()
    page.wait_for_url(f"**/mailboxes/{mailbox.pk}/addons/new/")
    expect(page.get_by_test_id("quote-gross")).to_have_text("€ 6,10")  # 1 GB, 2 years: the first choice priced on arrival

    page.select_option("select[name=addon_type]", "inbox_extra")
    page.fill("input[name=quantity]", "3")
    expect(page.get_by_test_id("quote-gross")).to_have_text("€ 18,30")  # updated live by addon_quote.js
    expect(page.get_by_test_id("quote-terms")).to_contain_text("2 anni, fino alla scadenza del")
    page.get_by_test_id("confirm").click()

    page.wait_for_url(f"**/mailboxes/{mailbox.pk}/")
    expect(page.get_by_role("alert")).to_contain_text("Ordine completato")
    expect(page.get_by_test_id("mailbox-inbox")).to_have_text("1 GB base + 3 GB extra")
    expect(page.get_by_test_id("addon-row")).to_contain_text("Spazio extra inbox")
    expect(page.get_by_test_id("menu-balance")).to_have_text("€ 1,70")


def test_a_holder_short_of_credit_tops_up_exactly_the_shortfall_and_the_order_completes(page, stripe_webhook):
    # This leg runs through the billing app's top-up page and localstripe's test card.
    holder = make_holder(credit_cents=1500)
    mailbox = make_mailbox(holder, address="mario.rossi@pec.ording.roma.it")
    browser_log_in(page, mailbox.address)

    page.goto(f"/mailboxes/{mailbox.pk}/addons/new/")
    page.fill("input[name=quantity]", "3")
    expect(page.get_by_test_id("quote-gross")).to_have_text("€ 18,30")
    page.get_by_test_id("confirm").click()

    page.wait_for_url("**/credit/topup/?amount=3,30")
    expect(page.get_by_role("alert").first).to_contain_text("in attesa di pagamento")
    assert page.input_value("input[name=amount]") == "3,30"  # under the 5 € minimum: it is the shortfall
    page.locator("form.card button[type=submit]").click()
    page.wait_for_url(re.compile(r"/credit/topup/\d+/$"))
    expect(page.get_by_test_id("topup-balance")).to_have_text("€ 0,00", timeout=10_000)

    page.goto(f"/mailboxes/{mailbox.pk}/")
    expect(page.get_by_test_id("mailbox-inbox")).to_have_text("1 GB base + 3 GB extra")
    expect(page.get_by_test_id("addon-row")).to_contain_text("Attivo")
    page.goto("/operations/")
    expect(page.get_by_test_id("operations")).to_contain_text("Spazio extra inbox 3 GB")
    assert Order.objects.get().status == Order.Status.COMPLETED
