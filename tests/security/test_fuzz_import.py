"""Hypothesis-generated import files of several rows, good and bad mixed, as spreadsheets and broken
exports write them (byte-order mark or not, commas or semicolons, LF or CRLF, blank lines, quoted
line breaks): every good row is imported, every bad row is reported at the line it starts on and
leaves nothing, and the command never raises anything but its summary."""

import csv
import io
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Holder, User
from mailboxes.models import Mailbox

pytestmark = pytest.mark.django_db

COLUMNS = ["address", "fiscal_code", "first_name", "last_name", "email", "plan", "status", "requested_on",
           "certified_on", "expires_on", "end_client", "password", "auto_renew"]
BILLING = ["street", "postal_code", "city", "province", "country", "company_name", "vat_number", "sdi_code",
           "invoice_pec"]
FISCAL_CODES = ["RSSMRA80A01H501U", "BNCLGU80A01H501A", "00743110157"]
# A mail-platform hash is stored as it is: no Argon2 hashing, so each example takes milliseconds.
HASH = "{SHA512-CRYPT}$6$salt$hash"
LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Columns whose value is refused past its limit (a plain password has none).
LIMITED = {"address": 254, "email": 254, "first_name": 100, "last_name": 100, "fiscal_code": 16, "plan": 50,
           "street": 200, "company_name": 200, "city": 100}
BAD_KINDS = ["nul", "too_long", "huge", "latin1", "columns"]


@dataclass
class Row:
    kind: str
    address: str
    text: bytes = b""
    line: int = 0


def good_values(draw, number, billing):
    values = {
        "address": draw(st.sampled_from([f"r{number}@pec.example.it", f" R{number}@PEC.example.it "])),
        "fiscal_code": draw(st.sampled_from(FISCAL_CODES)),
        "first_name": draw(st.sampled_from(["Mario", "Maria\nLuisa", "Niccolò", "D'Amico", 'Anna "Nanà"'])),
        "last_name": draw(st.sampled_from(["Rossi", "Bianchi; De Santis", "Lo, Russo"])),
        "email": "titolare@example.it", "plan": draw(st.sampled_from(["standard", "pro", "premium"])),
        "status": draw(st.sampled_from(["richiesta", "certificata", "sospesa"])), "requested_on": "2016-03-30",
        "certified_on": draw(st.sampled_from(["", "2016-04-01"])), "expires_on": "2030-03-30",
        "end_client": draw(st.sampled_from(["yes", "no"])), "password": HASH, "auto_renew": draw(st.sampled_from(["", "no"])),
    }
    if billing:
        values |= draw(st.fixed_dictionaries({}, optional={
            "street": st.just("Via del Corso 1"), "postal_code": st.just("00186"), "city": st.just("Roma"),
            "province": st.just("rm"), "country": st.just("IT"), "company_name": st.just("Studio Rossi"),
            "vat_number": st.just("IT00743110157"), "sdi_code": st.just("M5UXCR1"),
            "invoice_pec": st.just("fatture@pec.example.it"),
        }))
    return values


def spoil(draw, kind, values, columns):
    """The row's values made bad in one way that the importer must refuse."""
    text_columns = [name for name in ("first_name", "last_name", "street", "city", "company_name") if name in columns]
    if kind == "nul":
        name = draw(st.sampled_from(columns))
        at = draw(st.integers(0, len(values.get(name, ""))))
        values[name] = values.get(name, "")[:at] + "\x00" + values.get(name, "")[at:]
    elif kind == "too_long":
        name = draw(st.sampled_from([name for name in LIMITED if name in columns]))
        values[name] = "m" * draw(st.integers(LIMITED[name] + 1, LIMITED[name] + 300))
    elif kind == "huge":
        name = draw(st.sampled_from(columns))
        size = draw(st.integers(10_001, 150_000))
        values[name] = "x" * (size // 2) + draw(st.sampled_from(["", "\n", "\r\n"])) + "x" * (size - size // 2)
    elif kind == "latin1":
        values[draw(st.sampled_from(text_columns))] = "Nicol" + draw(st.sampled_from("àèéìòùÀÈÉÌÒÙ€")) + "x"
    return values


@st.composite
def import_files(draw):
    billing = draw(st.booleans())
    columns = COLUMNS + (BILLING if billing else [])
    delimiter = draw(st.sampled_from([",", ";"]))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    rows = []
    for number, kind in enumerate(draw(st.lists(st.sampled_from(["good", "wild", *BAD_KINDS]), min_size=1, max_size=7))):
        values = good_values(draw, number, billing)
        if kind == "wild":
            # Anything at all in one column but the address: imported or refused, never a traceback.
            values[draw(st.sampled_from(columns[1:]))] = draw(st.text(max_size=300))
        elif kind != "good":
            values = spoil(draw, kind, values, columns)
        fields = [values.get(name, "") for name in columns]
        if kind == "columns":
            fields = draw(st.sampled_from([fields[:-1], [*fields, ""]]))
        out = io.StringIO()
        # Quote every field of a generated one: a lone "\r" is quoted only when the line ends in one.
        csv.writer(out, delimiter=delimiter, lineterminator=ending,
                   quoting=csv.QUOTE_ALL if kind == "wild" else quoting).writerow(fields)
        text = out.getvalue()
        if kind == "latin1":
            data = text.encode("cp1252")
        else:
            data = text.encode()
        rows.append(Row(kind, f"r{number}@pec.example.it", data))
        for _ in range(draw(st.integers(0, 1))):
            rows.append(Row("blank", "", draw(st.sampled_from([ending, delimiter * (len(columns) - 1) + ending])).encode()))
    line, body = 2, []
    for row in rows:
        row.line = line
        line += len(LINE_BREAK.findall(row.text.decode("latin-1")))
        body.append(row.text)
    bom = draw(st.sampled_from([b"", b"\xef\xbb\xbf"]))
    header = delimiter.join(columns) + ending
    return bom + header.encode() + b"".join(body), rows


def run_import(data):
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "caselle.csv"
        path.write_bytes(data)
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command("import_mailboxes", str(path), stdout=out, stderr=err)
        except CommandError as error:
            return err.getvalue(), str(error), False
        return err.getvalue(), out.getvalue(), True


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(generated=import_files())
def test_the_importer_imports_exactly_the_good_rows_and_reports_each_bad_one_by_its_line(generated):
    data, rows = generated
    with transaction.atomic():
        err, summary, ok = run_import(data)
        reported = {int(line) for line in re.findall(r"^riga (\d+): ", err, re.MULTILINE)}
        imported = set(Mailbox.objects.values_list("address", flat=True))
        wild = [row for row in rows if row.kind == "wild"]
        assert reported == {row.line for row in rows if row.kind in BAD_KINDS} | {
            row.line for row in wild if row.address not in imported}, err
        assert imported == {row.address for row in rows if row.kind == "good"} | {
            row.address for row in wild if row.line not in reported}
        assert ok == (not reported)
        assert f"Caselle create: {len(imported)}, aggiornate: 0, righe con errori: {len(reported)}." in summary
        # A refused row of a new holder left no holder (nor user) behind.
        assert not Holder.objects.filter(mailboxes__isnull=True).exists()
        assert User.objects.filter(is_staff=False).count() == Holder.objects.count()
        transaction.set_rollback(True)
