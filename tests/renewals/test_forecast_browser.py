import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser_fixtures import browser_log_in
from tests.factories import make_holder, make_mailbox

from .conftest import make_addon

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seeded")]


def test_a_holder_tops_up_the_90_day_need_from_the_forecast_and_every_row_is_then_covered(page, stripe_webhook):
    today = timezone.localdate()
    holder = make_holder(credit_cents=500)
    mailbox = make_mailbox(holder, address="mario.rossi@pec.ording.roma.it", expires_on=today + timedelta(days=20))
    make_addon(mailbox, quantity=2)  # 6,10 + 6,10 in 20 days
    make_mailbox(holder, address="studio.rossi@pec.ording.roma.it", plan="pro", expires_on=today + timedelta(days=70))
    browser_log_in(page, mailbox.address)

    page.get_by_role("link", name="Previsione rinnovi").click()
    page.wait_for_url("**/renewals/forecast/")
    expect(page.get_by_test_id("forecast-row")).to_have_count(3)
    expect(page.get_by_test_id("topup-need-90")).to_contain_text("mancano € 37,70")  # 42,70 due, 5,00 held
    page.get_by_test_id("topup-90").click()

    page.wait_for_url("**/credit/topup/?amount=37,70")
    assert page.input_value("input[name=amount]") == "37,70"
    page.locator("form.card button[type=submit]").click()
    page.wait_for_url(re.compile(r"/credit/topup/\d+/$"))
    expect(page.get_by_test_id("topup-balance")).to_have_text("€ 42,70", timeout=10_000)

    page.goto("/renewals/forecast/")
    expect(page.get_by_test_id("credit-runs-out")).to_have_text("Il credito copre tutti i rinnovi dei prossimi 12 mesi.")
    expect(page.get_by_test_id("topup-90")).to_have_count(0)
    expect(page.locator("text=Non coperto")).to_have_count(0)
