from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from invoices.models import Invoice
from invoices.services import credit_note_issue
from tests.factories import make_holder

from .conftest import BILLING_ADDRESS, issue

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/invoices/invoice/"


def test_invoices_can_be_read_but_not_added_edited_or_deleted(staff, billable_holder):
    invoice = issue(billable_holder, "order:1")
    assert staff.get(CHANGELIST).status_code == 200
    page = staff.get(f"{CHANGELIST}{invoice.pk}/change/").content.decode()
    assert invoice.number in page and "Spazio extra inbox 3 GB, 2 anni" in page
    assert staff.get(f"{CHANGELIST}add/").status_code == 403
    assert staff.post(f"{CHANGELIST}{invoice.pk}/delete/", {"post": "yes"}).status_code == 403
    staff.post(f"{CHANGELIST}{invoice.pk}/change/", {"net_cents": "1", "vat_cents": "0", "gross_cents": "1"})
    invoice.refresh_from_db()
    assert invoice.gross_cents == 1830 and Invoice.objects.count() == 1


def test_staff_search_by_number_fiscal_code_or_name(staff, billable_holder):
    mine = issue(billable_holder, "order:1")
    other = issue(make_holder(last_name="Bianchi", **BILLING_ADDRESS), "order:2")
    for term in (mine.number, "RSSMRA80A01H501U", billable_holder.last_name):
        page = staff.get(CHANGELIST, {"q": term}).content.decode()
        assert mine.number in page and other.number not in page


def test_staff_filter_by_year_and_kind(staff, billable_holder):
    old = issue(billable_holder, "order:1", issued_on=date(2025, 6, 1))
    new = issue(billable_holder, "order:2", issued_on=date(2026, 6, 1))
    note = credit_note_issue(invoice=new, staff_user=staff.user, reason="Errore", issued_on=date(2026, 6, 2))
    page = staff.get(CHANGELIST, {"year": "2025"}).content.decode()
    assert old.number in page and new.number not in page
    page = staff.get(CHANGELIST, {"kind__exact": "credit_note"}).content.decode()
    assert f">{note.number}<" in page and f">{new.number}<" not in page and old.number not in page


def test_staff_issue_a_credit_note_with_a_reason(staff, billable_holder):
    invoice = issue(billable_holder, "order:1")
    form = staff.post(CHANGELIST, {"action": "issue_credit_note", "_selected_action": [invoice.pk]}).content.decode()
    assert "Motivo della nota di credito" in form and invoice.number in form
    empty = staff.post(CHANGELIST, {"action": "issue_credit_note", "_selected_action": [invoice.pk],
                                    "apply": "1", "reason": "   "}).content.decode()
    assert "Questo campo è obbligatorio." in empty
    assert not Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).exists()

    response = staff.post(CHANGELIST, {"action": "issue_credit_note", "_selected_action": [invoice.pk],
                                       "apply": "1", "reason": "Ordine annullato dal cliente"}, follow=True)
    note = Invoice.objects.get(kind=Invoice.Kind.CREDIT_NOTE)
    assert (note.corrects, note.reason, note.created_by) == (invoice, "Ordine annullato dal cliente", staff.user)
    assert f"Nota di credito {note.number} emessa a storno della fattura {invoice.number}." in response.content.decode()

    again = staff.post(CHANGELIST, {"action": "issue_credit_note", "_selected_action": [invoice.pk],
                                    "apply": "1", "reason": "Ancora"}, follow=True).content.decode()
    assert f"già stornata dalla nota di credito {note.number}" in again
    assert Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).count() == 1


def test_staff_without_the_permission_cannot_issue_credit_notes(client, billable_holder):
    user = User.objects.create_user("lettore", password="Staff-Pass-2026!", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_invoice"))
    client.force_login(user, backend="accounts.backends.StaffBackend")
    invoice = issue(billable_holder, "order:1")
    client.post(CHANGELIST, {"action": "issue_credit_note", "_selected_action": [invoice.pk],
                             "apply": "1", "reason": "Non posso"})
    assert not Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).exists()


def test_the_changelist_runs_the_same_queries_for_few_or_many_invoices(staff, billable_holder):
    issue(billable_holder, "order:0")
    with CaptureQueriesContext(connection) as few:
        staff.get(CHANGELIST)
    for n in range(1, 40):
        issue(billable_holder, f"order:{n}")
    with CaptureQueriesContext(connection) as many:
        staff.get(CHANGELIST)
    assert len(many) == len(few)
