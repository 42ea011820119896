"""The dashboard asks a holder whose billing data are incomplete to complete them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import NO_BILLING_ADDRESS, PASSWORD, make_holder, make_mailbox

BANNER = 'data-testid="billing-data-missing"'


def _dashboard(client, **holder_fields):
    mailbox = make_mailbox(make_holder(**holder_fields))
    client.post("/login/", {"username": mailbox.address, "password": PASSWORD})
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/").content.decode()
    return page, len(queries)


@pytest.mark.django_db
def test_a_holder_without_billing_address_is_asked_for_each_missing_part_with_a_link_to_the_profile(client):
    page, _ = _dashboard(client, **NO_BILLING_ADDRESS)
    assert BANNER in page
    assert "Completa i tuoi dati di fatturazione." in page
    for message in ("Indica l&#x27;indirizzo di fatturazione.", "Indica il CAP.", "Indica la città.",
                    "Indica la provincia."):
        assert message in page
    banner = page[page.index(BANNER):]
    assert '<a class="alert-link" href="/profile/">I tuoi dati</a>' in banner[:banner.index("</div>")]


@pytest.mark.django_db
def test_a_company_without_codice_destinatario_or_pec_is_asked_for_one(client):
    page, _ = _dashboard(client, company_name="Rossi S.r.l.")
    assert BANNER in page
    assert "Per un&#x27;azienda indica il codice destinatario o la PEC per le fatture elettroniche." in page


@pytest.mark.django_db
def test_a_holder_with_complete_billing_data_sees_no_banner(holder_client):
    page = holder_client.get("/").content.decode()
    assert BANNER not in page


@pytest.mark.django_db
def test_the_banner_costs_no_query(client):
    """The check reads the holder the request loaded with the user: the page costs what it did."""
    _, complete = _dashboard(client)
    client.logout()
    page, incomplete = _dashboard(client, **NO_BILLING_ADDRESS)
    assert BANNER in page
    assert incomplete == complete
