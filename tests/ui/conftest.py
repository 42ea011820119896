import uuid

import pytest
from django.utils import timezone

from accounts.models import Operation
from accounts.services import operation_log
from addons.services import order_place, order_quote
from billing import stripe_gateway
from billing.models import TopUp
from mailboxes.models import Mailbox
from tests.factories import make_holder, make_mailbox, make_mailboxes

LOGIN_ADDRESS = "mario.rossi@pec.ording.roma.it"


def _order(holder, mailbox, addon_type_code, quantity):
    quote = order_quote(mailbox=mailbox, addon_type_code=addon_type_code, quantity=quantity)
    return order_place(holder=holder, mailbox_id=mailbox.pk, addon_type_code=addon_type_code, quantity=quantity,
                       expected_gross_cents=quote.price.gross_cents, order_key=uuid.uuid4().hex).order


@pytest.fixture
def busy_holder(seeded):
    """A holder with what a page can show at its longest: more mailboxes than a page, long addresses,
    every status, add-ons, a completed and a pending order (so an invoice and a shortfall), top-ups
    that succeeded and failed, and renewals due within the year."""
    holder = make_holder(credit_cents=3000)
    login = make_mailbox(holder, address=LOGIN_ADDRESS, plan="pro", expires_in_days=45)
    make_mailbox(holder, address="segreteria.amministrazione.condominio.via.roma@pec.ording.roma.it",
                 plan="premium", expires_in_days=200)
    make_mailbox(holder, status=Mailbox.Status.EXPIRED, expires_in_days=-10, auto_renew=False)
    make_mailbox(holder, status=Mailbox.Status.SUSPENDED, expires_in_days=-100)
    make_mailbox(holder, status=Mailbox.Status.REQUESTED, certified_on=None)
    make_mailboxes(holder, 30)
    _order(holder, login, "inbox_extra", 2)
    _order(holder, login, "inbox_extra", 50)
    today = timezone.localdate()
    for status, outcome in [(TopUp.Status.SUCCEEDED, Operation.Outcome.COMPLETED),
                            (TopUp.Status.FAILED, Operation.Outcome.FAILED),
                            (TopUp.Status.PENDING, Operation.Outcome.PENDING)]:
        intent = f"pi_ui_{uuid.uuid4().hex[:12]}"
        topup = TopUp.objects.create(holder=holder, amount_cents=2500, status=status,
                                     idempotency_key=uuid.uuid4().hex, stripe_payment_intent_id=intent,
                                     client_secret=f"{intent}_secret_ui",
                                     failure_message="La carta è stata rifiutata." if outcome == "failed" else "")
        operation_log(holder_id=holder.pk, kind=Operation.Kind.TOPUP, description="Ricarica con carta",
                      amount_cents=2500, outcome=outcome, reference=topup.operation_reference)
    operation_log(holder_id=holder.pk, kind=Operation.Kind.PASSWORD, mailbox_address=LOGIN_ADDRESS,
                  description=f"Cambio password del {today:%d/%m/%Y}")
    return holder


@pytest.fixture
def stripe_unreachable(monkeypatch):
    """The top-up pages ask Stripe how a failed payment stands; here Stripe does not answer, as
    when it is down, so the pages show what the database knows."""
    def unreachable(**kwargs):
        raise stripe_gateway.PaymentError("Stripe non raggiungibile", unreachable=True)

    monkeypatch.setattr(stripe_gateway, "intent_retrieve", unreachable)
