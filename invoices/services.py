"""Issuing invoices and credit notes (SPEC 3.9, issue 6). Invoices are written, never edited."""

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Holder
from invoices.vat import VAT_RATE_PERCENT, vat_cents

from . import conf
from .models import Invoice, InvoiceCounter, InvoiceLine
from .selectors import invoice_buyer_missing, invoice_missing_data

LINE_FIELDS = (
    "description", "mailbox_address", "period_start", "period_end", "quantity", "unit", "unit_price_cents",
    "net_cents",
)
BUYER_FIELDS = tuple(field.attname for field in Invoice._meta.fields if field.name.startswith("buyer_"))
# What a credit note copies from the invoice it reverses.
COPIED_FIELDS = ("holder_id", "seller", "vat_rate_percent", "net_cents", "vat_cents", "gross_cents", *BUYER_FIELDS)


class InvoiceError(Exception):
    """A refusal whose message (Italian) is shown as is to staff or in the caller's log."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def invoice_issue(*, holder, reference, lines, issued_on=None):
    """Bill one money movement (``reference``, e.g. "order:12") to the holder's data as they are now.

    Call it inside the transaction that debits the wallet: the number is taken there, so a
    rolled-back payment gives its number back and a committed one always has its invoice.
    IVA is computed once, on the net total, half-up (invoices.vat). Calling again with the same
    reference returns the invoice already issued. ``lines``: dicts with LINE_FIELDS; ``unit`` says
    what the quantity counts ("GB", "anno"); each line's net must be quantity × unit price (the
    unit price covers the line's whole period)."""
    if not connection.in_atomic_block:
        raise InvoiceError(_("La fattura si emette nella stessa transazione dell'addebito."))
    existing = Invoice.objects.filter(reference=reference).first()
    if existing is not None:
        return existing
    clean_lines = [_line_check(line) for line in lines]
    if not clean_lines:
        raise InvoiceError(_("Una fattura deve avere almeno una riga."))
    net = sum(line["net_cents"] for line in clean_lines)
    with transaction.atomic():
        counter, issued_on = _number_take(issued_on or timezone.localdate())
        # Re-read under the counter lock: a concurrent call with this reference has committed by now.
        existing = Invoice.objects.filter(reference=reference).first()
        if existing is not None:
            return existing
        invoice = Invoice.objects.create(
            **_numbering(counter), kind=Invoice.Kind.INVOICE, issued_on=issued_on, holder=holder,
            reference=reference, seller=conf.seller_snapshot(), **_buyer_snapshot(holder.pk),
            vat_rate_percent=VAT_RATE_PERCENT, net_cents=net, vat_cents=vat_cents(net),
            gross_cents=net + vat_cents(net),
        )
        InvoiceLine.objects.bulk_create(
            InvoiceLine(invoice=invoice, position=n, **line) for n, line in enumerate(clean_lines, start=1)
        )
    return invoice


def invoice_issue_many(*, items, issued_on):
    """invoice_issue for many debits of one night, one statement per table and one turn of the
    counter. ``items``: (holder, reference, lines) with ``holder`` read in the caller's transaction.
    Call it last in that transaction, so the counter stays locked only until the commit. A
    reference invoiced before makes the whole call fail (UNIQUE): the caller's debit was a repeat."""
    if not items:
        return []
    if not connection.in_atomic_block:
        raise InvoiceError(_("La fattura si emette nella stessa transazione dell'addebito."))
    prepared = []
    for holder, reference, lines in items:
        clean_lines = [_line_check(line) for line in lines]
        if not clean_lines:
            raise InvoiceError(_("Una fattura deve avere almeno una riga."))
        prepared.append((holder, reference, clean_lines, sum(line["net_cents"] for line in clean_lines)))
    seller = conf.seller_snapshot()
    with transaction.atomic():
        counter, issued_on = _number_take(issued_on, count=len(prepared))
        first = counter.last_sequence - len(prepared) + 1
        invoices = Invoice.objects.bulk_create(
            Invoice(
                **_numbering(counter, sequence=first + n), kind=Invoice.Kind.INVOICE, issued_on=issued_on,
                holder=holder, reference=reference, seller=seller, **_buyer_fields(holder),
                vat_rate_percent=VAT_RATE_PERCENT, net_cents=net, vat_cents=vat_cents(net), gross_cents=net + vat_cents(net),
            )
            for n, (holder, reference, _lines, net) in enumerate(prepared)
        )
        InvoiceLine.objects.bulk_create(
            InvoiceLine(invoice=invoice, position=position, **line)
            for invoice, (_holder, _reference, clean_lines, _net) in zip(invoices, prepared, strict=True)
            for position, line in enumerate(clean_lines, start=1)
        )
    return invoices


@transaction.atomic
def credit_note_issue(*, invoice, staff_user, reason, issued_on=None):
    """A staff member's correction: a credit note (nota di credito) reversing the whole invoice,
    with its own number from the same yearly series. It moves no money; a refund of credit, if
    due, is a separate credit adjustment (billing)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvoiceError(_("Indica il motivo della nota di credito."))
    counter, issued_on = _number_take(issued_on or timezone.localdate())
    invoice = Invoice.objects.get(pk=invoice.pk)
    if invoice.is_credit_note:
        raise InvoiceError(
            _("%(number)s è una nota di credito: si stornano solo le fatture.") % {"number": invoice.number}
        )
    done = invoice.credit_notes.first()
    if done is not None:
        raise InvoiceError(
            _("La fattura %(number)s è già stornata dalla nota di credito %(note)s.")
            % {"number": invoice.number, "note": done.number}
        )
    note = Invoice.objects.create(
        **_numbering(counter), **{name: getattr(invoice, name) for name in COPIED_FIELDS},
        kind=Invoice.Kind.CREDIT_NOTE, corrects=invoice, issued_on=issued_on, reference=f"credit_note:{invoice.pk}",
        reason=reason[:300], created_by=staff_user,
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(invoice=note, **{name: getattr(line, name) for name in ("position", *LINE_FIELDS)})
        for line in invoice.lines.all()
    )
    return note


def invoice_buyer_complete_many(*, invoices):
    """Copy the holder's billing data, as they are now, into each of ``invoices`` whose copy of its
    buyer is incomplete, once the holder has completed them. Returns those completed, updated in
    memory too.

    The export calls it. Such a document was never sent to SdI (the export skips it), so it is not
    yet a fattura elettronica and may still take its buyer's data; a document complete when issued
    is never touched, so what was sent stays what is stored."""
    pending = {invoice.pk: invoice for invoice in invoices if invoice_buyer_missing(invoice)}
    if not pending:
        return []
    completed = []
    with transaction.atomic():
        rows = (Invoice.objects.select_for_update(of=("self",)).select_related("holder")
                .filter(pk__in=pending).order_by("pk"))
        for row in rows:
            # Re-checked under the lock: another export may have completed it meanwhile.
            if invoice_buyer_missing(row) and not invoice_missing_data(row.holder):
                invoice = pending[row.pk]
                for name, value in _buyer_fields(row.holder).items():
                    setattr(invoice, name, value)
                completed.append(invoice)
        Invoice.objects.bulk_update(completed, fields=list(BUYER_FIELDS))
    return completed


def _number_take(issued_on, count=1):
    """Lock the year's counter and take its next ``count`` numbers; returns (counter, the date to
    print), the counter's last_sequence being the last number taken."""
    # ON CONFLICT DO NOTHING: the first invoice of a year creates the row without racing anyone.
    InvoiceCounter.objects.bulk_create([InvoiceCounter(year=issued_on.year)], ignore_conflicts=True)
    counter = InvoiceCounter.objects.select_for_update().get(year=issued_on.year)
    if counter.last_sequence + count > 999_999:
        raise InvoiceError(_("Numerazione delle fatture esaurita per l'anno %(year)s.") % {"year": counter.year})
    if counter.last_issued_on and issued_on < counter.last_issued_on:
        issued_on = counter.last_issued_on
    counter.last_sequence += count
    counter.last_issued_on = issued_on
    counter.save(update_fields=["last_sequence", "last_issued_on"])
    return counter, issued_on


def _numbering(counter, sequence=None):
    sequence = sequence or counter.last_sequence
    return {"year": counter.year, "sequence": sequence, "number": f"{counter.year}/{sequence:06d}"}


def _buyer_snapshot(holder_id):
    # Read afresh: the caller's Holder may have been loaded before the profile was last saved.
    return _buyer_fields(Holder.objects.get(pk=holder_id))


def _buyer_fields(holder):
    return {
        "buyer_first_name": holder.first_name,
        "buyer_last_name": holder.last_name,
        "buyer_company_name": holder.company_name,
        "buyer_fiscal_code": holder.fiscal_code,
        "buyer_vat_number": holder.vat_number,
        "buyer_street": holder.street,
        "buyer_postal_code": holder.postal_code,
        "buyer_city": holder.city,
        "buyer_province": holder.province,
        "buyer_country": holder.country or "IT",
        "buyer_sdi_code": holder.sdi_code,
        "buyer_invoice_pec": holder.invoice_pec,
    }


def _line_check(line):
    required = ("description", "quantity", "unit", "unit_price_cents", "net_cents")
    missing = [name for name in required if line.get(name) in (None, "")]
    if missing:
        raise InvoiceError(_("Riga di fattura incompleta: manca %(fields)s.") % {"fields": ", ".join(missing)})
    quantity, unit_price, net = line["quantity"], line["unit_price_cents"], line["net_cents"]
    if not all(isinstance(value, int) for value in (quantity, unit_price, net)):
        raise InvoiceError(_("Quantità e importi di una riga di fattura sono numeri interi (centesimi)."))
    if net <= 0 or quantity <= 0 or unit_price <= 0:
        # A free activation is not invoiced: the caller simply does not call invoice_issue.
        raise InvoiceError(_("Una riga di fattura deve avere quantità e importo maggiori di zero."))
    if net != quantity * unit_price:
        raise InvoiceError(
            _("Riga \"%(description)s\": l'imponibile deve essere quantità × prezzo unitario.")
            % {"description": line["description"]}
        )
    return {
        "description": str(line["description"])[:300],
        "mailbox_address": line.get("mailbox_address") or "",
        "period_start": line.get("period_start"),
        "period_end": line.get("period_end"),
        "quantity": quantity,
        "unit": str(line["unit"])[:20],
        "unit_price_cents": unit_price,
        "net_cents": net,
    }
