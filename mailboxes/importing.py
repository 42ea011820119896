"""``import_mailboxes``: holders and mailboxes from the CSV of SPEC 4, one row at a time.

Rows are read straight from the open file, so memory stays flat whatever the file size. Each row
runs in its own savepoint: a bad row is reported with its line number and leaves nothing
behind, while the good rows around it are kept. Savepoints sit inside transactions of
``BATCH_SIZE`` rows, so a large file does not pay one commit per row."""

import csv
import itertools
import re
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DataError, IntegrityError, connections, router, transaction
from django.utils import timezone

from accounts.hashers import mail_platform_hash_to_django
from accounts.models import Holder, HolderCounts, Operation, User
from accounts.services import holder_create, holder_update
from accounts.validators import clean_fiscal_code

from .models import Mailbox, Plan
from .services import mailbox_set_status, normalize_address

REQUIRED_COLUMNS = [
    "address", "fiscal_code", "first_name", "last_name", "email", "plan", "status",
    "requested_on", "certified_on", "expires_on", "end_client", "password",
]
OPTIONAL_COLUMNS = ["auto_renew"]
BATCH_SIZE = 500
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YES_NO = {"yes": True, "no": False}


class RowError(Exception):
    pass


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


def mailboxes_import(*, file, on_row=None, on_error=None):
    """Import every row of the open text ``file``. ``on_row(result)`` runs after each row (for a
    progress display), ``on_error(line, message)`` for each rejected row."""
    reader = csv.DictReader(file)
    _check_header(reader.fieldnames)
    plans = {plan.code: plan for plan in Plan.objects.all()}
    numbered = ((reader.line_num, row) for row in reader)
    result = ImportResult()
    while batch := list(itertools.islice(numbered, BATCH_SIZE)):
        with transaction.atomic():
            for line, row in batch:
                try:
                    with transaction.atomic():
                        created = _import_row(row, plans)
                except (RowError, IntegrityError, DataError) as error:
                    result.failed += 1
                    if on_error is not None:
                        on_error(line, str(error) if isinstance(error, RowError) else _database_refusal(error))
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


def _check_header(columns):
    missing = [name for name in REQUIRED_COLUMNS if name not in (columns or [])]
    if missing:
        raise HeaderError("colonne mancanti nell'intestazione: " + ", ".join(missing))
    unknown = [name for name in columns if name not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise HeaderError("colonne sconosciute nell'intestazione: " + ", ".join(unknown))


def _import_row(row, plans):
    """Write one row; True when its mailbox was created, False when updated."""
    if None in row or any(value is None for value in row.values()):
        raise RowError("numero di colonne diverso dall'intestazione")
    data = _parse_row(row, plans)
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


def _parse_row(row, plans):
    value = {name: (row.get(name) or "").strip() for name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS}
    address = normalize_address(value["address"])
    _check_email(address, "address")
    _check_email(value["email"], "email")
    try:
        fiscal_code = clean_fiscal_code(value["fiscal_code"])
    except ValidationError:
        raise RowError(f"codice fiscale non valido: {value['fiscal_code']!r}") from None
    for name in ("first_name", "last_name"):
        if not value[name] or len(value[name]) > 100:
            raise RowError(f"{name} mancante o più lungo di 100 caratteri")
    if value["plan"] not in plans:
        raise RowError(f"piano sconosciuto: {value['plan']!r} (validi: {', '.join(sorted(plans))})")
    if value["status"] not in Mailbox.Status.values:
        raise RowError(f"stato sconosciuto: {value['status']!r} (validi: {', '.join(Mailbox.Status.values)})")
    requested_on = _date(value, "requested_on", required=True)
    certified_on = _date(value, "certified_on", required=False)
    expires_on = _date(value, "expires_on", required=True)
    if certified_on and certified_on < requested_on:
        raise RowError("certified_on precede requested_on")
    return {
        "address": address,
        "fiscal_code": fiscal_code,
        "first_name": value["first_name"],
        "last_name": value["last_name"],
        "email": value["email"].lower(),
        "plan": plans[value["plan"]],
        "status": value["status"],
        "requested_on": requested_on,
        "certified_on": certified_on,
        "expires_on": expires_on,
        "end_client": _yes_no(value, "end_client", default=None),
        "auto_renew": _yes_no(value, "auto_renew", default=True),
        "password": _password(value["password"]),
    }


def _check_email(value, column):
    try:
        validate_email(value)
    except ValidationError:
        raise RowError(f"{column} non è un indirizzo e-mail valido: {value!r}") from None
    if len(value) > 254:
        raise RowError(f"{column} più lungo di 254 caratteri")


def _date(value, column, *, required):
    text = value[column]
    if not text and not required:
        return None
    try:
        if not _DATE.match(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise RowError(f"{column} non è una data AAAA-MM-GG: {text!r}") from None


def _yes_no(value, column, *, default):
    text = value[column].lower()
    if not text and default is not None:
        return default
    if text not in _YES_NO:
        raise RowError(f"{column} deve essere yes o no: {value[column]!r}")
    return _YES_NO[text]


def _password(text):
    """(plain, hash): a mail-platform hash is kept as is; anything else is a plain password,
    hashed only once the row is known to need it, because hashing is the slow part."""
    if text.startswith("{"):
        converted = mail_platform_hash_to_django(text)
        if converted is None:
            raise RowError("hash della password non supportato (ammessi {ARGON2ID} e {SHA512-CRYPT})")
        return None, converted
    return text or None, None


def _holder_upsert(data):
    holder = Holder.objects.filter(fiscal_code=data["fiscal_code"]).first()
    fields = {name: data[name] for name in ("first_name", "last_name", "email")}
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
