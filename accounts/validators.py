"""Italian identifiers and address parts (SPEC 3.9): each function returns the value in its
canonical form or raises ValidationError with the message the holder or operator reads."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.it import codicefiscale, iva

# re.ASCII: \d alone also matches Arabic-Indic and full-width digits.
_POSTAL_CODE = re.compile(r"^\d{5}$", re.ASCII)
_TWO_LETTERS = re.compile(r"^[A-Z]{2}$")
_SDI_CODE = re.compile(r"^[A-Z0-9]{7}$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ./-]{4,28}$")


def clean_fiscal_code(value):
    """A person's 16-character codice fiscale, or a company's 11-digit one (stdnum accepts both)."""
    try:
        return codicefiscale.validate(value)
    except StdnumError:
        raise ValidationError(_("Codice fiscale non valido."), code="fiscal_code") from None


def clean_vat_number(value):
    try:
        return iva.validate(value)
    except StdnumError:
        raise ValidationError(_("Partita IVA non valida."), code="vat_number") from None


def clean_postal_code(value):
    value = value.strip()
    if not _POSTAL_CODE.match(value):
        raise ValidationError(_("Il CAP deve essere di 5 cifre."), code="postal_code")
    return value


def clean_province(value):
    value = value.strip().upper()
    if not _TWO_LETTERS.match(value):
        raise ValidationError(_("La provincia è una sigla di 2 lettere (es. RM)."), code="province")
    return value


def clean_country(value):
    value = value.strip().upper()
    if not _TWO_LETTERS.match(value):
        raise ValidationError(_("Indica la nazione con il codice di 2 lettere (es. IT)."), code="country")
    return value


def clean_sdi_code(value):
    value = value.strip().upper()
    if not _SDI_CODE.match(value):
        raise ValidationError(_("Il codice destinatario è di 7 caratteri, lettere o cifre."), code="sdi_code")
    return value


def clean_phone(value):
    value = value.strip()
    if not _PHONE.match(value) or sum(ch.isdigit() for ch in value) < 6:
        raise ValidationError(_("Numero di telefono non valido."), code="phone")
    return value
