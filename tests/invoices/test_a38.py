"""Every kind of document the portal makes, from the services that make them, passes python-a38's
validation as well as the official schema."""

import uuid

import pytest
from lxml import etree

from addons.services import order_place, order_quote
from invoices.fatturapa import invoice_xml, xml_errors
from invoices.models import Invoice
from invoices.selectors import invoices_for_export
from invoices.services import credit_note_issue
from renewals.night import renewals_run
from tests.factories import make_holder, make_mailbox

from .a38_check import STRICTER_THAN_SDI, a38_all_errors, a38_errors
from .conftest import COMPANY_VAT_NUMBER, PERSON_FISCAL_CODE

pytestmark = pytest.mark.django_db

CONSUMER = {"fiscal_code": PERSON_FISCAL_CODE}
BUYERS = {
    "consumer with only a fiscal code": CONSUMER,
    "company with partita IVA and codice destinatario": {
        "company_name": "Studio Legale Bianchi & Verdi S.r.l.", "vat_number": COMPANY_VAT_NUMBER, "sdi_code": "M5UXCR1",
    },
    "company receiving invoices at its PEC": {
        "company_name": "Ordine degli Esempi", "vat_number": COMPANY_VAT_NUMBER, "invoice_pec": "fatture@pec.esempi.it",
    },
}


def _an_order_then_a_renewal_night(buyer):
    """A holder's add-on order paid from credit, then the night that renews the mailbox and the add-on."""
    holder = make_holder(credit_cents=10_000, **buyer)
    mailbox = make_mailbox(holder, expires_in_days=400)
    quote = order_quote(mailbox=mailbox, addon_type_code="inbox_extra", quantity=3)
    order_place(holder=holder, mailbox_id=mailbox.pk, addon_type_code="inbox_extra", quantity=3,
                expected_gross_cents=quote.price.gross_cents, order_key=uuid.uuid4())
    renewals_run(on_date=mailbox.expires_on)
    return holder


def _documents_by_kind(holder):
    """{"order" | "renewal:mailbox" | "renewal:addon" | "credit_note": XML} of the holder's documents."""
    documents = {}
    for invoice in invoices_for_export(queryset=Invoice.objects.filter(holder=holder)):
        kind = invoice.reference.split(":")[0]
        kind = f"renewal:{invoice.reference.split(':')[1]}" if kind == "renewal" else kind
        documents[kind] = invoice_xml(invoice)
    return documents


@pytest.mark.parametrize("buyer", BUYERS.values(), ids=BUYERS.keys())
def test_order_renewal_and_credit_note_pass_the_xsd_and_a38(buyer, staff):
    holder = _an_order_then_a_renewal_night(buyer)
    order_invoice = Invoice.objects.get(holder=holder, reference__startswith="order:")
    credit_note_issue(invoice=order_invoice, staff_user=staff.user, reason="Ordine annullato su richiesta")

    documents = _documents_by_kind(holder)

    assert sorted(documents) == ["credit_note", "order", "renewal:addon", "renewal:mailbox"]
    for kind, document in documents.items():
        assert xml_errors(document) == [], kind
        assert a38_errors(document) == [], kind


def test_each_line_names_the_unit_its_quantity_counts(db):
    documents = _documents_by_kind(_an_order_then_a_renewal_night(CONSUMER))
    units = {}
    for kind, document in documents.items():
        line = etree.fromstring(document).find(".//DettaglioLinee")
        units[kind] = (line.findtext("Quantita"), line.findtext("UnitaMisura"))
    assert units == {"order": ("3.00", "GB"), "renewal:addon": ("3.00", "GB"), "renewal:mailbox": ("1.00", "anno")}


def test_only_the_a38_rule_stricter_than_sdi_is_set_aside(db):
    document = _documents_by_kind(_an_order_then_a_renewal_night(CONSUMER))["order"]
    tree = etree.fromstring(document)
    assert tree.findtext(".//CodiceDestinatario") == "0000000" and tree.find(".//PECDestinatario") is None
    assert [error.split(": ", 1)[1] for error in a38_all_errors(document)] == [f"[00426] {STRICTER_THAN_SDI}"] * 2
    assert a38_errors(document) == []

    # A PEC beside a real codice destinatario breaks the other half of the same a38 rule: still reported.
    tree.find(".//CodiceDestinatario").text = "M5UXCR1"
    etree.SubElement(tree.find(".//DatiTrasmissione"), "PECDestinatario").text = "fatture@pec.esempi.it"
    assert any("pec_destinatario has value" in error for error in a38_errors(etree.tostring(tree)))
