"""The invitation and revocation of a delegated user, in headless Chromium: the holder invites,
the person opens the e-mailed link, sets a password, enrols TOTP with the key the page shows
(the code computed from it as an authenticator app does), logs in; the holder revokes and the
person's open page is signed out on the next click."""

import re
from base64 import b32decode
from urllib.parse import urlsplit

import pytest
from django.core import mail

from tests.browser_fixtures import browser_log_in
from tests.factories import totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERSON = "segreteria@example.it"
PERSON_PASSWORD = "Segreteria-Ordine-2026"


class Key:
    def __init__(self, text):
        self.bin_key, self.step, self.t0, self.digits, self.drift = b32decode(text), 30, 0, 6, 0


def test_a_holder_invites_a_person_who_enrols_and_logs_in_then_is_revoked(page, chromium, live_server, mailbox):
    browser_log_in(page, mailbox.address)
    page.goto("/profile/")
    users = page.get_by_test_id("users-section")
    users.locator("input[name=email]").fill(PERSON)
    users.locator("select[name=role]").select_option("tecnico")
    users.get_by_role("button", name="Invita").click()
    page.wait_for_url("**/profile/")
    assert "Invito inviato" in page.content()

    link = re.search(r"http://\S+/invitation/\S+/", mail.outbox[-1].body).group(0)
    context = chromium.new_context(base_url=live_server.url, locale="it-IT")
    try:
        person_enrols_logs_in_and_is_revoked(page, context.new_page(), live_server, link, mailbox)
    finally:
        context.close()


def person_enrols_logs_in_and_is_revoked(page, person, live_server, link, mailbox):
    person.set_default_timeout(15_000)
    person.goto(urlsplit(link).path)
    person.fill("input[name=new_password1]", PERSON_PASSWORD)
    person.fill("input[name=new_password2]", PERSON_PASSWORD)
    person.get_by_role("button", name="Continua").click()
    key = Key(person.get_by_test_id("totp-key").inner_text())
    assert person.get_by_test_id("totp-uri").inner_text().startswith("otpauth://totp/")
    person.fill("input[name=code]", totp_code(key))
    person.get_by_role("button", name="Attiva l'accesso").click()
    person.wait_for_url("**/login/")

    person.fill("input[name=username]", PERSON)
    person.fill("input[name=password]", PERSON_PASSWORD)
    person.click("button[type=submit]")
    person.wait_for_url("**/login/code/")
    person.fill("input[name=code]", totp_code(key, steps_ahead=1))
    person.get_by_role("button", name="Accedi").click()
    person.wait_for_url(live_server.url + "/")
    header = person.get_by_test_id("login-delegate").inner_text()
    assert PERSON in header and "tecnico" in header and mailbox.holder.full_name in header

    page.goto("/profile/")
    page.get_by_test_id("users-table").get_by_role("row").filter(has_text=PERSON) \
        .get_by_role("button", name="Revoca").click()
    page.wait_for_url("**/profile/")
    assert "revocato" in page.content()

    person.goto("/mailboxes/")
    person.wait_for_url("**/login/?next=/mailboxes/")
    assert person.get_by_test_id("login-delegate").count() == 0
