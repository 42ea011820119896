from datetime import date

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Operation
from accounts.services import operation_log
from invoices.services import invoice_issue
from tests.factories import make_holder


def _billed_operation(holder, reference):
    with transaction.atomic():
        operation_log(holder_id=holder.pk, kind=Operation.Kind.ORDER, description="Spazio extra inbox × 1",
                      amount_cents=-305, reference=reference)
        return invoice_issue(holder=holder, reference=reference, lines=[{
            "description": "Spazio extra inbox", "mailbox_address": "casella@pec.example.it",
            "period_start": date(2026, 11, 24), "period_end": date(2027, 11, 24),
            "quantity": 1, "unit": "GB", "unit_price_cents": 250, "net_cents": 250,
        }])


def test_an_operation_billed_by_an_invoice_links_its_pdf(holder_client, holder):
    holder.street, holder.postal_code, holder.city, holder.province = "Via Roma 1", "00100", "Roma", "RM"
    holder.save()
    invoice = _billed_operation(holder, "order:test-1")
    page = holder_client.get("/operations/").content.decode()
    assert f'href="/invoices/{invoice.pk}/pdf/"' in page


def test_the_invoice_links_cost_one_query_whatever_the_page_holds(holder_client, holder):
    holder.street, holder.postal_code, holder.city, holder.province = "Via Roma 1", "00100", "Roma", "RM"
    holder.save()
    for n in range(3):
        _billed_operation(holder, f"order:few-{n}")
    with CaptureQueriesContext(connection) as few:
        holder_client.get("/operations/")
    for n in range(3, 30):
        _billed_operation(holder, f"order:many-{n}")
    with CaptureQueriesContext(connection) as many:
        page = holder_client.get("/operations/").content.decode()
    assert len(many) == len(few)
    assert page.count("/pdf/") == 25


def test_another_holders_invoice_is_never_linked(holder_client, holder):
    other = make_holder(street="Via Po 2", postal_code="10100", city="Torino", province="TO")
    _billed_operation(other, "order:other-1")
    operation_log(holder_id=holder.pk, kind=Operation.Kind.ORDER, description="x", reference="order:mine-1")
    assert "/pdf/" not in holder_client.get("/operations/").content.decode()
