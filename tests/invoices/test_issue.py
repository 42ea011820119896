from datetime import date

import pytest
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.services import holder_update
from invoices.models import Invoice, InvoiceLine
from invoices.services import InvoiceError, credit_note_issue, invoice_issue
from invoices.vat import gross_cents

from .conftest import addon_line, issue

pytestmark = pytest.mark.django_db


def test_worked_example_three_gb_for_two_years_is_15_plus_3_30(billable_holder):
    invoice = issue(billable_holder, "order:12")
    assert (invoice.net_cents, invoice.vat_cents, invoice.gross_cents) == (1500, 330, 1830)
    assert invoice.vat_rate_percent == 22
    assert invoice.lines.get().mailbox_address == "mario.rossi@pec.ording.roma.it"


def test_vat_is_computed_once_on_the_net_total_not_per_line(billable_holder):
    # Per line: 0,55 → 0,12 (half-up of 0,121) twice = 0,24; on the total 1,10 → 0,24 (0,242). And
    # 3 × 0,02 per line would round to 0,00 each, while the total 0,06 → 0,01.
    invoice = issue(billable_holder, "order:13", *[addon_line(quantity=1, unit_price_cents=2) for _ in range(3)])
    assert (invoice.net_cents, invoice.vat_cents, invoice.gross_cents) == (6, 1, 7)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.tuples(st.integers(1, 50), st.integers(1, 200_000)), min_size=1, max_size=6))
def test_gross_is_net_plus_half_up_22_percent_and_equals_what_an_order_debits(billable_holder, lines):
    with transaction.atomic():
        invoice = invoice_issue(holder=billable_holder, reference="order:property",
                                lines=[addon_line(quantity=q, unit_price_cents=p) for q, p in lines])
        net = sum(q * p for q, p in lines)
        assert invoice.net_cents == net
        assert invoice.vat_cents * 100 <= net * 22 + 50 < invoice.vat_cents * 100 + 100  # half-up
        assert invoice.gross_cents == invoice.net_cents + invoice.vat_cents == gross_cents(net)
        transaction.set_rollback(True)


def test_the_same_money_movement_is_invoiced_once(billable_holder):
    first = issue(billable_holder, "renewal:mailbox:7:2027-03-30")
    again = issue(billable_holder, "renewal:mailbox:7:2027-03-30", addon_line(quantity=9))
    assert again.pk == first.pk
    assert Invoice.objects.count() == 1 and InvoiceLine.objects.count() == 1


@pytest.mark.parametrize("line, message", [
    (addon_line(quantity=1, unit_price_cents=0, net_cents=0), "maggiori di zero"),
    (addon_line(quantity=2, unit_price_cents=500, net_cents=1500), "quantità × prezzo unitario"),
    (addon_line(description=""), "manca description"),
    (addon_line(unit=""), "manca unit"),
    (addon_line(quantity=1, unit_price_cents=2.5, net_cents=2.5), "numeri interi"),
])
def test_a_free_or_inconsistent_line_is_refused_and_takes_no_number(billable_holder, line, message):
    with pytest.raises(InvoiceError, match=message):
        issue(billable_holder, "order:bad", line)
    assert not Invoice.objects.exists()
    assert issue(billable_holder, "order:good").number.endswith("/000001")


def test_an_invoice_without_lines_is_refused(billable_holder):
    with pytest.raises(InvoiceError, match="almeno una riga"), transaction.atomic():
        invoice_issue(holder=billable_holder, reference="order:empty", lines=[])


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_run_outside_the_money_transaction(billable_holder):
    with pytest.raises(InvoiceError, match="stessa transazione"):
        invoice_issue(holder=billable_holder, reference="order:alone", lines=[addon_line()])
    assert not Invoice.objects.exists()


def test_later_profile_edits_do_not_change_an_issued_invoice(billable_holder):
    invoice = issue(billable_holder, "order:14")
    holder_update(holder_id=billable_holder.pk, fields={
        "street": "Piazza Navona 1", "postal_code": "00186", "company_name": "Rossi S.r.l.", "sdi_code": "ABC1234",
    })
    invoice.refresh_from_db()
    assert (invoice.buyer_street, invoice.buyer_postal_code, invoice.buyer_company_name, invoice.buyer_sdi_code) == (
        "Via Nazionale 12", "00184", "", "")
    assert invoice.buyer_name == "Mario " + billable_holder.last_name
    assert issue(billable_holder, "order:15").buyer_name == "Rossi S.r.l."


def test_the_seller_is_copied_from_settings_at_issue_time(billable_holder, settings):
    settings.INVOICE_SELLER_NAME = "Gestore PEC S.p.A."
    invoice = issue(billable_holder, "order:16")
    settings.INVOICE_SELLER_NAME = "Altro Nome S.p.A."
    invoice.refresh_from_db()
    assert invoice.seller["name"] == "Gestore PEC S.p.A." and invoice.seller["tax_regime"] == "RF01"


def test_a_credit_note_reverses_the_invoice_with_its_own_number_once(billable_holder, staff):
    invoice = issue(billable_holder, "order:17", issued_on=date(2026, 11, 24))
    note = credit_note_issue(invoice=invoice, staff_user=staff.user, reason="Ordine annullato",
                             issued_on=date(2026, 11, 25))
    assert (note.kind, note.number, note.corrects, note.created_by) == (
        Invoice.Kind.CREDIT_NOTE, "2026/000002", invoice, staff.user)
    assert (note.net_cents, note.vat_cents, note.gross_cents) == (1500, 330, 1830)
    assert list(note.lines.values_list("description", "net_cents")) == [("Spazio extra inbox 3 GB, 2 anni", 1500)]
    with pytest.raises(InvoiceError, match="già stornata dalla nota di credito 2026/000002"):
        credit_note_issue(invoice=invoice, staff_user=staff.user, reason="Di nuovo")
    with pytest.raises(InvoiceError, match="si stornano solo le fatture"):
        credit_note_issue(invoice=note, staff_user=staff.user, reason="Storno dello storno")
    with pytest.raises(InvoiceError, match="motivo"):
        credit_note_issue(invoice=issue(billable_holder, "order:18"), staff_user=staff.user, reason="  ")
    assert Invoice.objects.count() == 3


@pytest.mark.parametrize("model, change", [
    (Invoice, {"gross_cents": 1}),
    (Invoice, {"kind": Invoice.Kind.CREDIT_NOTE}),
    (InvoiceLine, {"net_cents": 1499}),
])
def test_the_database_refuses_amounts_that_do_not_add_up(billable_holder, model, change):
    invoice = issue(billable_holder, "order:19")
    rows = model.objects.filter(pk=invoice.pk) if model is Invoice else invoice.lines.all()
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.update(**change)
