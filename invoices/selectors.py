from django.db.models import Prefetch
from django.utils.translation import gettext as _

from .models import Invoice, InvoiceLine


def invoices_for_holder(*, holder):
    """The /invoices/ list: newest first, only what a row shows (served by the holder index)."""
    return (
        Invoice.objects.filter(holder=holder)
        .order_by("-issued_on", "-id")
        .only("id", "number", "kind", "issued_on", "net_cents", "vat_cents", "gross_cents")
    )


def invoice_get_for_holder(*, holder, invoice_id):
    """One of the holder's invoices with its lines, ready to render; None for anyone else's."""
    return _with_lines(Invoice.objects.filter(holder=holder, pk=invoice_id)).first()


def invoices_for_export(*, queryset=None, date_from=None, date_to=None):
    """Invoices to turn into FatturaPA files, with everything the XML needs in a fixed number of queries."""
    invoices = Invoice.objects.all() if queryset is None else queryset
    if date_from is not None:
        invoices = invoices.filter(issued_on__gte=date_from)
    if date_to is not None:
        invoices = invoices.filter(issued_on__lte=date_to)
    return _with_lines(invoices).order_by("year", "sequence")


def _with_lines(invoices):
    return invoices.select_related("corrects").prefetch_related(
        Prefetch("lines", queryset=InvoiceLine.objects.order_by("position"))
    )


def invoice_missing_data(holder):
    """What the holder's profile lacks before an invoice can be made out to them (SPEC 3.9,
    FatturaPA Sede and recipient), as messages to show; empty when nothing is missing."""
    missing = []
    for field, message in (
        ("street", _("Indica l'indirizzo di fatturazione.")),
        ("postal_code", _("Indica il CAP.")),
        ("city", _("Indica la città.")),
        ("province", _("Indica la provincia.")),
    ):
        if not (getattr(holder, field) or "").strip():
            missing.append(message)
    is_company = bool(holder.company_name.strip() or holder.vat_number.strip())
    if is_company and not (holder.sdi_code.strip() or holder.invoice_pec.strip()):
        missing.append(_("Per un'azienda indica il codice destinatario o la PEC per le fatture elettroniche."))
    return missing
