from datetime import date

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from invoices.models import Invoice
from invoices.services import credit_note_issue, invoice_issue_many
from tests.factories import make_holder
from tests.paging import walk_both_ways

from .conftest import BILLING_ADDRESS, addon_line, issue
from .pdf_text import pdf_text

pytestmark = pytest.mark.django_db


def test_the_holder_sees_their_invoices_with_amounts_and_a_pdf_link(holder_client, holder):
    invoice = issue(holder, "order:1")
    page = holder_client.get("/invoices/").content.decode()
    assert invoice.number in page
    assert "€ 15,00" in page and "€ 3,30" in page and "€ 18,30" in page
    assert invoice.issued_on.strftime("%d/%m/%Y") in page
    assert f'href="/invoices/{invoice.pk}/pdf/"' in page


def test_another_holder_s_invoices_are_not_listed(holder_client):
    other = issue(make_holder(), "order:other")
    page = holder_client.get("/invoices/").content.decode()
    assert other.number not in page
    assert "Non è stato trovato nessun elemento." in page


def test_the_pdf_downloads_as_an_attachment(holder_client, holder):
    invoice = issue(holder, "order:2")
    response = holder_client.get(f"/invoices/{invoice.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="fattura-{invoice.number.replace("/", "-")}.pdf"'
    assert response.content.startswith(b"%PDF")


def test_the_pdf_shows_number_date_seller_buyer_lines_and_totals_the_italian_way(holder_client, holder):
    holder.company_name, holder.vat_number, holder.sdi_code = "Studio Rossi S.r.l.", "07654321004", "M5UXCR1"
    for field, value in BILLING_ADDRESS.items():
        setattr(holder, field, value)
    holder.save()
    line = addon_line(period_start=date(2026, 11, 24), period_end=date(2028, 3, 30))
    invoice = issue(holder, "order:4", line, issued_on=date(2026, 11, 24))
    text = pdf_text(holder_client.get(f"/invoices/{invoice.pk}/pdf/").content)
    assert "Fattura n. 2026/000001 del 24/11/2026" in text
    assert "PEC Esempio S.r.l." in text and "Partita IVA 07654321004" in text
    for expected in ("Studio Rossi S.r.l.", "Via Nazionale 12", "00184 Roma (RM) IT", "Codice destinatario M5UXCR1",
                     f"Codice fiscale {holder.fiscal_code}"):
        assert expected in text
    assert "Spazio extra inbox 3 GB, 2 anni\nmario.rossi@pec.ording.roma.it" in text
    assert "dal 24/11/2026 al\n30/03/2028" in text
    assert "€ 5,00\n€ 15,00" in text
    assert "Imponibile\n€ 15,00\nIVA 22%\n€ 3,30\nTotale\n€ 18,30" in text


def test_a_credit_note_pdf_names_the_invoice_it_reverses_and_why(holder_client, holder):
    invoice = issue(holder, "order:5", issued_on=date(2026, 11, 24))
    staff_user = User.objects.create_user("contabile", is_staff=True)
    note = credit_note_issue(invoice=invoice, staff_user=staff_user, reason="Ordine duplicato",
                             issued_on=date(2026, 11, 25))
    response = holder_client.get(f"/invoices/{note.pk}/pdf/")
    assert response["Content-Disposition"] == 'attachment; filename="nota-di-credito-2026-000002.pdf"'
    text = pdf_text(response.content)
    assert "Nota di credito n. 2026/000002 del 25/11/2026" in text
    assert "A storno della fattura n. 2026/000001 del 24/11/2026. Motivo: Ordine duplicato" in text


def test_another_holder_s_pdf_is_not_found(holder_client):
    other = issue(make_holder(), "order:other")
    assert holder_client.get(f"/invoices/{other.pk}/pdf/").status_code == 404
    assert holder_client.get("/invoices/999999/pdf/").status_code == 404


def test_anonymous_visitors_are_sent_to_login(client, holder):
    invoice = issue(holder, "order:3")
    for url in ("/invoices/", f"/invoices/{invoice.pk}/pdf/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_list_pages_by_25_newest_first_forwards_and_back(holder_client, holder):
    for n in range(27):
        issue(holder, f"order:{n}", issued_on=date(2026, 11, 1 + n % 3))
    expected = list(Invoice.objects.filter(holder=holder).order_by("-issued_on", "-id").values_list("number", flat=True))
    forwards, backwards = walk_both_ways(holder_client, "/invoices/", cell=0)
    assert [len(page) for page in forwards] == [25, 2]
    assert [number for page in forwards for number in page] == expected
    assert backwards == forwards


def test_a_bookmarked_page_number_or_a_stray_cursor_leads_to_the_first_page(holder_client, holder):
    other = issue(make_holder(), "order:other")
    for query in ("page=2", f"after={other.pk}", f"before={other.pk}", "after=x"):
        response = holder_client.get(f"/invoices/?{query}")
        assert response.status_code == 302 and response["Location"] == "/invoices/"


def _queries(client, url):
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


def _issue_many(holder, count):
    line = {"description": "Spazio extra inbox 1 GB, 1 anno", "quantity": 1, "unit": "GB", "unit_price_cents": 250,
            "net_cents": 250}
    with transaction.atomic():
        invoice_issue_many(items=[(holder, f"order:bulk:{count}:{n}", [line]) for n in range(count)],
                           issued_on=timezone.localdate())


def test_the_list_runs_the_same_queries_for_1_10_and_1000_invoices(holder_client, holder):
    _issue_many(holder, 1)
    one = _queries(holder_client, "/invoices/")
    _issue_many(holder, 9)
    ten = _queries(holder_client, "/invoices/")
    _issue_many(holder, 990)
    deep = Invoice.objects.filter(holder=holder).order_by("-issued_on", "-id")[900]
    assert _queries(holder_client, "/invoices/") == _queries(holder_client, f"/invoices/?after={deep.pk}") == ten == one


def test_the_pdf_runs_the_same_queries_for_one_line_or_many(holder_client, holder):
    small = issue(holder, "order:small")
    large = issue(holder, "order:large", *[addon_line(description=f"Riga {n}") for n in range(60)])
    small_queries = _queries(holder_client, f"/invoices/{small.pk}/pdf/")
    assert _queries(holder_client, f"/invoices/{large.pk}/pdf/") == small_queries
    assert Invoice.objects.get(pk=large.pk).lines.count() == 60
