"""Italian identifiers and address parts (SPEC 3.9): each function returns the value in its
canonical form or raises ValidationError with the message the holder or operator reads."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.it import codicefiscale, iva

# re.ASCII: \d alone also matches Arabic-Indic and full-width digits.
_POSTAL_CODE = re.compile(r"^\d{5}$", re.ASCII)
_TWO_LETTERS = re.compile(r"^[A-Z]{2}$")
_SDI_CODE = re.compile(r"^[A-Z0-9]{7}$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ./-]{4,28}$")


ALERT_EMAILS_MAX = 5
_ADDRESS_SEPARATORS = re.compile(r"[\s,;]+")


def clean_alert_emails(text, *, reference_email=""):
    """The extra recipients of the alerts, written one per line (commas and semicolons also
    separate them): a list of at most ALERT_EMAILS_MAX distinct lower-case addresses, none of them
    the reference address, which receives the alerts anyway."""
    addresses = [address.lower() for address in _ADDRESS_SEPARATORS.split(text or "") if address]
    errors = []
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            errors.append(_("«%(address)s» non è un indirizzo e-mail valido.") % {"address": address})
    if len(addresses) > ALERT_EMAILS_MAX:
        errors.append(_("Puoi indicare al massimo %(max)d indirizzi.") % {"max": ALERT_EMAILS_MAX})
    seen = set()
    for address in addresses:
        if address in seen:
            errors.append(_("L'indirizzo %(address)s è ripetuto.") % {"address": address})
        seen.add(address)
    if reference_email and reference_email.lower() in seen:
        errors.append(_("L'indirizzo %(address)s è già l'e-mail di riferimento, che riceve comunque gli avvisi.")
                      % {"address": reference_email.lower()})
    if errors:
        raise ValidationError(errors, code="alert_emails")
    return addresses


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
