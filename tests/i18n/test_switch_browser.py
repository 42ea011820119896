import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import browser_log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_en_button_turns_the_page_into_english_and_stays_on_it(page, mailbox):
    browser_log_in(page, mailbox.address)
    page.goto("/mailboxes/")
    assert page.locator("h1").inner_text() == "Lista caselle PEC"

    page.get_by_role("button", name="EN").click()

    # The switch is a plain form post that redirects back, so the heading changes on the same URL.
    expect(page.locator("h1")).to_have_text("PEC mailbox list")
    assert page.url.endswith("/mailboxes/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "signed in as:" in page.locator("header").inner_text()
