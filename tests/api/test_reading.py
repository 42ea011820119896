"""Every read endpoint, as a token of each scope, and never another holder's data."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import ApiToken
from addons.services import order_place
from tests.api.conftest import api_client, error_code
from tests.factories import make_mailbox, make_mailboxes, make_operations
from tests.invoices.conftest import issue

READ_ENDPOINTS = ["/api/v1/mailboxes/", "/api/v1/mailboxes/{mailbox}/", "/api/v1/credit/", "/api/v1/credit/ledger/",
                  "/api/v1/operations/", "/api/v1/invoices/", "/api/v1/invoices/{invoice}/pdf/",
                  "/api/v1/invoices/{invoice}/fatturapa/", "/api/v1/renewals/forecast/"]


@pytest.fixture
def invoice(holder):
    return issue(holder, "test:api:invoice")


@pytest.mark.parametrize("scope", ApiToken.Scope.values)
def test_every_read_endpoint_answers_a_token_of_each_scope(holder, mailbox, invoice, scope):
    client = api_client(holder, scope)
    for endpoint in READ_ENDPOINTS:
        response = client.get(endpoint.format(mailbox=mailbox.pk, invoice=invoice.pk))
        assert response.status_code == 200, (endpoint, response.content[:300])


def test_another_holders_mailbox_and_invoice_are_404(reader, other_holder):
    foreign_mailbox = other_holder.mailboxes.get()
    foreign_invoice = issue(other_holder, "test:api:foreign")
    for path in (f"/api/v1/mailboxes/{foreign_mailbox.pk}/", f"/api/v1/invoices/{foreign_invoice.pk}/pdf/",
                 f"/api/v1/invoices/{foreign_invoice.pk}/fatturapa/", "/api/v1/mailboxes/2147483000/"):
        response = reader.get(path)
        assert response.status_code == 404, path
        assert error_code(response) == "not_found"


def test_lists_show_only_the_holders_rows(reader, mailbox, other_holder):
    addresses = [row["address"] for row in reader.get("/api/v1/mailboxes/").json()["results"]]
    assert addresses == [mailbox.address]
    assert reader.get("/api/v1/credit/ledger/").json()["results"] == []
    assert reader.get("/api/v1/invoices/").json()["results"] == []


def test_the_mailbox_list_filters(holder, reader, mailbox):
    today = timezone.localdate()
    soon = make_mailbox(holder, address="presto@pec.example.it", expires_in_days=10)
    make_mailbox(holder, address="sospesa@pec.example.it", status="sospesa", expires_in_days=20)

    def addresses(**query):
        response = reader.get("/api/v1/mailboxes/", query)
        assert response.status_code == 200, response.content
        return [row["address"] for row in response.json()["results"]]

    assert addresses() == [soon.address, "sospesa@pec.example.it", mailbox.address]
    assert addresses(status="sospesa") == ["sospesa@pec.example.it"]
    assert addresses(q="PRESTO") == [soon.address]
    assert addresses(expires_before=(today + timedelta(days=20)).isoformat()) == [soon.address, "sospesa@pec.example.it"]
    assert addresses(expires_after=(today + timedelta(days=20)).isoformat()) == ["sospesa@pec.example.it", mailbox.address]
    row = reader.get("/api/v1/mailboxes/", {"q": "presto"}).json()["results"][0]
    assert row == {"id": soon.pk, "address": soon.address, "status": "certificata",
                   "expires_on": soon.expires_on.isoformat(), "plan_code": "standard", "plan": soon.plan.name,
                   "auto_renew": True}


def test_following_next_walks_every_row_once_and_previous_walks_back(holder, reader, mailbox):
    make_mailboxes(holder, 11)
    seen, pages, url = [], [], "/api/v1/mailboxes/?limit=5&status=certificata"
    while url:
        body = reader.get(url).json()
        pages.append(body)
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 12
    assert [len(page["results"]) for page in pages] == [5, 5, 2]
    assert pages[0]["previous"] is None
    assert "status=certificata" in pages[1]["next"]
    back = reader.get(pages[2]["previous"]).json()
    assert [row["id"] for row in back["results"]] == seen[5:10]


def test_a_cursor_that_reads_nothing_is_a_400(reader, other_holder):
    foreign = other_holder.mailboxes.get()
    response = reader.get("/api/v1/mailboxes/", {"after": foreign.pk})
    assert response.status_code == 400
    assert error_code(response) == "cursor_not_found"


def test_the_mailbox_shows_its_addons(holder, reader, mailbox):
    from tests.addons.conftest import give_credit
    give_credit(holder, 5000)
    order_place(holder=holder, mailbox_id=mailbox.pk, addon_type_code="inbox_extra", quantity=2,
                expected_gross_cents=_price(mailbox, 2), order_key="00000000-0000-0000-0000-000000000001")
    body = reader.get(f"/api/v1/mailboxes/{mailbox.pk}/").json()
    assert body["address"] == mailbox.address
    assert [(addon["addon_type"], addon["quantity"], addon["status"]) for addon in body["addons"]] == [
        ("inbox_extra", 2, "active")]


def _price(mailbox, quantity):
    from addons.services import order_quote
    return order_quote(mailbox=mailbox, addon_type_code="inbox_extra", quantity=quantity).price.gross_cents


def test_credit_ledger_and_operations(holder, reader):
    from tests.addons.conftest import give_credit
    give_credit(holder, 2500)
    make_operations(holder, 3)
    assert reader.get("/api/v1/credit/").json() == {"balance_cents": 2500, "available_cents": 2500}
    ledger = reader.get("/api/v1/credit/ledger/").json()["results"]
    assert [(entry["amount_cents"], entry["balance_after_cents"], entry["kind"]) for entry in ledger] == [
        (2500, 2500, "adjustment")]
    operations = reader.get("/api/v1/operations/", {"kind": "topup", "limit": 2}).json()
    assert len(operations["results"]) == 2 and operations["next"]
    assert operations["results"][0]["kind"] == "topup"


def test_invoice_list_and_downloads(reader, invoice):
    listed = reader.get("/api/v1/invoices/").json()["results"]
    assert [(row["id"], row["number"], row["kind"]) for row in listed] == [(invoice.pk, invoice.number, "invoice")]
    pdf = reader.get(f"/api/v1/invoices/{invoice.pk}/pdf/", HTTP_ACCEPT="application/pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    xml = reader.get(f"/api/v1/invoices/{invoice.pk}/fatturapa/")
    assert xml["Content-Type"] == "application/xml" and b"FatturaElettronica" in xml.content


def test_fatturapa_of_an_incomplete_buyer_is_a_409(holder, reader, invoice):
    invoice.buyer_street = ""
    invoice.save(update_fields=["buyer_street"])
    response = reader.get(f"/api/v1/invoices/{invoice.pk}/fatturapa/")
    assert response.status_code == 409
    assert error_code(response) == "fatturapa_unavailable"


def test_the_forecast_lists_the_renewals_due(holder, reader):
    due = make_mailbox(holder, address="rinnovo@pec.example.it", expires_in_days=40)
    body = reader.get("/api/v1/renewals/forecast/").json()
    rows = [row for row in body["rows"] if row["mailbox_id"] == due.pk]
    assert rows and rows[0]["due_on"] == due.expires_on.isoformat() and rows[0]["is_addon"] is False
    assert rows[0]["covered"] is False
    assert body["balance_cents"] == 0 and body["credit_runs_out_on"] == rows[0]["due_on"]
