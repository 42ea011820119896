"""A Stripe webhook that met a PostgreSQL outage is redelivered by Stripe and credits once."""

import hashlib
import hmac
import http.client
import json
import time
import uuid

import pytest
import stripe

from tests.operations.servers import DEMO_ADDRESS, Portal, shell
from tests.waiting import wait_until

pytestmark = pytest.mark.fault

WEBHOOK_SECRET = "whsec_redelivery_" + uuid.uuid4().hex
AMOUNT_CENTS = 2500

PENDING_TOPUP = """
import uuid
from accounts.models import Operation
from accounts.services import operation_log
from billing.models import TopUp
from mailboxes.models import Mailbox
holder_id = Mailbox.objects.get(address={address!r}).holder_id
topup = TopUp.objects.create(holder_id=holder_id, amount_cents={amount}, idempotency_key=uuid.uuid4().hex,
                             stripe_payment_intent_id={intent!r})
operation_log(holder_id=holder_id, kind=Operation.Kind.TOPUP, description="Ricarica con carta",
              amount_cents={amount}, outcome=Operation.Outcome.PENDING, reference=topup.operation_reference)
"""

CREDIT_STATE = """
import json
from billing.models import LedgerEntry, TopUp
topup = TopUp.objects.get(stripe_payment_intent_id={intent!r})
print(json.dumps({{"status": topup.status, "balance": topup.holder.wallet.balance_cents,
                   "entries": LedgerEntry.objects.filter(reference="topup:" + {intent!r}).count()}}))
"""


def _balance(database_url):
    code = f"from mailboxes.models import Mailbox; print(Mailbox.objects.get(address={DEMO_ADDRESS!r}).holder.wallet.balance_cents)"
    return int(shell(database_url, code))


def _event(intent_id):
    return json.dumps({
        "id": "evt_" + uuid.uuid4().hex[:24], "object": "event", "type": "payment_intent.succeeded",
        "api_version": "2024-06-20", "created": int(time.time()),
        "data": {"object": {
            "id": intent_id, "object": "payment_intent", "status": "succeeded", "amount": AMOUNT_CENTS,
            "currency": "eur", "client_secret": f"{intent_id}_secret_x", "metadata": {},
            "last_payment_error": None,
        }},
    })


def _deliver(portal, body):
    """POST the event as Stripe does, signed with a fresh timestamp as each redelivery is."""
    timestamp = int(time.time())
    signature = hmac.new(WEBHOOK_SECRET.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    connection = http.client.HTTPConnection("127.0.0.1", portal.port, timeout=10)
    try:
        connection.request("POST", "/stripe/webhook/", body=body.encode(), headers={
            "Host": "127.0.0.1", "Content-Type": "application/json",
            "Stripe-Signature": f"t={timestamp},v1={signature}",
        })
        response = connection.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        connection.close()


@pytest.fixture
def portal(own_postgres, localstripe_url):
    # The webhook believes only what Stripe answers about the intent: here, the session's localstripe.
    portal = Portal(database_url=own_postgres.url)
    portal.env.update(STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, FAULT_TEST_STRIPE_API_BASE=localstripe_url,
                      STRIPE_SECRET_KEY="sk_test_redelivery")
    portal.start()
    yield portal
    portal.stop()


def _paid_intent(localstripe_url):
    stripe.api_key, stripe.api_base = "sk_test_redelivery", localstripe_url
    intent = stripe.PaymentIntent.create(amount=AMOUNT_CENTS, currency="eur", payment_method_types=["card"],
                                         payment_method="pm_card_visa")
    assert stripe.PaymentIntent.confirm(intent["id"])["status"] == "succeeded"
    return intent["id"]


def test_a_webhook_refused_during_an_outage_credits_exactly_once_when_stripe_redelivers_it(
        own_postgres, portal, localstripe_url):
    intent_id = _paid_intent(localstripe_url)
    before = _balance(own_postgres.url)
    shell(own_postgres.url, PENDING_TOPUP.format(address=DEMO_ADDRESS, amount=AMOUNT_CENTS, intent=intent_id))
    body = _event(intent_id)

    own_postgres.stop()
    try:
        status, page = _deliver(portal, body)
    finally:
        own_postgres.start()
    assert status == 503, (status, page)
    assert "Traceback" not in page

    wait_until(lambda: portal.request("GET", "/healthz")[0] == 200, timeout=20, what="healthz back")
    state = json.loads(shell(own_postgres.url, CREDIT_STATE.format(intent=intent_id)))
    assert state == {"status": "pending", "balance": before, "entries": 0}, "the outage changed nothing"

    assert _deliver(portal, body) == (200, "ok")
    state = json.loads(shell(own_postgres.url, CREDIT_STATE.format(intent=intent_id)))
    assert state == {"status": "succeeded", "balance": before + AMOUNT_CENTS, "entries": 1}

    assert _deliver(portal, body) == (200, "ok")
    state = json.loads(shell(own_postgres.url, CREDIT_STATE.format(intent=intent_id)))
    assert state == {"status": "succeeded", "balance": before + AMOUNT_CENTS, "entries": 1}, "credited once"
