import pytest

from invoices.selectors import invoice_buyer_missing, invoice_missing_data
from tests.factories import NO_BILLING_ADDRESS, make_holder

from .conftest import BILLING_ADDRESS, issue

pytestmark = pytest.mark.django_db


def test_a_person_with_a_full_address_can_be_invoiced():
    assert invoice_missing_data(make_holder(**BILLING_ADDRESS)) == []


def test_each_missing_part_of_the_address_is_named():
    assert invoice_missing_data(make_holder(**{**NO_BILLING_ADDRESS, "street": "Via Roma 3"})) == [
        "Indica il CAP.", "Indica la città.", "Indica la provincia.",
    ]
    assert "Indica l'indirizzo di fatturazione." in invoice_missing_data(make_holder(**NO_BILLING_ADDRESS))


@pytest.mark.parametrize("company", [{"company_name": "Rossi S.r.l."}, {"vat_number": "07654321004"}])
def test_a_company_needs_a_codice_destinatario_or_a_pec_for_invoices(company):
    message = "Per un'azienda indica il codice destinatario o la PEC per le fatture elettroniche."
    assert invoice_missing_data(make_holder(**company, **BILLING_ADDRESS)) == [message]
    assert invoice_missing_data(make_holder(**company, sdi_code="M5UXCR1", **BILLING_ADDRESS)) == []
    assert invoice_missing_data(make_holder(**company, invoice_pec="fatture@pec.it", **BILLING_ADDRESS)) == []


def test_an_issued_invoice_names_for_staff_what_its_copy_of_the_buyer_lacks():
    incomplete = issue(make_holder(company_name="Rossi S.r.l.", **NO_BILLING_ADDRESS), "order:1")
    assert invoice_buyer_missing(incomplete) == [
        "indirizzo", "CAP", "città", "provincia", "codice destinatario o PEC per le fatture (azienda)",
    ]
    assert invoice_buyer_missing(issue(make_holder(**BILLING_ADDRESS), "order:2")) == []
