"""FatturaPA 1.2 (FPR12) XML for one invoice or credit note, its SdI file name and its schema check.

Amounts are written from integer cents with string formatting, never through floats."""

import re
import unicodedata
from functools import cache
from pathlib import Path

from lxml import etree

from invoices.vat import VAT_RATE_PERCENT

from . import conf

NAMESPACE = "http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2"
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Recipients: "0000000" = no channel given (SdI leaves it in the buyer's cassetto fiscale, or sends it
# to PECDestinatario); "XXXXXXX" = a buyer abroad (provvedimento AdE, specifiche tecniche 1.2).
NO_CODE = "0000000"
ABROAD_CODE = "XXXXXXX"


def amount(cents):
    """12345 -> '123.45'; -5 -> '-0.05'."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(int(cents)), 100)
    return f"{sign}{euros}.{rest:02d}"


def rate(percent):
    return f"{int(percent)}.00"


def progressive(invoice):
    """Five base-36 characters from the invoice id: unique per transmitter, the same on every export."""
    n = invoice.pk
    if not 0 < n < 36**5:
        raise ValueError(f"invoice id {n} does not fit five base-36 characters")
    digits = ""
    while n:
        n, d = divmod(n, 36)
        digits = _BASE36[d] + digits
    return digits.rjust(5, "0")


def file_name(invoice):
    """The SdI rule: country code + transmitter's tax id + '_' + 5-character progressive + '.xml'."""
    country, tax_id = conf.transmitter()
    return f"{country}{tax_id}_{progressive(invoice)}.xml"


# Letters and signs with no decomposition into Basic Latin.
_BEYOND_LATIN_1 = str.maketrans({"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Œ": "OE", "œ": "oe", "€": "EUR",
                                 "“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "..."})


def _latin(text, limit, *, basic=False):
    """Fit free text to the schema's Latin strings: Basic Latin and Latin-1 only (Basic Latin alone
    when ``basic``), one line, at most ``limit`` characters (anything else is transliterated, or
    replaced by '?')."""
    beyond = 128 if basic else 256
    out = []
    for char in " ".join(str(text).split()).translate(_BEYOND_LATIN_1):
        if ord(char) < beyond:
            out.append(char)
            continue
        ascii_form = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
        out.append(ascii_form or "?")
    return "".join(out)[:limit].strip()


def _sub(parent, tag, text=None):
    element = etree.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _sede(parent, *, street, postal_code, city, province, country):
    sede = _sub(parent, "Sede")
    _sub(sede, "Indirizzo", _latin(street, 60))
    # A foreign postcode does not fit CAPType: SdI's rule is "00000" for addresses abroad.
    _sub(sede, "CAP", postal_code if country == "IT" or re.fullmatch(r"\d{5}", postal_code) else "00000")
    _sub(sede, "Comune", _latin(city, 60))
    if province and country == "IT":
        _sub(sede, "Provincia", province.upper())
    _sub(sede, "Nazione", country.upper())


def _recipient(invoice):
    if invoice.buyer_country != "IT":
        return ABROAD_CODE, ""
    if invoice.buyer_sdi_code:
        return invoice.buyer_sdi_code.upper(), ""
    return NO_CODE, invoice.buyer_invoice_pec


def _header(root, invoice):
    header = _sub(root, "FatturaElettronicaHeader")
    country, tax_id = conf.transmitter()
    transmission = _sub(header, "DatiTrasmissione")
    sender = _sub(transmission, "IdTrasmittente")
    _sub(sender, "IdPaese", country)
    _sub(sender, "IdCodice", tax_id)
    _sub(transmission, "ProgressivoInvio", progressive(invoice))
    _sub(transmission, "FormatoTrasmissione", "FPR12")
    code, pec = _recipient(invoice)
    _sub(transmission, "CodiceDestinatario", code)
    if pec:
        _sub(transmission, "PECDestinatario", pec)

    seller = invoice.seller
    cedente = _sub(header, "CedentePrestatore")
    data = _sub(cedente, "DatiAnagrafici")
    vat = _sub(data, "IdFiscaleIVA")
    _sub(vat, "IdPaese", seller["country"])
    _sub(vat, "IdCodice", seller["vat_number"])
    if seller.get("fiscal_code"):
        _sub(data, "CodiceFiscale", seller["fiscal_code"].upper())
    _sub(_sub(data, "Anagrafica"), "Denominazione", _latin(seller["name"], 80))
    _sub(data, "RegimeFiscale", seller["tax_regime"])
    _sede(cedente, street=seller["street"], postal_code=seller["postal_code"], city=seller["city"],
          province=seller["province"], country=seller["country"])

    buyer = _sub(header, "CessionarioCommittente")
    data = _sub(buyer, "DatiAnagrafici")
    if invoice.buyer_vat_number:
        vat = _sub(data, "IdFiscaleIVA")
        _sub(vat, "IdPaese", invoice.buyer_country)
        _sub(vat, "IdCodice", invoice.buyer_vat_number)
    if invoice.buyer_fiscal_code:
        _sub(data, "CodiceFiscale", invoice.buyer_fiscal_code.upper())
    registry = _sub(data, "Anagrafica")
    if invoice.buyer_company_name:
        _sub(registry, "Denominazione", _latin(invoice.buyer_company_name, 80))
    else:
        _sub(registry, "Nome", _latin(invoice.buyer_first_name, 60))
        _sub(registry, "Cognome", _latin(invoice.buyer_last_name, 60))
    _sede(buyer, street=invoice.buyer_street, postal_code=invoice.buyer_postal_code, city=invoice.buyer_city,
          province=invoice.buyer_province, country=invoice.buyer_country)


def _body(root, invoice):
    body = _sub(root, "FatturaElettronicaBody")
    general = _sub(body, "DatiGenerali")
    document = _sub(general, "DatiGeneraliDocumento")
    _sub(document, "TipoDocumento", "TD04" if invoice.is_credit_note else "TD01")
    _sub(document, "Divisa", "EUR")
    _sub(document, "Data", invoice.issued_on.isoformat())
    _sub(document, "Numero", invoice.number)
    _sub(document, "ImportoTotaleDocumento", amount(invoice.gross_cents))
    if invoice.is_credit_note:
        _sub(document, "Causale", _latin(invoice.reason, 200))
        linked = _sub(general, "DatiFattureCollegate")
        _sub(linked, "IdDocumento", invoice.corrects.number)
        _sub(linked, "Data", invoice.corrects.issued_on.isoformat())

    goods = _sub(body, "DatiBeniServizi")
    vat_rate = rate(invoice.vat_rate_percent or VAT_RATE_PERCENT)
    for line in invoice.lines.all():
        detail = _sub(goods, "DettaglioLinee")
        _sub(detail, "NumeroLinea", str(line.position))
        description = f"{line.description} - {line.mailbox_address}" if line.mailbox_address else line.description
        _sub(detail, "Descrizione", _latin(description, 1000))
        _sub(detail, "Quantita", f"{line.quantity}.00")
        _sub(detail, "UnitaMisura", _latin(line.unit, 10, basic=True))
        if line.period_start and line.period_end:
            _sub(detail, "DataInizioPeriodo", line.period_start.isoformat())
            _sub(detail, "DataFinePeriodo", line.period_end.isoformat())
        _sub(detail, "PrezzoUnitario", amount(line.unit_price_cents))
        _sub(detail, "PrezzoTotale", amount(line.net_cents))
        _sub(detail, "AliquotaIVA", vat_rate)
    summary = _sub(goods, "DatiRiepilogo")
    _sub(summary, "AliquotaIVA", vat_rate)
    _sub(summary, "ImponibileImporto", amount(invoice.net_cents))
    _sub(summary, "Imposta", amount(invoice.vat_cents))
    _sub(summary, "EsigibilitaIVA", "I")

    if not invoice.is_credit_note:
        # Paid in full (TP02) from the prepaid credit, itself topped up by card (MP08).
        payment = _sub(body, "DatiPagamento")
        _sub(payment, "CondizioniPagamento", "TP02")
        detail = _sub(payment, "DettaglioPagamento")
        _sub(detail, "ModalitaPagamento", "MP08")
        _sub(detail, "ImportoPagamento", amount(invoice.gross_cents))


def invoice_xml(invoice):
    """The FPR12 document (bytes, UTF-8). ``invoice`` comes from invoices_for_export (lines prefetched)."""
    root = etree.Element(
        f"{{{NAMESPACE}}}FatturaElettronica",
        nsmap={"p": NAMESPACE, "ds": "http://www.w3.org/2000/09/xmldsig#",
               "xsi": "http://www.w3.org/2001/XMLSchema-instance"},
        versione="FPR12",
    )
    _header(root, invoice)
    _body(root, invoice)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


class _LocalSchemas(etree.Resolver):
    """The FatturaPA schema imports xmldsig from w3.org; these files ship with the app instead."""

    def resolve(self, url, public_id, context):
        if url.endswith("xmldsig-core-schema.xsd"):
            return self.resolve_filename(str(SCHEMA_DIR / "xmldsig-core-schema.xsd"), context)
        return None


@cache
def schema():
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_LocalSchemas())
    document = etree.parse(str(SCHEMA_DIR / "Schema_VFPR12_v1.2.3.xsd"), parser)
    return etree.XMLSchema(document)


def xml_errors(document):
    """The schema's complaints about one XML document (bytes); empty when it is valid."""
    xsd = schema()
    if xsd.validate(etree.fromstring(document, etree.XMLParser(no_network=True))):
        return []
    return [f"riga {error.line}: {error.message}" for error in xsd.error_log]
