import io
import zipfile
from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.db import transaction
from lxml import etree

from accounts.services import holder_update
from invoices.fatturapa import file_name, xml_errors
from invoices.models import Invoice
from invoices.services import credit_note_issue
from tests.factories import NO_BILLING_ADDRESS, make_holder

from .a38_check import a38_errors
from .conftest import BILLING_ADDRESS, COMPANY_VAT_NUMBER, issue

pytestmark = pytest.mark.django_db

NOVEMBER = ["--from", "2026-11-01", "--to", "2026-11-30"]


def _period(billable_holder, company_holder, staff_user):
    before = issue(billable_holder, "order:before", issued_on=date(2026, 10, 31))
    inside = [issue(billable_holder, "order:a", issued_on=date(2026, 11, 2)),
              issue(company_holder, "order:b", issued_on=date(2026, 11, 15))]
    inside.append(credit_note_issue(invoice=inside[0], staff_user=staff_user, reason="Errore",
                                    issued_on=date(2026, 11, 30)))
    after = issue(company_holder, "order:after", issued_on=date(2026, 12, 1))
    return before, inside, after


def _export(out):
    """Run the command as cron does; returns (exit status, stdout, stderr)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        call_command("export_fatturapa", *NOVEMBER, str(out), stdout=stdout, stderr=stderr)
    except CommandError as error:
        return error.returncode, stdout.getvalue(), stderr.getvalue() + str(error)
    return 0, stdout.getvalue(), stderr.getvalue()


def _files(out):
    with zipfile.ZipFile(out) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_command_writes_a_zip_of_one_valid_xml_per_document_of_the_period(
        billable_holder, company_holder, staff, tmp_path):
    before, inside, after = _period(billable_holder, company_holder, staff.user)
    status, stdout, _ = _export(tmp_path / "novembre.zip")
    files = _files(tmp_path / "novembre.zip")
    assert status == 0
    assert list(files) == [file_name(invoice) for invoice in inside]
    assert all(xml_errors(document) == [] and a38_errors(document) == [] for document in files.values())
    assert file_name(before) not in files and file_name(after) not in files
    assert "3 documenti esportati" in stdout


@pytest.mark.parametrize("args, message", [
    (["--from", "2026-13-01", "--to", "2026-11-30"], "--from: data non valida"),
    (["--from", "2026-11-30", "--to", "2026-11-01"], "--to viene prima di --from"),
])
def test_the_command_refuses_bad_dates(tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("export_fatturapa", *args, str(tmp_path / "x.zip"))
    assert not (tmp_path / "x.zip").exists()


def test_an_incomplete_invoice_is_listed_with_its_reason_and_the_others_are_written(billable_holder, tmp_path):
    good = issue(billable_holder, "order:ok", issued_on=date(2026, 11, 2))
    imported = make_holder(first_name="Anna", last_name="Neri", fiscal_code="NRENNA80A41H501X", **NO_BILLING_ADDRESS)
    no_address = issue(imported, "renewal:mailbox:1:2026-11-03", issued_on=date(2026, 11, 3))
    company = make_holder(company_name="Bianchi S.r.l.", vat_number=COMPANY_VAT_NUMBER, **BILLING_ADDRESS)
    no_recipient = issue(company, "order:company", issued_on=date(2026, 11, 4))
    later = issue(billable_holder, "order:later", issued_on=date(2026, 11, 5))

    status, stdout, stderr = _export(tmp_path / "x.zip")

    assert status != 0
    assert list(_files(tmp_path / "x.zip")) == [file_name(good), file_name(later)]
    assert "2 documenti esportati" in stdout
    assert (f"{no_address.number} — Anna Neri (NRENNA80A41H501X): "
            "dati di fatturazione mancanti: indirizzo, CAP, città, provincia") in stderr
    assert (f"{no_recipient.number} — Bianchi S.r.l. ({COMPANY_VAT_NUMBER}): "
            "dati di fatturazione mancanti: codice destinatario o PEC per le fatture (azienda)") in stderr
    assert "2 documenti non esportati" in stderr


def test_an_invoice_failing_the_schema_for_another_reason_is_listed_with_the_schema_message(
        billable_holder, tmp_path):
    good = issue(billable_holder, "order:ok", issued_on=date(2026, 11, 2))
    odd = issue(billable_holder, "order:odd", issued_on=date(2026, 11, 3))
    Invoice.objects.filter(pk=odd.pk).update(buyer_province="R1")  # as a bad import could leave it

    status, _, stderr = _export(tmp_path / "x.zip")

    assert status != 0
    assert list(_files(tmp_path / "x.zip")) == [file_name(good)]
    assert f"{odd.number} — " in stderr and "non supera lo schema FatturaPA: riga" in stderr


def test_exporting_a_period_again_writes_the_same_bytes(billable_holder, company_holder, staff, tmp_path):
    _period(billable_holder, company_holder, staff.user)
    _export(tmp_path / "first.zip")
    _export(tmp_path / "again.zip")
    assert (tmp_path / "first.zip").read_bytes() == (tmp_path / "again.zip").read_bytes()


def test_a_skipped_invoice_is_exported_by_a_later_run_once_its_holder_completed_the_data(
        billable_holder, tmp_path):
    sent = issue(billable_holder, "order:sent", issued_on=date(2026, 11, 2))
    holder = make_holder(**NO_BILLING_ADDRESS)
    skipped = issue(holder, "renewal:mailbox:1:2026-11-03", issued_on=date(2026, 11, 3))
    assert _export(tmp_path / "first.zip")[0] != 0
    first = _files(tmp_path / "first.zip")

    with transaction.atomic():
        holder_update(holder_id=holder.pk, fields={
            "street": "Via Po 4", "postal_code": "10123", "city": "Torino", "province": "TO"})
        holder_update(holder_id=billable_holder.pk, fields={"street": "Via Nuova 9"})
    status, stdout, stderr = _export(tmp_path / "again.zip")

    again = _files(tmp_path / "again.zip")
    assert (status, stderr) == (0, "")
    assert f"{skipped.number}: completata con i dati di fatturazione attuali del titolare." in stdout
    assert list(again) == [file_name(sent), file_name(skipped)]
    # What was sent stays what was sent: a complete invoice never takes later profile changes.
    assert again[file_name(sent)] == first[file_name(sent)]
    document = again[file_name(skipped)]
    assert xml_errors(document) == [] and a38_errors(document) == []
    assert etree.fromstring(document).findtext(".//CessionarioCommittente/Sede/Comune") == "Torino"
    skipped.refresh_from_db()
    assert (skipped.buyer_street, skipped.buyer_city) == ("Via Po 4", "Torino")


def test_an_invoice_stays_skipped_while_its_holder_s_data_are_still_incomplete(tmp_path):
    holder = make_holder(**NO_BILLING_ADDRESS)
    skipped = issue(holder, "order:x", issued_on=date(2026, 11, 3))
    with transaction.atomic():
        holder_update(holder_id=holder.pk, fields={"street": "Via Po 4"})
    status, _, stderr = _export(tmp_path / "x.zip")
    assert status != 0
    assert f"{skipped.number} — " in stderr and "mancanti: indirizzo, CAP, città, provincia" in stderr
    skipped.refresh_from_db()
    assert skipped.buyer_street == ""


def test_the_admin_action_downloads_the_selected_as_a_zip(billable_holder, company_holder, staff):
    _, inside, _ = _period(billable_holder, company_holder, staff.user)
    response = staff.post("/admin/invoices/invoice/", {
        "action": "export_fatturapa", "_selected_action": [invoice.pk for invoice in inside[:2]],
    })
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.namelist() == [file_name(invoice) for invoice in inside[:2]]


def test_the_admin_action_downloads_the_valid_ones_and_names_each_incomplete_one(billable_holder, staff):
    good = issue(billable_holder, "order:ok")
    bad = issue(make_holder(first_name="Anna", last_name="Neri", **NO_BILLING_ADDRESS), "order:no-address")
    response = staff.post("/admin/invoices/invoice/", {
        "action": "export_fatturapa", "_selected_action": [good.pk, bad.pk],
    })
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.namelist() == [file_name(good)]
    messages = [str(message) for message in get_messages(response.wsgi_request)]
    assert len(messages) == 1
    assert messages[0].startswith(f"{bad.number} non esportata (Anna Neri")
    assert messages[0].endswith("dati di fatturazione mancanti: indirizzo, CAP, città, provincia")
