import dataclasses
import hashlib
import hmac
import importlib
import itertools
import json
import time
import uuid
from functools import partial

import pytest
from django.test import Client

from accounts.models import Operation
from accounts.services import operation_log
from billing import stripe_gateway
from billing.models import TopUp
from billing.selectors import ledger_mismatches
from tests.races import run_together

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


def deliver_at_once(bodies):
    """Each signed body posted to the webhook from its own thread and database connection, all
    released together; the status codes, in the bodies' order."""
    responses = run_together(*(partial(post_body, Client(), body, sign(body)) for body in bodies))
    for response in responses:
        if isinstance(response, Exception):
            raise response
    return [response.status_code for response in responses]


def charge_event(charge_id, event_type="charge.refunded", **fields):
    """A charge event as Stripe shapes it; the portal reads only its type and the charge's id."""
    return _event(event_type, {"id": charge_id, "object": "charge", "amount": 1000, "amount_refunded": 1000,
                               "currency": "eur", "refunded": True, "status": "succeeded", **fields})


def dispute_event(dispute_id, event_type, **fields):
    return _event(event_type, {"id": dispute_id, "object": "dispute", "amount": 1000, "currency": "eur",
                               "charge": "ch_unknown", "status": "needs_response", "reason": "fraudulent", **fields})


def _event(event_type, obj):
    return {"id": f"evt_{uuid.uuid4().hex[:12]}", "object": "event", "api_version": "2024-06-20",
            "created": int(time.time()), "livemode": False, "type": event_type, "data": {"object": obj}}


class FakeStripe:
    """Stripe as stripe_gateway's retrieve calls see it: what the test says Stripe holds now. An id
    it was never told about is not found, as at Stripe; ``down`` makes every call unreachable."""

    def __init__(self):
        self.intents, self.charges, self.disputes = {}, {}, {}
        self.down = False

    def pay(self, topup, *, status="succeeded", amount=None, currency="eur", failure_message=""):
        """Stripe's side of ``topup``: its intent in ``status`` and, once paid, its charge."""
        intent_id = topup.stripe_payment_intent_id
        self.intents[intent_id] = stripe_gateway.Intent(
            id=intent_id, status=status, amount=topup.amount_cents if amount is None else amount, currency=currency,
            metadata={"topup_id": str(topup.pk), "holder_id": str(topup.holder_id)}, failure_message=failure_message,
        )
        if status == "succeeded":
            self.charges[self.charge_id(topup)] = stripe_gateway.Charge(
                id=self.charge_id(topup), amount=self.intents[intent_id].amount, amount_refunded=0, currency=currency,
                payment_intent_id=intent_id, status="succeeded")
        return self.charge_id(topup)

    @staticmethod
    def charge_id(topup):
        return "ch_" + topup.stripe_payment_intent_id.removeprefix("pi_")

    def refund(self, topup, cents):
        """A refund made in Stripe's Dashboard: the charge's amount_refunded grows by ``cents``."""
        charge = self.charges[self.charge_id(topup)]
        self.charges[charge.id] = dataclasses.replace(charge, amount_refunded=charge.amount_refunded + cents)
        return charge.id

    def dispute(self, topup, *, status="needs_response", amount=None, dispute_id=None):
        """Open (or move) a dispute on ``topup``'s charge; returns its id."""
        dispute_id = dispute_id or f"dp_{uuid.uuid4().hex[:14]}"
        charge = self.charges[self.charge_id(topup)]
        self.disputes[dispute_id] = stripe_gateway.Dispute(
            id=dispute_id, amount=charge.amount - charge.amount_refunded if amount is None else amount,
            currency="eur", charge_id=charge.id, status=status, reason="fraudulent")
        return dispute_id

    def close(self, dispute_id, status):
        self.disputes[dispute_id] = dataclasses.replace(self.disputes[dispute_id], status=status)

    def _get(self, table, object_id):
        if self.down:
            raise stripe_gateway.PaymentError("Il servizio di pagamento non è raggiungibile.", unreachable=True)
        if object_id not in table:
            raise stripe_gateway.NotFound("Pagamento non trovato presso Stripe.")
        return table[object_id]

    def intent_retrieve(self, *, payment_intent_id):
        return self._get(self.intents, payment_intent_id)

    def charge_retrieve(self, *, charge_id):
        return self._get(self.charges, charge_id)

    def dispute_retrieve(self, *, dispute_id):
        return self._get(self.disputes, dispute_id)


@pytest.fixture
def fake_stripe(monkeypatch, webhook_secret):
    """Signed events to the webhook view, with every retrieve call answered by a FakeStripe."""
    fake = FakeStripe()
    for name in ("intent_retrieve", "charge_retrieve", "dispute_retrieve"):
        monkeypatch.setattr(stripe_gateway, name, getattr(fake, name))
    return fake


def paid_topup(client, fake, holder, amount_cents=1000):
    """A top-up Stripe says is paid, credited through its signed payment_intent.succeeded."""
    topup = make_topup(holder, amount_cents)
    fake.pay(topup)
    assert post_event(client, intent_event(topup, "payment_intent.succeeded")).status_code == 200
    topup.refresh_from_db()
    assert topup.status == TopUp.Status.SUCCEEDED
    return topup
