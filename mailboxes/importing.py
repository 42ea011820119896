"""``import_mailboxes``: holders and mailboxes from the CSV of SPEC 4, one row at a time.

Rows are read straight from the open file, so memory stays flat whatever the file size. Each row
runs in its own savepoint: a bad row is reported with its line number and leaves nothing
behind, while the good rows around it are kept. Savepoints sit inside transactions of
``BATCH_SIZE`` rows, so a large file does not pay one commit per row."""

import itertools
from dataclasses import dataclass

from django.contrib.auth.hashers import check_password, make_password
from django.db import DataError, IntegrityError, connections, router, transaction
from django.utils import timezone

from accounts.models import Holder, HolderCounts, Operation, User
from accounts.services import holder_create, holder_update

from .csv_records import csv_records
from .import_columns import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, UNDECODABLE, RowError, row_parse
from .models import Mailbox, Plan
from .services import mailbox_set_status

BATCH_SIZE = 500


class HeaderError(Exception):
    pass


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    # A count, not a list: a file of 100,000 bad rows must not fill memory; on_error reports each.
    failed: int = 0

    @property
    def rows(self):
        return self.created + self.updated + self.failed


def import_file_open(path):
    """The file as mailboxes_import reads it: UTF-8 with or without a BOM, line ends kept for the
    CSV reader, and each byte that is not UTF-8 kept as a lone surrogate, so that only its row is
    refused (import_columns) instead of the whole file stopping at it."""
    return open(path, encoding="utf-8-sig", errors="surrogateescape", newline="")


def mailboxes_import(*, file, on_row=None, on_error=None):
    """Import every row of ``file`` (import_file_open, or any iterable of lines). ``on_row(result)``
    runs after each row (for a progress display), ``on_error(line, message)`` for each rejected row.
    Raises HeaderError, having written nothing, when the header row is not the import's."""
    lines = iter(file)
    first = next(lines, None)
    if first is None:
        raise HeaderError("il file è vuoto: la prima riga deve essere l'intestazione")
    records = csv_records(itertools.chain([first], lines), delimiter=_delimiter(first))
    header = _header(next(records))
    plans = {plan.code: plan for plan in Plan.objects.all()}
    rows = (record for record in records if not record.blank)
    result = ImportResult()
    while batch := list(itertools.islice(rows, BATCH_SIZE)):
        with transaction.atomic():
            for record in batch:
                try:
                    with transaction.atomic():
                        created = _import_record(record, header, plans)
                except (RowError, IntegrityError, DataError) as error:
                    result.failed += 1
                    if on_error is not None:
                        on_error(record.line, str(error) if isinstance(error, RowError) else _database_refusal(error))
                else:
                    if created:
                        result.created += 1
                    else:
                        result.updated += 1
                if on_row is not None:
                    on_row(result)
    _refresh_planner_statistics()
    return result


# Every table an import writes: holders and their users, mailboxes, the operations that log status
# changes and profile edits, and the counts the triggers keep.
IMPORTED_MODELS = [User, Holder, Mailbox, Operation, HolderCounts]


def _refresh_planner_statistics():
    """A holder who has just imported 10,000 mailboxes opens the list at once, before autovacuum
    gets round to the tables: with the old statistics PostgreSQL plans for the handful of rows the
    holder had. ANALYZE reads a sample of fixed size, so its cost does not grow with the tables."""
    connection = connections[router.db_for_write(Mailbox)]
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in IMPORTED_MODELS)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def _database_refusal(error):
    return f"riga rifiutata dal database: {str(error).splitlines()[0]}"


def _delimiter(header_line):
    """Italian spreadsheets save CSV with semicolons; the column names hold neither separator,
    so the header line tells which one the file uses."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _header(record):
    if record.problem:
        raise HeaderError(f"intestazione non leggibile: {record.problem}")
    if any(UNDECODABLE.search(name) or "\x00" in name for name in record.fields):
        raise HeaderError("l'intestazione contiene byte non UTF-8 o caratteri NUL: salva il file come «CSV UTF-8»")
    columns = [name.strip().lstrip("\ufeff").strip() for name in record.fields]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        hint = ": il separatore deve essere la virgola o il punto e virgola" if len(columns) == 1 else ""
        raise HeaderError("colonne mancanti nell'intestazione: " + ", ".join(missing) + hint)
    unknown = [name for name in columns if name not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise HeaderError("colonne sconosciute nell'intestazione: " + ", ".join(map(repr, unknown)))
    repeated = sorted({name for name in columns if columns.count(name) > 1})
    if repeated:
        raise HeaderError("colonne ripetute nell'intestazione: " + ", ".join(repeated))
    return columns


def _import_record(record, header, plans):
    """Write one row; True when its mailbox was created, False when updated."""
    if record.problem:
        raise RowError(record.problem)
    if len(record.fields) != len(header):
        raise RowError(f"numero di colonne diverso dall'intestazione ({len(record.fields)} invece di {len(header)})")
    data = row_parse(dict(zip(header, record.fields, strict=True)), plans)
    holder = _holder_upsert(data)
    mailbox = Mailbox.objects.select_for_update().filter(address=data["address"]).first()
    if mailbox is None:
        plain, hashed = data["password"]
        if not (plain or hashed):
            raise RowError("password mancante per una casella nuova")
        Mailbox.objects.create(holder=holder, **_mailbox_fields(data), password_hash=hashed or make_password(plain))
        return True
    if mailbox.holder_id != holder.pk:
        raise RowError(f"la casella {mailbox.address} appartiene a un altro titolare")
    _mailbox_update(mailbox, data)
    return False


def _holder_upsert(data):
    holder = Holder.objects.filter(fiscal_code=data["fiscal_code"]).first()
    fields = {name: data[name] for name in ("first_name", "last_name", "email")} | data["billing"]
    if holder is None:
        return holder_create(fiscal_code=data["fiscal_code"], **fields)
    # A holder's thousand mailboxes repeat the same data: only a real change pays for the lock.
    if any(getattr(holder, name) != value for name, value in fields.items()):
        holder_update(holder_id=holder.pk, fields=fields)
    return holder


def _mailbox_fields(data):
    return {
        "address": data["address"],
        "plan": data["plan"],
        "status": data["status"],
        "requested_on": data["requested_on"],
        "certified_on": data["certified_on"],
        "expires_on": data["expires_on"],
        "end_client": data["end_client"],
        "auto_renew": data["auto_renew"],
    }


def _mailbox_update(mailbox, data):
    fields = _mailbox_fields(data)
    status = fields.pop("status")
    changed = [name for name, value in fields.items() if getattr(mailbox, name) != value]
    for name in changed:
        setattr(mailbox, name, fields[name])
    new_hash = _changed_password_hash(mailbox, *data["password"])
    if new_hash:
        mailbox.password_hash = new_hash
        changed.append("password_hash")
    if changed:
        mailbox.save(update_fields=changed)
    if status != mailbox.status:
        mailbox_set_status(mailbox=mailbox, status=status, on_date=timezone.localdate(),
                           description=f"Stato da importazione: {Mailbox.Status(status).label}")


def _changed_password_hash(mailbox, plain, hashed):
    """The hash to store, or None when the file repeats the current password: a re-import must
    not sign the mailbox's sessions out (they are bound to the stored hash)."""
    if hashed:
        return None if hashed == mailbox.password_hash else hashed
    if plain and not (mailbox.password_hash and check_password(plain, mailbox.password_hash)):
        return make_password(plain)
    return None
