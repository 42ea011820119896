import re

import pytest

from billing.models import TopUp
from tests.browser_fixtures import browser_log_in
from tests.factories import make_holder, make_mailbox

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def logged_in(page):
    mailbox = make_mailbox(make_holder(credit_cents=848), address="mario.rossi@pec.ording.roma.it")
    browser_log_in(page, mailbox.address)
    return page


def _top_up_ten_euros(page):
    page.goto("/credit/topup/")
    assert page.get_by_test_id("test-mode").is_visible()
    page.click("a.topup-preset[data-amount='10']")
    assert page.input_value("input[name=amount]") == "10"
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/credit/topup/\d+/$"))


def test_a_holder_tops_up_ten_euros_with_the_test_card_and_sees_the_new_balance(logged_in, stripe_webhook):
    page = logged_in
    _top_up_ten_euros(page)
    assert page.get_by_test_id("topup-balance").inner_text() == "€ 18,48"
    assert page.get_by_test_id("menu-balance").inner_text() == "€ 18,48"
    page.goto("/operations/")
    assert "Ricarica con carta" in page.content()
    assert "Completato" in page.get_by_test_id("operations").inner_text()


def test_the_return_page_updates_by_itself_when_the_webhook_lands(logged_in, stripe_webhook, monkeypatch):
    # Only the webhook may credit here: the page must notice without a reload.
    monkeypatch.setattr("billing.views.topup_sync", lambda *, topup: topup)
    page = logged_in
    _top_up_ten_euros(page)
    balance = page.get_by_test_id("topup-balance")
    balance.wait_for(state="visible", timeout=10_000)
    assert balance.inner_text() == "€ 18,48"
    assert page.get_by_test_id("topup-processing").is_hidden()
    assert TopUp.objects.get().status == TopUp.Status.SUCCEEDED


@pytest.mark.parametrize("answer, expected", [
    ("Complete authentication", "€ 18,48"),
    ("Fail authentication", "€ 8,48"),
])
def test_a_3d_secure_card_is_confirmed_in_the_browser_with_stripe_js(logged_in, stripe_webhook, answer, expected):
    page = logged_in
    page.goto("/credit/topup/")
    page.fill("input[name=amount]", "10")
    page.check("input[name=test_card][value='3ds']")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/credit/topup/\d+/$"))
    page.click("#card-form button[type=submit]")
    page.click(f"button:has-text('{answer}')")  # localstripe's stand-in for the bank's 3-D Secure page
    if answer.startswith("Complete"):
        page.get_by_test_id("topup-balance").wait_for(state="visible")
        assert page.get_by_test_id("topup-balance").inner_text() == expected
    else:
        page.get_by_test_id("topup-failed").wait_for(state="visible")
        assert page.get_by_test_id("menu-balance").inner_text() == expected
