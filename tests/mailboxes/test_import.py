import crypt
import csv
import io

import argon2
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from accounts.models import Holder, Operation
from mailboxes import importing
from mailboxes.models import Mailbox

HEADER = ("address,fiscal_code,first_name,last_name,email,plan,status,"
          "requested_on,certified_on,expires_on,end_client,password,auto_renew")
MARIO = "RSSMRA80A01H501U"
LUIGI = "BNCLGU80A01H501A"
COMPANY = "00743110157"


def row(address="mario.rossi@pec.ording.roma.it", fiscal_code=MARIO, first="Mario", last="Rossi",
        email="mario@example.it", plan="standard", status="certificata", requested="2016-03-30",
        certified="2016-03-30", expires="2030-03-30", end_client="no", password="Importata-1!", auto_renew=""):
    line = io.StringIO()
    # csv quoting as any exporter does: an Argon2 hash carries commas ("m=19456,t=2,p=1").
    csv.writer(line, lineterminator="").writerow([address, fiscal_code, first, last, email, plan, status, requested,
                                                  certified, expires, end_client, password, auto_renew])
    return line.getvalue()


def run(tmp_path, *rows, header=HEADER, stdout=None):
    path = tmp_path / "caselle.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    out, err = stdout or io.StringIO(), io.StringIO()
    try:
        call_command("import_mailboxes", str(path), stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue() + str(error), False
    return out.getvalue(), err.getvalue(), True


def can_log_in(address, password):
    return Client().post("/login/", {"username": address, "password": password}).status_code == 302


def test_it_creates_holders_and_mailboxes_that_log_in(db, tmp_path):
    out, _err, ok = run(tmp_path, row(), row(address=" Studio.Rossi@PEC.ording.roma.it", plan="pro", end_client="yes",
                                            auto_renew="no"),
                        row(address="societa@pec.example.it", fiscal_code=COMPANY, first="ACME", last="Srl",
                            status="richiesta", certified=""))
    assert ok
    assert "Caselle create: 3, aggiornate: 0, righe con errori: 0." in out
    mario = Holder.objects.get(fiscal_code=MARIO)
    assert (mario.first_name, mario.last_name, mario.email) == ("Mario", "Rossi", "mario@example.it")
    assert not mario.user.is_staff
    studio = Mailbox.objects.get(address="studio.rossi@pec.ording.roma.it")
    assert (studio.holder_id, studio.plan.code, studio.end_client, studio.auto_renew) == (mario.pk, "pro", True, False)
    assert Mailbox.objects.get(address="mario.rossi@pec.ording.roma.it").auto_renew is True
    assert Mailbox.objects.get(address="societa@pec.example.it").certified_on is None
    assert can_log_in("studio.rossi@pec.ording.roma.it", "Importata-1!")


def test_bad_rows_are_reported_with_their_line_and_leave_nothing_behind(db, tmp_path):
    _out, err, ok = run(
        tmp_path,
        row(),
        row(address="a@pec.it", fiscal_code="RSSMRA80A01H501X"),
        row(address="b@pec.it", fiscal_code=LUIGI, plan="gold"),
        row(address="c@pec.it", fiscal_code=LUIGI, status="attiva"),
        row(address="d@pec.it", fiscal_code=LUIGI, expires="30/03/2030"),
        row(address="e@pec.it", fiscal_code=LUIGI, end_client="forse"),
        row(address="f@pec.it", fiscal_code=LUIGI, password="{MD5}abc"),
        row(address="g@pec.it", fiscal_code=LUIGI, password=""),
        row(address="non-un-indirizzo", fiscal_code=LUIGI),
        "h@pec.it,too,few",
        row(address="i@pec.it", fiscal_code=LUIGI, first="Luigi", last="Bianchi"),
    )
    assert not ok
    for line, text in [(3, "codice fiscale non valido"), (4, "piano sconosciuto: 'gold'"), (5, "stato sconosciuto"),
                       (6, "expires_on non è una data AAAA-MM-GG"), (7, "end_client deve essere yes o no"),
                       (8, "hash della password non supportato"), (9, "password mancante"),
                       (10, "address non è un indirizzo e-mail valido"), (11, "numero di colonne")]:
        assert f"riga {line}: {text}" in err, line
    assert "Caselle create: 2, aggiornate: 0, righe con errori: 9." in err
    assert set(Mailbox.objects.values_list("address", flat=True)) == {"mario.rossi@pec.ording.roma.it", "i@pec.it"}
    # The rows of the new holder that failed created no holder of their own.
    assert Holder.objects.filter(fiscal_code=LUIGI).count() == 1


def test_a_mailbox_of_another_holder_is_not_taken_over(db, tmp_path):
    run(tmp_path, row())
    _out, err, ok = run(tmp_path, row(fiscal_code=LUIGI, first="Luigi"))
    assert not ok
    assert "riga 2: la casella mario.rossi@pec.ording.roma.it appartiene a un altro titolare" in err
    assert not Holder.objects.filter(fiscal_code=LUIGI).exists()


def test_a_missing_column_stops_before_any_row(db, tmp_path):
    _out, err, ok = run(tmp_path, row(), header=HEADER.replace("plan,", "piano,"))
    assert not ok
    assert "colonne mancanti nell'intestazione: plan" in err
    assert not Mailbox.objects.exists()


def test_reimporting_updates_holder_and_mailbox_and_logs_the_status_change(db, tmp_path):
    run(tmp_path, row())
    mailbox = Mailbox.objects.get()
    first_hash = mailbox.password_hash
    out, _err, ok = run(tmp_path, row(email="nuova@example.it", plan="premium", status="sospesa",
                                      expires="2031-03-30", end_client="yes"))
    assert ok
    assert "Caselle create: 0, aggiornate: 1, righe con errori: 0." in out
    mailbox.refresh_from_db()
    assert (mailbox.plan.code, mailbox.status, str(mailbox.expires_on), mailbox.end_client) == (
        "premium", "sospesa", "2031-03-30", True)
    # The same plain password again keeps the stored hash, so no session is signed out.
    assert mailbox.password_hash == first_hash
    assert mailbox.holder.email == "nuova@example.it"
    assert Operation.objects.filter(kind=Operation.Kind.STATUS, description__contains="Sospesa").count() == 1
    assert Holder.objects.count() == 1


def test_reimporting_a_new_password_replaces_the_old_one(db, tmp_path):
    run(tmp_path, row())
    run(tmp_path, row(password="Cambiata-9!"))
    assert can_log_in("mario.rossi@pec.ording.roma.it", "Cambiata-9!")
    assert not can_log_in("mario.rossi@pec.ording.roma.it", "Importata-1!")


def test_mail_platform_hashes_are_imported_as_they_are_and_log_in(db, tmp_path):
    sha = "{SHA512-CRYPT}" + crypt.crypt("Sha-Pass1!", crypt.mksalt(crypt.METHOD_SHA512))
    argon = "{ARGON2ID}" + argon2.PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1).hash("Argon-Pass1!")
    _out, _err, ok = run(tmp_path, row(address="sha@pec.it", password=sha), row(address="argon@pec.it", password=argon))
    assert ok
    assert Mailbox.objects.get(address="sha@pec.it").password_hash.startswith("sha512_crypt$$6$")
    assert check_password("Argon-Pass1!", Mailbox.objects.get(address="argon@pec.it").password_hash)
    assert can_log_in("sha@pec.it", "Sha-Pass1!")
    assert can_log_in("argon@pec.it", "Argon-Pass1!")
    # A successful login moves the legacy hash to the portal's Argon2id.
    assert Mailbox.objects.get(address="sha@pec.it").password_hash.startswith("argon2$argon2id$")


def test_it_shows_progress_only_in_a_terminal(db, tmp_path):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    out, _err, _ok = run(tmp_path, row(), stdout=Terminal())
    assert "\r1/1 righe (100%)" in out
    out, _err, _ok = run(tmp_path, row())
    assert "righe (" not in out


def test_it_reads_the_file_as_a_stream(db, monkeypatch):
    monkeypatch.setattr(importing, "BATCH_SIZE", 5)
    read = []

    def lines():
        yield HEADER + "\n"
        for n in range(40):
            read.append(n)
            yield row(address=f"m{n}@pec.it", password="{SHA512-CRYPT}$6$salt$hash") + "\n"

    seen_when_first_row_done = []
    result = importing.mailboxes_import(
        file=lines(), on_row=lambda result: seen_when_first_row_done.append(len(read)) if result.rows == 1 else None)
    assert result.created == 40
    assert seen_when_first_row_done == [5]


def test_the_tables_it_wrote_are_analysed_for_the_list_that_follows(db, tmp_path):
    tables = [model._meta.db_table for model in importing.IMPORTED_MODELS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        started = cursor.fetchone()[0]
    run(tmp_path, row(), row(address="luigi.bianchi@pec.it", fiscal_code=LUIGI, first="Luigi", last="Bianchi"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT relname, last_analyze FROM pg_stat_user_tables WHERE relname = ANY(%s)", [tables])
        last_analyze = dict(cursor.fetchall())
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'mailboxes_mailbox'::regclass")
        estimated_mailboxes = cursor.fetchone()[0]
    assert sorted(last_analyze) == sorted(tables)
    assert all(analysed is not None and analysed >= started for analysed in last_analyze.values()), last_analyze
    assert estimated_mailboxes == Mailbox.objects.count() == 2
