import pytest
from django.db import transaction

from accounts.models import User
from invoices.services import invoice_issue
from tests.factories import make_holder

# Checksum-valid identifiers (python-stdnum), for buyers whose data an XML validator reads.
PERSON_FISCAL_CODE = "RSSMRA80A01H501U"
COMPANY_VAT_NUMBER = "07654321004"
BILLING_ADDRESS = {"street": "Via Nazionale 12", "postal_code": "00184", "city": "Roma", "province": "RM"}


@pytest.fixture
def billable_holder(db):
    return make_holder(fiscal_code=PERSON_FISCAL_CODE, **BILLING_ADDRESS)


@pytest.fixture
def company_holder(db):
    return make_holder(company_name="Studio Legale Bianchi & Verdi S.r.l.", vat_number=COMPANY_VAT_NUMBER,
                       sdi_code="M5UXCR1", **BILLING_ADDRESS)


def addon_line(*, quantity=3, unit_price_cents=500, mailbox_address="mario.rossi@pec.ording.roma.it", **fields):
    """What the order service passes for 3 GB inbox_extra over 2 years (2,50 € × 2 per GB)."""
    return {
        "description": fields.pop("description", "Spazio extra inbox 3 GB, 2 anni"),
        "mailbox_address": mailbox_address,
        "period_start": fields.pop("period_start", None),
        "period_end": fields.pop("period_end", None),
        "quantity": quantity,
        "unit": fields.pop("unit", "GB"),
        "unit_price_cents": unit_price_cents,
        "net_cents": fields.pop("net_cents", quantity * unit_price_cents),
    }


def issue(holder, reference, *lines, issued_on=None):
    """As the order and renewal services do: inside the money transaction."""
    with transaction.atomic():
        return invoice_issue(holder=holder, reference=reference, lines=list(lines) or [addon_line()],
                             issued_on=issued_on)


@pytest.fixture
def staff(client):
    user = User.objects.create_superuser("amministrazione", "amm@example.it", "Staff-Pass-2026!")
    client.force_login(user, backend="accounts.backends.StaffBackend")
    client.user = user
    return client
