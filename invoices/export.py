"""A period's FatturaPA files for the SdI intermediary (command export_fatturapa, admin action).

Every document that can be sent is written; each one that cannot is listed with its number, its
buyer and why, and never holds the others back. Exporting again writes the same files under the
same names (invoices.fatturapa.file_name), plus those completed since."""

import io
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .fatturapa import file_name, invoice_xml, xml_errors
from .selectors import invoice_buyer_missing
from .services import invoice_buyer_complete_many


@dataclass(frozen=True)
class Skipped:
    number: str
    buyer: str
    reason: str


@dataclass(frozen=True)
class FatturaPAExport:
    archive: bytes
    file_names: list
    skipped: list
    completed: list


def fatturapa_export(*, invoices):
    """``invoices`` from invoices.selectors.invoices_for_export. Documents issued to an incomplete
    profile first take the holder's data if the holder has completed them since; then each
    document is written if its buyer's data are complete and the XML passes the official schema."""
    invoices = list(invoices)
    completed = invoice_buyer_complete_many(invoices=invoices)
    documents, skipped = [], []
    for invoice in invoices:
        document, reason = fatturapa_document(invoice)
        if reason:
            skipped.append(Skipped(number=invoice.number, buyer=_buyer(invoice), reason=reason))
        else:
            documents.append((invoice, document))
    return FatturaPAExport(archive=_zip(documents), file_names=[file_name(invoice) for invoice, _doc in documents],
                           skipped=skipped, completed=[invoice.number for invoice in completed])


def fatturapa_document(invoice):
    """(the XML, "") for a document SdI can receive, else (None, why not)."""
    missing = invoice_buyer_missing(invoice)
    if missing:
        return None, _("dati di fatturazione mancanti: %(parts)s") % {"parts": ", ".join(missing)}
    document = invoice_xml(invoice)
    errors = xml_errors(document)
    if errors:
        return None, _("non supera lo schema FatturaPA: %(errors)s") % {"errors": "; ".join(errors)}
    return document, ""


def _buyer(invoice):
    return f"{invoice.buyer_name} ({invoice.buyer_vat_number or invoice.buyer_fiscal_code})"


def _zip(documents):
    """Each file dated with its document, so the same documents always make the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for invoice, document in documents:
            entry = zipfile.ZipInfo(file_name(invoice), date_time=invoice.issued_on.timetuple()[:6])
            entry.external_attr = 0o644 << 16  # rw-r--r-- once unzipped, as writestr gives a plain name
            archive.writestr(entry, document, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
