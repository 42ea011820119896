"""Italian by default, English after the header switch (SPEC 1), with money and dates unchanged."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Holder
from billing.models import LedgerEntry
from billing.services import wallet_post
from tests.factories import PASSWORD, make_mailbox, make_mailboxes


def switch_to(client, language, next_url="/"):
    return client.post("/i18n/setlang/", {"language": language, "next": next_url})


@pytest.fixture
def credit(holder):
    wallet_post(holder_id=holder.pk, amount_cents=848, kind=LedgerEntry.Kind.ADJUSTMENT,
                reference=f"test:i18n:{holder.pk}", description="Credito di prova")


def test_the_login_page_is_in_italian_by_default(client):
    page = client.get("/login/").content.decode()
    assert '<html lang="it">' in page
    assert ">Accedi</button>" in page
    assert "la stessa usata per la webmail" in page


def test_a_browser_that_prefers_english_still_gets_italian_until_the_switch_is_used(client):
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert '<html lang="it">' in page
    assert ">Accedi</button>" in page


def test_the_dashboard_is_in_italian_by_default_with_the_balance_in_euro(holder_client, credit):
    page = holder_client.get("/").content.decode()
    assert "autenticato come:" in page
    assert "<strong>Titolare</strong>" in page
    assert "Il tuo credito residuo" in page
    assert 'data-testid="balance">€ 8,48<' in page
    assert "signed in as:" not in page


def test_the_switch_turns_the_dashboard_into_english_and_keeps_the_euro_format(holder_client, credit):
    response = switch_to(holder_client, "en", next_url="/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    page = holder_client.get("/").content.decode()
    assert '<html lang="en">' in page
    assert "signed in as:" in page
    assert "<strong>Holder</strong>" in page
    assert "Your remaining credit" in page
    assert "What can I do in my customer area?" in page
    assert 'data-testid="balance">€ 8,48<' in page
    assert 'data-testid="menu-balance">€ 8,48<' in page
    for item in ["Your details", "PEC mailbox list", "Operation outcomes", "Link to GestioneMail", "Link to Webmail"]:
        assert item in page, item
    assert "autenticato come:" not in page


def test_the_mailbox_list_is_in_english_after_the_switch(holder_client, mailbox):
    switch_to(holder_client, "en")
    page = holder_client.get("/mailboxes/").content.decode()
    assert "<h1 class=\"h3\">PEC mailbox list</h1>" in page
    assert "Expiry date" in page
    assert "Certified" in page
    assert "1 mailbox<" in page
    assert mailbox.address in page


def test_the_mailbox_count_uses_the_english_plural(holder_client, holder, mailbox):
    make_mailbox(holder, address="studio.rossi@pec.ording.roma.it")
    switch_to(holder_client, "en")
    assert "2 mailboxes<" in holder_client.get("/mailboxes/").content.decode()


def test_the_profile_page_is_in_english_after_the_switch(holder_client, holder):
    switch_to(holder_client, "en")
    page = holder_client.get("/profile/").content.decode()
    assert "Your details" in page
    assert "Tax code (codice fiscale)" in page
    assert "Contacts and address" in page
    assert ">Save<" in page
    assert holder.fiscal_code in page


def test_form_errors_from_python_code_are_in_english_after_the_switch(client, mailbox):
    switch_to(client, "en", next_url="/login/")
    page = client.post("/login/", {"username": mailbox.address, "password": "sbagliata"}).content.decode()
    assert "Incorrect address or password." in page
    assert "Indirizzo o password non corretti." not in page


def test_the_switch_also_works_before_logging_in_and_survives_the_login(client, mailbox):
    switch_to(client, "en", next_url="/login/")
    assert ">Sign in</button>" in client.get("/login/").content.decode()
    response = client.post("/login/", {"username": mailbox.address, "password": PASSWORD}, follow=True)
    assert "signed in as:" in response.content.decode()


def test_the_holder_can_switch_back_to_italian(holder_client):
    switch_to(holder_client, "en")
    switch_to(holder_client, "it")
    page = holder_client.get("/").content.decode()
    assert '<html lang="it">' in page
    assert "autenticato come:" in page


def test_the_chosen_language_is_remembered_on_the_holder_for_e_mails(holder_client, holder):
    switch_to(holder_client, "en")
    assert Holder.objects.get(pk=holder.pk).language == "en"


def test_an_unknown_language_changes_nothing(holder_client, holder):
    response = switch_to(holder_client, "xx")
    assert response.status_code == 302
    page = holder_client.get("/").content.decode()
    assert "autenticato come:" in page
    assert Holder.objects.get(pk=holder.pk).language == "it"


def test_the_switch_never_redirects_to_another_site(holder_client):
    response = switch_to(holder_client, "en", next_url="https://evil.example.com/")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_dates_are_shown_day_month_year_in_italian(holder_client, holder):
    old = make_mailbox(holder, address="storica@pec.example.it", expires_on=date(2017, 3, 30),
                       requested_on=date(2016, 3, 1), certified_on=date(2016, 3, 2))
    detail = holder_client.get(f"/mailboxes/{old.pk}/").content.decode()
    assert 'data-testid="mailbox-expiry">30/03/2017<' in detail
    assert 'data-testid="mailbox-requested">01/03/2016<' in detail
    assert "30/03/2017" in holder_client.get("/mailboxes/").content.decode()


def test_english_pages_run_the_same_number_of_queries_as_italian_ones(holder_client, holder):
    make_mailboxes(holder, 30)

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert holder_client.get(url).status_code == 200
        return len(queries)

    urls = ["/", "/mailboxes/", "/profile/"]
    for url in urls:  # the dashboard's first visit computes what later ones read from the cache
        holder_client.get(url)
    italian = {url: count(url) for url in urls}
    switch_to(holder_client, "en")
    english = {url: count(url) for url in urls}
    assert english == italian
