"""Files as they come out of spreadsheets and broken exports: every bad row is reported with the
line it starts on and leaves nothing, every other row is imported, and the command never stops
with a traceback."""

import io
import re

from django.core.management import CommandError, call_command

from accounts.models import Holder, Operation, User
from mailboxes import importing
from mailboxes.models import Mailbox
from tests.mailboxes.test_import import HEADER, LUIGI, row

ADDRESSES = [f"m{n}@pec.it" for n in range(10)]


def run_bytes(tmp_path, data):
    path = tmp_path / "caselle.csv"
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_mailboxes", str(path), stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue() + str(error), False
    return out.getvalue(), err.getvalue(), True


def lines(*rows, header=HEADER, end="\n"):
    return "".join(text + end for text in [header, *rows])


def imported():
    return set(Mailbox.objects.values_list("address", flat=True))


def test_a_nul_byte_refuses_its_row_only(db, tmp_path):
    data = lines(row(address=ADDRESSES[0]), row(address=ADDRESSES[1], first="Ma\x00rio"), row(address=ADDRESSES[2]))
    _out, err, ok = run_bytes(tmp_path, data.encode())
    assert not ok
    assert "riga 3: carattere NUL (0x00) nella colonna first_name" in err
    assert "Caselle create: 2, aggiornate: 0, righe con errori: 1." in err
    assert imported() == {ADDRESSES[0], ADDRESSES[2]}


def test_a_field_beyond_the_csv_limit_is_refused_and_the_rows_after_it_keep_their_lines(db, tmp_path):
    huge = "x" * 200_000
    data = lines(
        row(address=ADDRESSES[0]),
        row(address=ADDRESSES[1], last=huge),
        # The same inside quotes, over three lines: its continuation lines are not read as rows.
        row(address=ADDRESSES[2], last=f"{huge}\n{ADDRESSES[9]},{LUIGI}\nfine"),
        row(address=ADDRESSES[3], plan="gold"),
        row(address=ADDRESSES[4]),
    )
    _out, err, ok = run_bytes(tmp_path, data.encode())
    assert not ok
    assert "riga 3: riga più lunga di 10000 caratteri" in err
    assert "riga 4: riga più lunga di 10000 caratteri" in err
    assert "riga 7: piano sconosciuto: 'gold'" in err
    assert "Caselle create: 2, aggiornate: 0, righe con errori: 3." in err
    assert imported() == {ADDRESSES[0], ADDRESSES[4]}


def test_a_field_longer_than_its_column_is_refused(db, tmp_path):
    _out, err, ok = run_bytes(tmp_path, lines(
        row(address=ADDRESSES[0], first="M" * 101),
        row(address="a" * 250 + "@pec.it"),
        row(address=ADDRESSES[1]),
    ).encode())
    assert not ok
    assert "riga 2: first_name mancante o più lungo di 100 caratteri" in err
    assert "riga 3: address più lungo di 254 caratteri" in err
    assert imported() == {ADDRESSES[1]}


def test_a_latin1_row_is_refused_with_the_byte_that_gave_it_away(db, tmp_path):
    data = (lines(row(address=ADDRESSES[0])).encode()
            + row(address=ADDRESSES[1], last="Rossi", first="Nicolò").encode("cp1252") + b"\n"
            + row(address=ADDRESSES[2], first="Niccolò").encode() + b"\n")
    _out, err, ok = run_bytes(tmp_path, data)
    assert not ok
    assert ("riga 3: byte 0xF2 non valido in UTF-8 nella colonna first_name: salva il file come «CSV UTF-8» "
            "(il file sembra in Latin-1 o Windows-1252)") in err
    assert imported() == {ADDRESSES[0], ADDRESSES[2]}
    assert Holder.objects.get().first_name == "Niccolò"


def test_an_italian_excel_export_is_read_as_it_is(db, tmp_path):
    """A byte-order mark, semicolons, CRLF, blank lines and a row of empty cells at the end, a cell
    with a line break in it."""
    header = HEADER.replace(",", ";")
    rows = [
        row(address=ADDRESSES[0]).replace(",", ";"),
        "",
        f'{ADDRESSES[1]};{LUIGI};"Luigi";"Bianchi\r\nDe Rossi";luigi@example.it;standard;certificata;'
        "2016-03-30;2016-03-30;2030-03-30;no;Importata-1!;",
        row(address=ADDRESSES[2], plan="gold").replace(",", ";"),
        ";" * 12,
    ]
    _out, err, ok = run_bytes(tmp_path, b"\xef\xbb\xbf" + lines(*rows, header=header, end="\r\n").encode())
    assert not ok
    assert err.count("riga ") == 1
    assert "riga 6: piano sconosciuto: 'gold'" in err
    assert imported() == {ADDRESSES[0], ADDRESSES[1]}
    assert Holder.objects.get(fiscal_code=LUIGI).last_name == "Bianchi De Rossi"


def test_a_quoted_field_left_open_refuses_the_rest_of_the_file_as_one_row(db, tmp_path):
    data = lines(row(address=ADDRESSES[0]), f'{ADDRESSES[1]},"RSSMRA80A01H501U', row(address=ADDRESSES[2]))
    _out, err, ok = run_bytes(tmp_path, data.encode())
    assert not ok
    assert "riga 3: virgolette aperte e mai chiuse fino alla fine del file" in err
    assert imported() == {ADDRESSES[0]}


def test_the_line_of_a_bad_row_is_where_it_starts(db, tmp_path):
    two_lines = row(address=ADDRESSES[0], first="FIRST").replace("FIRST", '"Mario\nGiuseppe"')
    data = lines(two_lines, "", row(address=ADDRESSES[1], status="attiva"))
    _out, err, ok = run_bytes(tmp_path, data.encode())
    assert not ok
    assert "riga 5: stato sconosciuto" in err
    assert Holder.objects.get().first_name == "Mario Giuseppe"


def test_control_characters_in_a_name_are_refused(db, tmp_path):
    _out, err, ok = run_bytes(tmp_path, lines(row(first="Ma\x07rio")).encode())
    assert not ok
    assert "riga 2: first_name: carattere di controllo 0x07" in err
    assert not Mailbox.objects.exists()


def nothing_written():
    return not (Mailbox.objects.exists() or Holder.objects.exists() or Operation.objects.exists()
                or User.objects.filter(is_staff=False).exists())


def test_header_errors_refuse_the_whole_file_before_writing(db, tmp_path):
    good = row().encode() + b"\n"
    for data, message in [
        (b"", "il file è vuoto"),
        (HEADER.replace(",", "\t").encode() + b"\n" + good,
         "end_client, password: il separatore deve essere la virgola o il punto e virgola"),
        (HEADER.replace("address", "add\x00ress").encode() + b"\n" + good,
         "l'intestazione contiene byte non UTF-8 o caratteri NUL"),
        (HEADER.encode("utf-16"), "l'intestazione contiene byte non UTF-8 o caratteri NUL"),
        ((HEADER + ",plan").encode() + b"\n" + good, "colonne ripetute nell'intestazione: plan"),
        ((HEADER + ",iban").encode() + b"\n" + good, "colonne sconosciute nell'intestazione: 'iban'"),
    ]:
        _out, err, ok = run_bytes(tmp_path, data)
        assert not ok
        assert message in err, (message, err)
        assert not re.search(r"riga \d+:", err)
        assert nothing_written()


def test_the_header_may_be_quoted_and_spaced(db, tmp_path):
    header = ",".join(f" {name} " if n % 2 else f'"{name}"' for n, name in enumerate(HEADER.split(",")))
    _out, _err, ok = run_bytes(tmp_path, lines(row(), header=header).encode())
    assert ok
    assert imported() == {"mario.rossi@pec.ording.roma.it"}


def test_mailboxes_import_takes_any_iterable_of_lines(db):
    errors = []
    result = importing.mailboxes_import(file=[HEADER + "\n", row() + "\n", "x\x00,y\n"],
                                        on_error=lambda line, message: errors.append((line, message)))
    assert (result.created, result.failed) == (1, 1)
    assert errors == [(3, "numero di colonne diverso dall'intestazione (2 invece di 13)")]
