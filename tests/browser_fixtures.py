"""Headless Debian Chromium driven by Playwright against a live test server."""

import os

import pytest

from tests.factories import PASSWORD

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# Playwright's sync API keeps an event loop on the test thread; the ORM calls the tests make
# next to it are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, locale="it-IT")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def browser_log_in(page, address, password=PASSWORD):
    """Signs in on /login/ as a holder's browser does and waits for the dashboard."""
    page.goto("/login/")
    page.fill("input[name=username]", address)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
