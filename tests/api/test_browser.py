"""In a browser: the holder makes a token on the profile page, reads the API docs page (Swagger UI
under the portal's CSP, nothing from elsewhere), and revokes the token."""

import pytest
from django.test import Client
from playwright.sync_api import expect

from accounts.models import ApiToken
from tests.browser_fixtures import browser_log_in
from tests.factories import make_holder, make_mailbox

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seeded")]


def test_a_holder_makes_a_token_reads_the_docs_and_revokes_it(page, live_server):
    mailbox = make_mailbox(make_holder(), address="mario.rossi@pec.ording.roma.it")
    refused, elsewhere = [], []
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text
            else None)
    page.on("request", lambda request: None if request.url.startswith(live_server.url) else elsewhere.append(request.url))
    browser_log_in(page, mailbox.address)

    page.goto("/profile/")
    page.fill("input[name=name]", "Albo iscritti")
    page.select_option("select[name=scope]", "read")
    page.get_by_role("button", name="Crea token").click()
    key = page.get_by_test_id("api-token-key").inner_text().strip()
    answer = Client().get("/api/v1/mailboxes/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert answer.json()["results"][0]["address"] == mailbox.address

    page.get_by_role("link", name="Documentazione dell'API").click()
    page.wait_for_url("**/api/v1/docs/")
    expect(page.locator(".opblock").first).to_be_visible()
    expect(page.get_by_text("/api/v1/mailboxes/", exact=True)).to_be_visible()
    assert refused == [] and elsewhere == []

    page.goto("/profile/")
    expect(page.get_by_test_id("api-token-key")).to_have_count(0)
    page.get_by_role("button", name="Revoca").click()
    expect(page.get_by_test_id("api-token-row")).to_contain_text("Revocato il")
    assert ApiToken.objects.get().revoked_at is not None
    assert Client().get("/api/v1/mailboxes/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401
