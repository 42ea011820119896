"""A debt (a refund or lost dispute of credit already spent) is paid by the next credit before
anything else, so every "credit lacking" the renewals print counts it: the expiry alert, the
single and the bulk "Rinnova ora". A top-up of the amount shown then pays the debt and the renewal."""

import uuid
from datetime import date, timedelta

from django.core import mail

from billing.models import LedgerEntry
from billing.services import wallet_take
from renewals.alerts import expiry_alerts_run
from tests.factories import make_holder, make_mailbox

from .conftest import STANDARD_GROSS

D = date(2026, 5, 1)
BULK_RENEW = "/mailboxes/bulk/renew/"


def owe(holder, cents):
    wallet_take(holder_id=holder.pk, amount_cents=cents, kind=LedgerEntry.Kind.REFUND,
                reference=f"refund:pi_debt:{holder.pk}", description="Rimborso")


def test_the_expiry_alert_counts_the_debt_in_what_is_missing(db):
    holder = make_holder(credit_cents=200)
    make_mailbox(holder, expires_on=D + timedelta(days=30))
    owe(holder, 700)  # 2 € taken from the credit, 5 € owed

    expiry_alerts_run(on_date=D)

    [message] = mail.outbox
    assert "Credito residuo: € 0,00 (€ 5,00 a debito, saldato dalla prossima ricarica)" in message.body
    assert "Credito mancante: € 11,10" in message.body  # 6,10 for the renewal + 5,00 owed
    assert "/credit/topup/?amount=11,10" in message.body
    assert "€ 5,00 a debito" in message.alternatives[0][0]


def test_rinnova_ora_asks_for_the_renewal_and_the_debt(holder_client, holder, mailbox):
    mailbox.expires_on = date.today() + timedelta(days=20)
    mailbox.save()
    owe(holder, 500)

    html = holder_client.post(f"/mailboxes/{mailbox.pk}/renew/", follow=True).content.decode()

    assert f"Ricarica almeno € {(STANDARD_GROSS + 500) / 100:.2f}".replace(".", ",") in html


def test_the_bulk_quote_and_its_refusal_ask_for_the_renewals_and_the_debt(holder_client, holder, mailbox):
    mailbox.expires_on = date.today() + timedelta(days=20)
    mailbox.save()
    owe(holder, 500)
    missing = f"{(STANDARD_GROSS + 500) / 100:.2f}".replace(".", ",")

    quote = holder_client.post(BULK_RENEW, {"mailbox": [mailbox.pk]}).content.decode()
    refusal = holder_client.post(BULK_RENEW, {"mailbox": [mailbox.pk], "confirm": "1", "renewal_key": str(uuid.uuid4()),
                                              "quoted_gross_cents": STANDARD_GROSS}, follow=True).content.decode()

    assert f'href="/credit/topup/?amount={missing}"' in quote
    assert f"Ricarica almeno € {missing} e conferma di nuovo." in refusal
