import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MENU_LINK = "#portal-menu a[href='/operations/']"


def open_tab(chromium, live_server, mailbox, *, width, javascript=True):
    context = chromium.new_context(base_url=live_server.url, locale="it-IT", java_script_enabled=javascript,
                                   viewport={"width": width, "height": 740})
    page = context.new_page()
    page.goto("/login/")
    page.fill("input[name=username]", mailbox.address)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form[action='/login/'] button[type=submit]")
    return context, page


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_on_a_phone_the_menu_folds_behind_its_toggle_and_still_opens(chromium, live_server, mailbox, javascript):
    context, page = open_tab(chromium, live_server, mailbox, width=360, javascript=javascript)
    try:
        expect(page.locator(MENU_LINK)).to_be_hidden()
        expect(page.get_by_test_id("menu-balance")).to_be_visible()
        expect(page.locator("button[name=language][value=en]")).to_be_in_viewport(ratio=1)
        page.locator("[data-portal-toggle]").click()
        expect(page.locator(MENU_LINK)).to_be_visible()
        if javascript:
            expect(page.locator("[data-portal-toggle]")).to_have_attribute("aria-expanded", "true")
            page.locator("[data-portal-toggle]").press(" ")
            expect(page.locator(MENU_LINK)).to_be_hidden()
            expect(page.locator("[data-portal-toggle]")).to_have_attribute("aria-expanded", "false")
        else:
            page.locator(MENU_LINK).click()
            page.wait_for_url("**/operations/")
    finally:
        context.close()


def test_on_a_desktop_the_menu_is_open_and_the_toggle_hidden(chromium, live_server, mailbox):
    context, page = open_tab(chromium, live_server, mailbox, width=1280)
    try:
        expect(page.locator(MENU_LINK)).to_be_visible()
        expect(page.locator("[data-portal-toggle]")).to_be_hidden()
    finally:
        context.close()


def test_the_first_tab_shows_a_link_that_skips_to_the_content(chromium, live_server, mailbox):
    context, page = open_tab(chromium, live_server, mailbox, width=360)
    try:
        page.keyboard.press("Tab")
        skip = page.locator(":focus")
        expect(skip).to_have_text("Vai al contenuto")
        expect(skip).to_be_in_viewport()
        page.keyboard.press("Enter")
        page.wait_for_url("**/#content")
        page.keyboard.press("Tab")
        # The next stop is inside the page's own content, past the header and the menu.
        assert page.evaluate("document.activeElement.closest('main') !== null")
    finally:
        context.close()
