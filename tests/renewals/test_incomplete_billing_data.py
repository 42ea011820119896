"""A holder without complete billing data (an imported one, say) is renewed as anyone else and is
asked, in the expiry alert, to complete the data the invoice needs."""

from datetime import date, timedelta

from django.core import mail

from invoices.models import Invoice
from invoices.selectors import invoice_buyer_missing
from mailboxes.models import Mailbox
from renewals.alerts import expiry_alerts_run
from renewals.night import renewals_run
from tests.factories import NO_BILLING_ADDRESS, make_holder, make_mailbox

from .conftest import STANDARD_GROSS, balance, reload

D = date(2026, 5, 1)
REQUEST = "Completa i tuoi dati di fatturazione in «I tuoi dati»: servono per intestarti le fatture dei rinnovi."


def _alert_for(holder):
    make_mailbox(holder, expires_on=D + timedelta(days=30))
    expiry_alerts_run(on_date=D)
    [message] = mail.outbox
    return message.body, message.alternatives[0][0]


def test_the_expiry_alert_asks_for_each_missing_part_and_links_the_profile(db, settings):
    settings.PORTAL_BASE_URL = "https://portale.example.it"
    text, html = _alert_for(make_holder(**{**NO_BILLING_ADDRESS, "street": "Via Roma 3"}))
    assert f"{REQUEST} Indica il CAP. Indica la città. Indica la provincia.\nhttps://portale.example.it/profile/" in text
    assert "Indica il CAP. Indica la città. Indica la provincia." in html
    assert '<a href="https://portale.example.it/profile/">I tuoi dati</a>' in html


def test_the_expiry_alert_of_a_holder_with_complete_data_asks_nothing(db):
    text, html = _alert_for(make_holder())
    assert "Completa i tuoi dati" not in text and "Completa i tuoi dati" not in html
    assert "/profile/" not in text


def test_the_expiry_alert_asks_in_the_holder_s_language(db):
    text, _ = _alert_for(make_holder(language="en", **NO_BILLING_ADDRESS))
    assert "Complete your billing details" in text and "Enter the postcode." in text


def test_a_holder_without_billing_data_is_renewed_and_invoiced_all_the_same(db, renewal_day):
    holder = make_holder(credit_cents=1000, **NO_BILLING_ADDRESS)
    mailbox = make_mailbox(holder, expires_on=renewal_day)

    summary = renewals_run(on_date=renewal_day)

    assert summary.renewed == 1
    assert reload(mailbox).expires_on == date(2027, 3, 30)
    assert reload(mailbox).status == Mailbox.Status.CERTIFIED
    assert balance(holder) == 1000 - STANDARD_GROSS
    invoice = Invoice.objects.get(holder=holder)
    assert invoice.gross_cents == STANDARD_GROSS
    assert invoice_buyer_missing(invoice) == ["indirizzo", "CAP", "città", "provincia"]
