from dataclasses import replace

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy

from core.paging import FIRST_PAGE, PAGE_SIZE, KeysetPage, fetch_all

from .models import Invoice, InvoiceLine


def invoices_for_holder(*, holder, cursor=FIRST_PAGE):
    """A page of the /invoices/ list (invoices_page) with each kind named as the page shows it."""
    page = invoices_page(holder=holder, cursor=cursor)
    kinds = {kind.value: str(kind.label) for kind in Invoice.Kind}
    return replace(page, rows=[{**row, "kind": kinds.get(row["kind"], row["kind"])} for row in page.rows])


def invoices_page(*, holder, cursor=FIRST_PAGE, size=PAGE_SIZE):
    """A page of the holder's invoices and credit notes: newest first and then by id, read from
    ``cursor`` along the (holder, -issued_on, -id) index; rows are dicts of the columns' values."""
    beyond, order = cursor.reading(ascending=False)
    from_cursor = "" if cursor.row_id is None else f"""
          AND (i.issued_on, i.id) {beyond} (SELECT c.issued_on, c.id FROM invoices_invoice c
                                             WHERE c.id = %(cursor)s AND c.holder_id = %(holder)s)"""
    rows = fetch_all(f"""
        SELECT i.id, i.number, i.issued_on, i.kind, i.net_cents, i.vat_cents, i.gross_cents
          FROM invoices_invoice i
         WHERE i.holder_id = %(holder)s{from_cursor}
         ORDER BY i.issued_on {order}, i.id {order}
         LIMIT %(limit)s""", {"holder": holder.pk, "cursor": cursor.row_id, "limit": size + 1})
    return KeysetPage.from_rows([
        {"id": row_id, "number": number, "issued_on": issued_on, "kind": kind,
         "net_cents": net_cents, "vat_cents": vat_cents, "gross_cents": gross_cents}
        for row_id, number, issued_on, kind, net_cents, vat_cents, gross_cents in rows
    ], cursor=cursor, size=size)


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


# What an invoice needs of its buyer (SPEC 3.9; FatturaPA's Sede and recipient): each part, as the
# holder is asked for it and as staff are told an invoice lacks it.
_ADDRESS_PARTS = (
    ("street", gettext_lazy("Indica l'indirizzo di fatturazione."), gettext_lazy("indirizzo")),
    ("postal_code", gettext_lazy("Indica il CAP."), gettext_lazy("CAP")),
    ("city", gettext_lazy("Indica la città."), gettext_lazy("città")),
    ("province", gettext_lazy("Indica la provincia."), gettext_lazy("provincia")),
)
_COMPANY_RECIPIENT = (
    gettext_lazy("Per un'azienda indica il codice destinatario o la PEC per le fatture elettroniche."),
    gettext_lazy("codice destinatario o PEC per le fatture (azienda)"),
)


def _billing_gaps(value):
    """(what the holder is asked, what staff are told) for each part missing from billing data read
    through ``value(field)``."""
    gaps = [(ask, name) for field, ask, name in _ADDRESS_PARTS if not (value(field) or "").strip()]
    is_company = bool(value("company_name").strip() or value("vat_number").strip())
    if is_company and not (value("sdi_code").strip() or value("invoice_pec").strip()):
        gaps.append(_COMPANY_RECIPIENT)
    return gaps


def invoice_missing_data(holder):
    """What the holder's profile lacks before an invoice can be made out to them, as messages to
    show; empty when nothing is missing. Reads only the holder's fields: no query."""
    return [str(ask) for ask, _name in _billing_gaps(lambda field: getattr(holder, field))]


def invoice_buyer_missing(invoice):
    """What an issued document's copy of its buyer's data lacks, named for staff; empty when it
    can be sent to SdI."""
    return [str(name) for _ask, name in _billing_gaps(lambda field: getattr(invoice, f"buyer_{field}"))]
