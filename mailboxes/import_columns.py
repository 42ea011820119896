"""The columns of the import CSV (SPEC 4, docs/foundation.md) and the rules each value must meet:
``row_parse`` turns one row into the values to write, or raises RowError with the reason the
operator reads next to the row's line number."""

import re
import unicodedata
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from accounts import validators
from accounts.hashers import mail_platform_hash_to_django
from accounts.models import Holder

from .models import Mailbox
from .services import normalize_address

REQUIRED_COLUMNS = [
    "address", "fiscal_code", "first_name", "last_name", "email", "plan", "status",
    "requested_on", "certified_on", "expires_on", "end_client", "password",
]
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_YES_NO = {"yes": True, "no": False}
# Bytes that are not UTF-8 arrive as lone surrogates (importing.import_file_open reads the file
# with errors="surrogateescape").
UNDECODABLE = re.compile("[\ud800-\udfff]")


class RowError(Exception):
    pass


def _free_text(text):
    """Names and address lines on one line: a line break typed inside a spreadsheet cell, or any
    run of spaces, becomes one space; other control characters are refused (they have no place
    in a name and would break the invoice XML)."""
    text = " ".join(text.split())
    control = next((ch for ch in text if unicodedata.category(ch) == "Cc"), None)
    if control is not None:
        raise ValidationError(f"carattere di controllo 0x{ord(control):02X}")
    return text


def _invoice_pec(text):
    validate_email(text)
    return text.lower()


# The holder's billing data, named as the accounts.Holder fields they fill, each cleaned as the
# profile form (accounts.forms.ProfileForm) cleans it; free text on one line. A column left out, or a
# cell left empty, keeps what the holder already has.
BILLING_COLUMN_RULES = {
    "street": _free_text,
    "postal_code": validators.clean_postal_code,
    "city": _free_text,
    "province": validators.clean_province,
    "country": validators.clean_country,
    "company_name": _free_text,
    "vat_number": validators.clean_vat_number,
    "sdi_code": validators.clean_sdi_code,
    "invoice_pec": _invoice_pec,
}
BILLING_COLUMNS = list(BILLING_COLUMN_RULES)
OPTIONAL_COLUMNS = ["auto_renew", *BILLING_COLUMNS]


def row_parse(row, plans):
    """``row``: column → text for the columns the file has; ``plans``: code → Plan."""
    _check_characters(row)
    value = {name: (row.get(name) or "").strip() for name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS}
    address = normalize_address(value["address"])
    _check_email(address, "address")
    _check_email(value["email"], "email")
    try:
        fiscal_code = validators.clean_fiscal_code(value["fiscal_code"])
    except ValidationError:
        raise RowError(f"codice fiscale non valido: {_shown(value['fiscal_code'])}") from None
    names = {name: _validated(_free_text, value, name) for name in ("first_name", "last_name")}
    for name, text in names.items():
        limit = Holder._meta.get_field(name).max_length
        if not text or len(text) > limit:
            raise RowError(f"{name} mancante o più lungo di {limit} caratteri")
    if value["plan"] not in plans:
        raise RowError(f"piano sconosciuto: {_shown(value['plan'])} (validi: {', '.join(sorted(plans))})")
    if value["status"] not in Mailbox.Status.values:
        raise RowError(f"stato sconosciuto: {_shown(value['status'])} (validi: {', '.join(Mailbox.Status.values)})")
    requested_on = _date(value, "requested_on", required=True)
    certified_on = _date(value, "certified_on", required=False)
    expires_on = _date(value, "expires_on", required=True)
    if certified_on and certified_on < requested_on:
        raise RowError("certified_on precede requested_on")
    return {
        "address": address,
        "fiscal_code": fiscal_code,
        **names,
        "email": value["email"].lower(),
        "billing": _billing(value),
        "plan": plans[value["plan"]],
        "status": value["status"],
        "requested_on": requested_on,
        "certified_on": certified_on,
        "expires_on": expires_on,
        "end_client": _yes_no(value, "end_client", default=None),
        "auto_renew": _yes_no(value, "auto_renew", default=True),
        "password": _password(value["password"]),
    }


def _check_characters(row):
    """PostgreSQL stores no NUL in text, and a byte that is not UTF-8 is most often a file saved
    as Latin-1 or Windows-1252: an accented name would be stored wrong, so the row is refused."""
    for column, text in row.items():
        if "\x00" in text:
            raise RowError(f"carattere NUL (0x00) nella colonna {column}")
        if surrogate := UNDECODABLE.search(text):
            code = ord(surrogate.group())
            byte = f"byte 0x{code - 0xDC00:02X}" if 0xDC80 <= code <= 0xDCFF else "carattere"
            raise RowError(f"{byte} non valido in UTF-8 nella colonna {column}: "
                           "salva il file come «CSV UTF-8» (il file sembra in Latin-1 o Windows-1252)")


def _shown(text):
    """A refused value echoed back in the message, cut short: the line number finds the rest."""
    return repr(text if len(text) <= 60 else text[:60] + "…")


def _check_email(value, column):
    try:
        validate_email(value)
    except ValidationError:
        raise RowError(f"{column} non è un indirizzo e-mail valido: {_shown(value)}") from None
    if len(value) > 254:
        raise RowError(f"{column} più lungo di 254 caratteri")


def _validated(clean, value, column):
    """The cleaned value, or RowError naming the column with the rule's own message (for the
    billing columns, the message the profile form shows)."""
    try:
        return clean(value[column])
    except ValidationError as error:
        raise RowError(f"{column}: {error.messages[0]} ({_shown(value[column])})") from None


def _billing(value):
    """The billing values the row carries (non-empty cells only), cleaned."""
    billing = {}
    for column in BILLING_COLUMNS:
        if value[column]:
            billing[column] = _validated(BILLING_COLUMN_RULES[column], value, column)
            limit = Holder._meta.get_field(column).max_length
            if len(billing[column]) > limit:
                raise RowError(f"{column} più lungo di {limit} caratteri")
    return billing


def _date(value, column, *, required):
    text = value[column]
    if not text and not required:
        return None
    try:
        if not _DATE.match(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise RowError(f"{column} non è una data AAAA-MM-GG: {_shown(text)}") from None


def _yes_no(value, column, *, default):
    text = value[column].lower()
    if not text and default is not None:
        return default
    if text not in _YES_NO:
        raise RowError(f"{column} deve essere yes o no: {_shown(value[column])}")
    return _YES_NO[text]


def _password(text):
    """(plain, hash): a mail-platform hash is kept as is; anything else is a plain password,
    hashed only once the row is known to need it, because hashing is the slow part."""
    if text.startswith("{"):
        converted = mail_platform_hash_to_django(text)
        if converted is None:
            raise RowError("hash della password non supportato (ammessi {ARGON2ID} e {SHA512-CRYPT})")
        limit = Mailbox._meta.get_field("password_hash").max_length
        if len(converted) > limit:
            raise RowError(f"hash della password più lungo di {limit} caratteri")
        return None, converted
    return text or None, None
