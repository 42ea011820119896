import io
import zipfile
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from invoices.fatturapa import file_name, xml_errors
from invoices.services import credit_note_issue
from tests.factories import NO_BILLING_ADDRESS, make_holder

from .conftest import issue

pytestmark = pytest.mark.django_db


def _period(billable_holder, company_holder, staff_user):
    before = issue(billable_holder, "order:before", issued_on=date(2026, 10, 31))
    inside = [issue(billable_holder, "order:a", issued_on=date(2026, 11, 2)),
              issue(company_holder, "order:b", issued_on=date(2026, 11, 15))]
    inside.append(credit_note_issue(invoice=inside[0], staff_user=staff_user, reason="Errore",
                                    issued_on=date(2026, 11, 30)))
    after = issue(company_holder, "order:after", issued_on=date(2026, 12, 1))
    return before, inside, after


def test_the_command_writes_a_zip_of_one_valid_xml_per_document_of_the_period(
        billable_holder, company_holder, staff, tmp_path, capsys):
    before, inside, after = _period(billable_holder, company_holder, staff.user)
    out = tmp_path / "novembre.zip"
    call_command("export_fatturapa", "--from", "2026-11-01", "--to", "2026-11-30", str(out))
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        assert names == [file_name(invoice) for invoice in inside]
        assert all(xml_errors(archive.read(name)) == [] for name in names)
    assert file_name(before) not in names and file_name(after) not in names
    assert "3 documenti esportati" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["--from", "2026-13-01", "--to", "2026-11-30"], "--from: data non valida"),
    (["--from", "2026-11-30", "--to", "2026-11-01"], "--to viene prima di --from"),
])
def test_the_command_refuses_bad_dates(tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("export_fatturapa", *args, str(tmp_path / "x.zip"))
    assert not (tmp_path / "x.zip").exists()


def test_the_command_writes_nothing_when_a_document_fails_the_schema(billable_holder, tmp_path, capsys):
    issue(billable_holder, "order:ok", issued_on=date(2026, 11, 2))
    bad = issue(make_holder(**NO_BILLING_ADDRESS), "order:no-address", issued_on=date(2026, 11, 3))
    with pytest.raises(CommandError, match="1 documenti non superano lo schema"):
        call_command("export_fatturapa", "--from", "2026-11-01", "--to", "2026-11-30", str(tmp_path / "x.zip"))
    assert bad.number in capsys.readouterr().err
    assert not (tmp_path / "x.zip").exists()


def test_the_admin_action_downloads_the_selected_as_a_zip(billable_holder, company_holder, staff):
    _, inside, _ = _period(billable_holder, company_holder, staff.user)
    response = staff.post("/admin/invoices/invoice/", {
        "action": "export_fatturapa", "_selected_action": [invoice.pk for invoice in inside[:2]],
    })
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.namelist() == [file_name(invoice) for invoice in inside[:2]]
