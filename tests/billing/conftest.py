import hashlib
import hmac
import importlib
import itertools
import json
import time
import uuid

import pytest

from accounts.models import Operation
from accounts.services import operation_log
from billing.models import TopUp
from billing.selectors import ledger_mismatches

WEBHOOK_SECRET = "whsec_unit_tests"
DEFAULT_PLANS_MIGRATION = importlib.import_module("mailboxes.migrations.0002_default_plans")
_intents = itertools.count(1)


@pytest.fixture(autouse=True)
def ledger_matches_balances(request):
    """After every money test: each balance is the sum of its entries, and the chain holds."""
    if request.node.get_closest_marker("django_db") is None and "db" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db" if _is_transactional(request) else "db")
    yield
    assert ledger_mismatches() == []


def _is_transactional(request):
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction"))


@pytest.fixture
def webhook_secret(settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return WEBHOOK_SECRET


def make_topup(holder, amount_cents=1000, *, status=TopUp.Status.PENDING):
    """A top-up as topup_create leaves it once Stripe has opened the intent."""
    topup = TopUp.objects.create(
        holder=holder, amount_cents=amount_cents, status=status, idempotency_key=uuid.uuid4().hex,
        stripe_payment_intent_id=f"pi_unit_{next(_intents)}_{uuid.uuid4().hex[:8]}",
    )
    topup.client_secret = f"{topup.stripe_payment_intent_id}_secret_x"
    topup.save(update_fields=["client_secret"])
    operation_log(holder_id=holder.pk, kind=Operation.Kind.TOPUP, description="Ricarica con carta",
                  amount_cents=amount_cents, outcome=Operation.Outcome.PENDING, reference=topup.operation_reference)
    return topup


def intent_event(topup, event_type, *, amount=None):
    succeeded = event_type == "payment_intent.succeeded"
    return {
        "id": f"evt_{uuid.uuid4().hex[:12]}",
        "object": "event",
        "api_version": "2017-08-15",
        "created": int(time.time()),
        "livemode": False,
        "type": event_type,
        "data": {"object": {
            "id": topup.stripe_payment_intent_id,
            "object": "payment_intent",
            "amount": topup.amount_cents if amount is None else amount,
            "currency": "eur",
            "status": "succeeded" if succeeded else "requires_payment_method",
            "client_secret": topup.client_secret,
            "metadata": {"topup_id": str(topup.pk), "holder_id": str(topup.holder_id)},
            "last_payment_error": None if succeeded else {"code": "card_declined", "message": "Your card was declined."},
        }},
    }


def sign(payload, *, secret=WEBHOOK_SECRET, timestamp=None):
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def post_event(client, event, *, secret=WEBHOOK_SECRET, timestamp=None):
    body = json.dumps(event).encode()
    return post_body(client, body, sign(body, secret=secret, timestamp=timestamp))


def post_body(client, body, signature):
    return client.post("/stripe/webhook/", data=body, content_type="application/json",
                       HTTP_STRIPE_SIGNATURE=signature)
