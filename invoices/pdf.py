"""The holder's courtesy copy of an invoice as PDF, drawn with ReportLab on request (never inside
the money transaction). The legal original is the FatturaPA XML sent through SdI."""

import io
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.money import format_euro

_STYLES = getSampleStyleSheet()
_TEXT = ParagraphStyle("text", parent=_STYLES["Normal"], fontSize=9, leading=12)
_SMALL = ParagraphStyle("small", parent=_TEXT, fontSize=8, leading=10, textColor=colors.HexColor("#555555"))
_RIGHT = ParagraphStyle("right", parent=_TEXT, alignment=TA_RIGHT)
_TITLE = ParagraphStyle("title", parent=_STYLES["Heading1"], fontSize=16, leading=20, spaceAfter=2)


def _date(value):
    return value.strftime("%d/%m/%Y") if value else ""


def _p(text, style=_TEXT):
    return Paragraph(text, style)


def _lines_of(*parts):
    return "<br/>".join(escape(part) for part in parts if part)


def _seller_block(seller):
    return _p(f"<b>{escape(seller['name'])}</b><br/>" + _lines_of(
        seller["street"],
        f"{seller['postal_code']} {seller['city']} ({seller['province']}) {seller['country']}",
        _("Partita IVA %(vat)s") % {"vat": seller["vat_number"]},
        _("Codice fiscale %(code)s") % {"code": seller["fiscal_code"]} if seller.get("fiscal_code") else "",
        seller.get("email", ""),
    ))


def _buyer_block(invoice):
    place = " ".join(part for part in (invoice.buyer_postal_code, invoice.buyer_city,
                                       f"({invoice.buyer_province})" if invoice.buyer_province else "",
                                       invoice.buyer_country) if part)
    return _p(f"<b>{escape(_('Cliente'))}</b><br/>" + _lines_of(
        invoice.buyer_name,
        f"{invoice.buyer_first_name} {invoice.buyer_last_name}" if invoice.buyer_company_name else "",
        invoice.buyer_street, place,
        _("Codice fiscale %(code)s") % {"code": invoice.buyer_fiscal_code} if invoice.buyer_fiscal_code else "",
        _("Partita IVA %(vat)s") % {"vat": invoice.buyer_vat_number} if invoice.buyer_vat_number else "",
        _("Codice destinatario %(code)s") % {"code": invoice.buyer_sdi_code} if invoice.buyer_sdi_code else "",
        _("PEC %(pec)s") % {"pec": invoice.buyer_invoice_pec} if invoice.buyer_invoice_pec else "",
    ))


def _title(invoice):
    kind = _("Nota di credito") if invoice.is_credit_note else _("Fattura")
    title = _("%(kind)s n. %(number)s del %(date)s") % {"kind": kind, "number": invoice.number,
                                                       "date": _date(invoice.issued_on)}
    flow = [_p(escape(title), _TITLE)]
    if invoice.is_credit_note:
        flow.append(_p(escape(
            _("A storno della fattura n. %(number)s del %(date)s. Motivo: %(reason)s")
            % {"number": invoice.corrects.number, "date": _date(invoice.corrects.issued_on), "reason": invoice.reason}
        )))
    return flow


def _period(line):
    if not (line.period_start and line.period_end):
        return ""
    return _("dal %(start)s al %(end)s") % {"start": _date(line.period_start), "end": _date(line.period_end)}


def _lines_table(invoice):
    rows = [[_p(f"<b>{escape(head)}</b>", style) for head, style in (
        (_("Descrizione"), _TEXT), (_("Periodo"), _TEXT), (_("Q.tà"), _RIGHT),
        (_("Prezzo unitario"), _RIGHT), (_("Imponibile"), _RIGHT))]]
    for line in invoice.lines.all():
        what = escape(line.description)
        if line.mailbox_address:
            what += f"<br/><font size=8>{escape(line.mailbox_address)}</font>"
        rows.append([_p(what), _p(_period(line)), _p(str(line.quantity), _RIGHT),
                     _p(format_euro(line.unit_price_cents), _RIGHT), _p(format_euro(line.net_cents), _RIGHT)])
    table = Table(rows, colWidths=[64 * mm, 44 * mm, 12 * mm, 30 * mm, 24 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#bbbbbb")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


def _totals_table(invoice):
    rows = [
        [_p(escape(_("Imponibile")), _RIGHT), _p(format_euro(invoice.net_cents), _RIGHT)],
        [_p(escape(_("IVA %(rate)s%%") % {"rate": invoice.vat_rate_percent}), _RIGHT),
         _p(format_euro(invoice.vat_cents), _RIGHT)],
        [_p(f"<b>{escape(_('Totale'))}</b>", _RIGHT), _p(f"<b>{format_euro(invoice.gross_cents)}</b>", _RIGHT)],
    ]
    table = Table(rows, colWidths=[40 * mm, 30 * mm], hAlign="RIGHT")
    table.setStyle(TableStyle([("LINEABOVE", (0, 2), (-1, 2), 0.8, colors.black)]))
    return table


def invoice_pdf(invoice):
    """PDF bytes for an invoice fetched with its lines (invoice_get_for_holder)."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=18 * mm,
        title=f"{invoice.get_kind_display()} {invoice.number}", author=invoice.seller["name"],
    )
    parties = Table([[_seller_block(invoice.seller), _buyer_block(invoice)]], colWidths=[87 * mm, 87 * mm])
    parties.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    payment = "" if invoice.is_credit_note else _("Pagata con il credito prepagato dell'Area Clienti.")
    document.build([
        parties, Spacer(1, 10 * mm), *_title(invoice), Spacer(1, 6 * mm), _lines_table(invoice),
        Spacer(1, 4 * mm), _totals_table(invoice), Spacer(1, 8 * mm),
        _p(escape(payment)),
        _p(escape(_("Copia di cortesia: l'originale è la fattura elettronica trasmessa tramite il "
                    "Sistema di Interscambio.")), _SMALL),
    ])
    return buffer.getvalue()
