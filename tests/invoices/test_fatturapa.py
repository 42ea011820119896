from datetime import date

import pytest
from lxml import etree

from invoices.fatturapa import (
    NAMESPACE,
    amount,
    file_name,
    invoice_xml,
    progressive,
    xml_errors,
)
from invoices.selectors import invoices_for_export
from invoices.services import credit_note_issue
from tests.factories import NO_BILLING_ADDRESS, make_holder

from .a38_check import a38_errors
from .conftest import BILLING_ADDRESS, addon_line, issue

pytestmark = pytest.mark.django_db


def _xml(invoice):
    invoice = invoices_for_export().get(pk=invoice.pk)
    document = invoice_xml(invoice)
    return document, etree.fromstring(document)


def _text(tree, path):
    return tree.findtext(path)


def test_a_person_s_invoice_validates_against_the_official_schema(billable_holder):
    line = addon_line(period_start=date(2026, 11, 24), period_end=date(2028, 3, 30))
    invoice = issue(billable_holder, "order:1", line, issued_on=date(2026, 11, 24))
    document, tree = _xml(invoice)
    assert xml_errors(document) == []
    assert a38_errors(document) == []
    assert tree.tag == f"{{{NAMESPACE}}}FatturaElettronica" and tree.get("versione") == "FPR12"
    assert _text(tree, ".//DatiTrasmissione/FormatoTrasmissione") == "FPR12"
    assert _text(tree, ".//DatiTrasmissione/CodiceDestinatario") == "0000000"
    assert _text(tree, ".//CessionarioCommittente/DatiAnagrafici/CodiceFiscale") == "RSSMRA80A01H501U"
    assert _text(tree, ".//CessionarioCommittente//Anagrafica/Nome") == "Mario"
    assert tree.find(".//CessionarioCommittente//IdFiscaleIVA") is None
    assert _text(tree, ".//CessionarioCommittente/Sede/CAP") == "00184"
    assert _text(tree, ".//DatiGeneraliDocumento/TipoDocumento") == "TD01"
    assert _text(tree, ".//DatiGeneraliDocumento/Numero") == "2026/000001"
    assert _text(tree, ".//DatiGeneraliDocumento/Data") == "2026-11-24"
    assert _text(tree, ".//DettaglioLinee/PrezzoTotale") == "15.00"
    assert _text(tree, ".//DettaglioLinee/DataFinePeriodo") == "2028-03-30"
    assert _text(tree, ".//DatiRiepilogo/AliquotaIVA") == "22.00"
    assert _text(tree, ".//DatiRiepilogo/ImponibileImporto") == "15.00"
    assert _text(tree, ".//DatiRiepilogo/Imposta") == "3.30"
    assert _text(tree, ".//DatiRiepilogo/EsigibilitaIVA") == "I"
    assert _text(tree, ".//DettaglioPagamento/ImportoPagamento") == "18.30"


def test_a_company_s_invoice_validates_and_names_it_with_its_vat_number_and_sdi_code(company_holder):
    document, tree = _xml(issue(company_holder, "order:2"))
    assert xml_errors(document) == []
    assert a38_errors(document) == []
    assert _text(tree, ".//DatiTrasmissione/CodiceDestinatario") == "M5UXCR1"
    assert _text(tree, ".//CessionarioCommittente//IdFiscaleIVA/IdCodice") == "07654321004"
    assert _text(tree, ".//CessionarioCommittente//Anagrafica/Denominazione") == "Studio Legale Bianchi & Verdi S.r.l."
    assert tree.find(".//CessionarioCommittente//Anagrafica/Nome") is None


def test_a_company_without_sdi_code_receives_it_at_its_pec(db):
    holder = make_holder(company_name="Ordine degli Esempi", invoice_pec="fatture@pec.esempi.it", **BILLING_ADDRESS)
    document, tree = _xml(issue(holder, "order:3"))
    assert xml_errors(document) == []
    assert a38_errors(document) == []
    assert _text(tree, ".//DatiTrasmissione/CodiceDestinatario") == "0000000"
    assert _text(tree, ".//DatiTrasmissione/PECDestinatario") == "fatture@pec.esempi.it"


def test_a_credit_note_validates_as_td04_linked_to_its_invoice(billable_holder, staff):
    invoice = issue(billable_holder, "order:4")
    note = credit_note_issue(invoice=invoice, staff_user=staff.user, reason="Addebito errato: casella già coperta")
    document, tree = _xml(note)
    assert xml_errors(document) == []
    assert a38_errors(document) == []
    assert _text(tree, ".//DatiGeneraliDocumento/TipoDocumento") == "TD04"
    assert _text(tree, ".//DatiGeneraliDocumento/Causale") == "Addebito errato: casella già coperta"
    assert _text(tree, ".//DatiFattureCollegate/IdDocumento") == invoice.number
    assert _text(tree, ".//DatiRiepilogo/Imposta") == "3.30"
    assert tree.find(".//DatiPagamento") is None


def test_text_outside_latin_1_is_transliterated_so_the_file_stays_valid(db):
    holder = make_holder(first_name="Łucja", last_name="Dvořák", **BILLING_ADDRESS)
    document, tree = _xml(issue(holder, "order:5", addon_line(description="Spazio “extra” — 3 GB €")))
    assert xml_errors(document) == []
    assert a38_errors(document) == []
    assert _text(tree, ".//Anagrafica/Nome") == "Lucja"
    assert _text(tree, ".//Anagrafica/Cognome") == "Dvorák"  # á is Latin-1, ř is not
    assert _text(tree, ".//DettaglioLinee/Descrizione").startswith('Spazio "extra" - 3 GB EUR')


def test_the_unit_is_written_in_basic_latin_within_ten_characters(billable_holder):
    document, tree = _xml(issue(billable_holder, "order:8", addon_line(unit="unità di misura")))
    assert xml_errors(document) == []
    assert a38_errors(document) == []
    assert _text(tree, ".//DettaglioLinee/UnitaMisura") == "unita di m"


def test_a_missing_address_is_reported_by_the_schema_check(db):
    document, _ = _xml(issue(make_holder(**NO_BILLING_ADDRESS), "order:6"))
    assert any("Indirizzo" in error or "CAP" in error for error in xml_errors(document))


def test_the_file_is_named_by_the_sdi_rule(billable_holder, settings):
    invoice = issue(billable_holder, "order:7")
    assert file_name(invoice) == f"IT07654321004_{progressive(invoice)}.xml"
    settings.INVOICE_TRANSMITTER_ID = "01879020517"
    assert file_name(invoice).startswith("IT01879020517_")
    invoice.pk = 36**2 + 35
    assert progressive(invoice) == "0010Z"


def test_amounts_are_written_with_two_decimals_from_cents():
    assert [amount(c) for c in (0, 5, 1830, 123456789, -5)] == ["0.00", "0.05", "18.30", "1234567.89", "-0.05"]
