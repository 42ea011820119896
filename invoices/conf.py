"""The provider's own data on every invoice, from settings (INVOICE_SELLER_*, INVOICE_TRANSMITTER_*).

Read at issue time and copied into each invoice, so a later change of address never rewrites an
invoice already issued. The defaults are an example company: set real values in production."""

from django.conf import settings

DEFAULTS = {
    "INVOICE_SELLER_NAME": "PEC Esempio S.r.l.",
    # Checksum-valid example partita IVA (python-stdnum accepts it); replace with the provider's own.
    "INVOICE_SELLER_VAT_NUMBER": "07654321004",
    "INVOICE_SELLER_FISCAL_CODE": "07654321004",
    "INVOICE_SELLER_STREET": "Viale Europa 190",
    "INVOICE_SELLER_POSTAL_CODE": "00144",
    "INVOICE_SELLER_CITY": "Roma",
    "INVOICE_SELLER_PROVINCE": "RM",
    "INVOICE_SELLER_COUNTRY": "IT",
    "INVOICE_SELLER_EMAIL": "amministrazione@pec.example.it",
    # RF01: regime ordinario (FatturaPA RegimeFiscaleType).
    "INVOICE_SELLER_TAX_REGIME": "RF01",
}


def _get(name):
    return getattr(settings, name, DEFAULTS[name])


def seller_snapshot():
    return {
        "name": _get("INVOICE_SELLER_NAME"),
        "vat_number": _get("INVOICE_SELLER_VAT_NUMBER"),
        "fiscal_code": _get("INVOICE_SELLER_FISCAL_CODE"),
        "street": _get("INVOICE_SELLER_STREET"),
        "postal_code": _get("INVOICE_SELLER_POSTAL_CODE"),
        "city": _get("INVOICE_SELLER_CITY"),
        "province": _get("INVOICE_SELLER_PROVINCE"),
        "country": _get("INVOICE_SELLER_COUNTRY"),
        "email": _get("INVOICE_SELLER_EMAIL"),
        "tax_regime": _get("INVOICE_SELLER_TAX_REGIME"),
    }


def transmitter():
    """Who sends the XML to SdI (IdTrasmittente, and the file names): by default the seller itself;
    an intermediary's country and tax id when the provider uses one."""
    return (
        getattr(settings, "INVOICE_TRANSMITTER_COUNTRY", _get("INVOICE_SELLER_COUNTRY")),
        getattr(settings, "INVOICE_TRANSMITTER_ID", _get("INVOICE_SELLER_VAT_NUMBER")),
    )
