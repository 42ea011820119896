"""Every holder page and the login page, as a holder with a full account sees them, in Italian and
English, on a phone (360 px) and a desktop (1280 px): nothing scrolls sideways, buttons and fields
are thumb-sized on the phone, axe-core finds no WCAG 2.1 A/AA violation, form errors are tied to
their fields, and the Nu HTML checker finds no error in the HTML as served.

One browser and one tab per language walk all the pages; the width changes on the loaded page,
and the Nu checker (a JVM, slow to start) reads every saved page in one run."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from mailboxes.models import Mailbox
from tests.factories import PASSWORD

from .conftest import LOGIN_ADDRESS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (360, 1280)
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]}, "resultTypes": ["violations"]}
VNU_JAR = Path(os.environ.get("VNU_JAR") or Path(__file__).resolve().parents[2] / ".cache/vnu/node_modules/vnu-jar/build/dist/vnu.jar")

# On a phone every button, field and page link is thumb-sized: 44 CSS px high, as WCAG 2.5.5 asks.
SMALL_TARGETS = """() => [...document.querySelectorAll('.btn, .page-link, .form-control, .form-select')]
  .filter(el => el.offsetParent !== null && el.getBoundingClientRect().height < 44)
  .map(el => el.outerHTML.slice(0, 80))"""

# Each invalid field must name, in aria-describedby, elements that exist, one of them its error.
UNTIED_ERRORS = """() => [...document.querySelectorAll('.is-invalid')].filter(field => {
  const described = (field.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean)
    .map(id => document.getElementById(id));
  return described.some(el => el === null) || !described.some(el => el.classList.contains('invalid-feedback'));
}).map(field => field.name)"""


class Walk:
    def __init__(self, page, language, html_dir):
        self.page, self.language, self.html_dir = page, language, html_dir
        self.problems = []
        self.axe = Axe()

    def visit(self, name, url):
        response = self.page.goto(url)
        assert response.ok, f"{url}: {response.status}"
        self.check(name, response.text())

    def follow(self, name, selector, *, invalid_fields=False):
        with self.page.expect_navigation() as navigation:
            self.page.locator(selector).first.click()
        response = navigation.value
        assert response.ok, f"{name}: {response.status}"
        if invalid_fields:
            assert self.page.locator(".is-invalid").count(), f"{name}: the form shows no field in error"
        self.check(name, response.text())

    def check(self, name, html):
        where = f"{name} [{self.language}]"
        assert self.page.locator("html").get_attribute("lang") == self.language, where
        (self.html_dir / f"{name}-{self.language}.html").write_text(html)
        if untied := self.page.evaluate(UNTIED_ERRORS):
            self.problems.append(f"{where}: errors not tied to fields {untied}")
        for width in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": 800})
            overflow = self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                self.problems.append(f"{where} at {width} px: {overflow} px wider than the window")
            if width == WIDTHS[0] and (small := self.page.evaluate(SMALL_TARGETS)):
                self.problems.append(f"{where} at {width} px: targets under 44 px {small[:3]}")
            for violation in self.axe.run(self.page, options=AXE_OPTIONS).response["violations"]:
                targets = [node["target"] for node in violation["nodes"]][:3]
                self.problems.append(f"{where} at {width} px: axe {violation['id']} on {targets}")


def walk_every_page(page, language, html_dir):
    walk = Walk(page, language, html_dir)
    page.goto("/login/")
    if language != "it":
        with page.expect_navigation():
            page.locator(f"button[name=language][value={language}]").click()
    walk.visit("login", "/login/")
    walk.visit("addon-compare-public", "/addons/compare/")
    page.goto("/login/")
    page.fill("input[name=username]", LOGIN_ADDRESS)
    walk.follow("login-error", "form[action='/login/'] button[type=submit]")
    page.fill("input[name=username]", LOGIN_ADDRESS)
    page.fill("input[name=password]", PASSWORD)
    walk.follow("dashboard", "form[action='/login/'] button[type=submit]")

    login = Mailbox.objects.get(address=LOGIN_ADDRESS)
    expired = login.holder.mailboxes.get(status=Mailbox.Status.EXPIRED)
    topups = {topup.status: topup.pk for topup in login.holder.topups.all()}
    for name, url in [
        ("profile", "/profile/"),
        ("mailboxes", "/mailboxes/"),
        ("mailboxes-filtered", "/mailboxes/?q=rossi&status=certificata"),
        ("mailbox", f"/mailboxes/{login.pk}/"),
        ("mailbox-expired", f"/mailboxes/{expired.pk}/"),
        ("addon-compare", "/addons/compare/"),
        ("addon-order", f"/mailboxes/{login.pk}/addons/new/"),
        ("topup", "/credit/topup/"),
        ("topup-succeeded", f"/credit/topup/{topups['succeeded']}/"),
        ("topup-failed", f"/credit/topup/{topups['failed']}/"),
        ("topup-card", f"/credit/topup/{topups['pending']}/"),
        ("operations", "/operations/"),
        ("invoices", "/invoices/"),
        ("forecast", "/renewals/forecast/"),
    ]:
        walk.visit(name, url)

    page.goto("/mailboxes/")
    walk.follow("mailboxes-next", "a[rel=next]")

    page.goto(f"/mailboxes/{login.pk}/addons/new/")
    page.select_option("select[name=addon_type]", index=0)
    page.fill("input[name=quantity]", "")
    walk.follow("addon-order-error", "button[data-quote-button]", invalid_fields=True)
    page.fill("input[name=quantity]", "1")
    walk.follow("addon-order-quote", "button[data-quote-button]")

    walk.visit("password", f"/mailboxes/{login.pk}/password/")
    walk.follow("password-error", "form[action$='/password/'] button[type=submit]", invalid_fields=True)

    page.goto("/profile/")
    page.fill("input[name=email]", "non-un-indirizzo")
    page.fill("input[name=postal_code]", "")
    walk.follow("profile-error", "form[action='/profile/'] button[type=submit]", invalid_fields=True)

    page.goto(f"/mailboxes/{login.pk}/")
    walk.follow("cancel-confirm", "[data-testid=cancel-mailbox]")

    page.goto("/mailboxes/")
    page.locator("input[name=mailbox]").nth(0).check()
    page.locator("input[name=mailbox]").nth(1).check()
    walk.follow("bulk-renew", "[data-testid=bulk-renew]")
    page.goto("/mailboxes/")
    page.locator("input[name=mailbox]").nth(0).check()
    walk.follow("bulk-addon-choice", "[data-testid=bulk-addon-order]")
    walk.follow("bulk-addon-quote", "[data-testid=bulk-order-quote]")
    return walk


def nu_checker_errors(html_dir):
    """The Nu checker's errors over every saved page, in one JVM."""
    if not VNU_JAR.is_file():
        pytest.fail(f"Nu HTML checker not found at {VNU_JAR}: scripts/test.sh installs it (npm vnu-jar)")
    if shutil.which("java") is None:
        pytest.fail("java not found: the Nu HTML checker needs it (scripts/test.sh installs it)")
    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *sorted(map(str, html_dir.glob("*.html")))],
        capture_output=True, text=True, check=False,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    return [f"{Path(message.get('url', '')).name}:{message.get('lastLine')}: {message['message']}"
            f" [{message.get('extract', '').strip()}]" for message in messages]


def test_every_page_fits_a_phone_passes_axe_and_the_nu_checker(chromium, live_server, busy_holder,
                                                               stripe_unreachable, tmp_path):
    problems = []
    for language in ("it", "en"):
        context = chromium.new_context(base_url=live_server.url, locale=f"{language}-IT",
                                       viewport={"width": WIDTHS[-1], "height": 800})
        context.set_default_timeout(15_000)
        # Stripe.js is Stripe's page to check, not ours, and the tests run offline.
        context.route("https://js.stripe.com/**", lambda route: route.abort())
        try:
            problems += walk_every_page(context.new_page(), language, tmp_path).problems
        finally:
            context.close()
    problems += nu_checker_errors(tmp_path)
    assert not problems, "\n".join(problems)
