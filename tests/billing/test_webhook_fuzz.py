"""Bodies nobody planned for, correctly signed (the secret leaked, or Stripe sends something new):
the webhook answers 400 or 200 and changes nothing, never a 500. Stripe is a FakeStripe that knows
one paid, credited top-up, so an event naming its real ids has nothing left to do either."""

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Operation
from billing.models import Dispute, LedgerEntry, TopUp, Wallet
from tests.billing.conftest import paid_topup, post_body, sign
from tests.factories import make_holder

pytestmark = pytest.mark.django_db

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
EVENT_TYPES = ["payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled",
               "charge.refunded", "charge.dispute.created", "charge.dispute.closed", "charge.dispute.updated"]
OBJECT_TYPES = ["payment_intent", "charge", "dispute", "refund", "customer"]
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture
def credited(client, fake_stripe):
    """One top-up, paid and credited; what every fuzzed event must leave as it is."""
    topup = paid_topup(client, fake_stripe, make_holder(), 1000)
    return topup, fake_stripe.charge_id(topup)


def _everything():
    return (
        list(Wallet.objects.order_by("id").values_list("balance_cents", "debt_cents", "spending_frozen")),
        LedgerEntry.objects.count(), Operation.objects.count(), Dispute.objects.count(),
        list(TopUp.objects.order_by("id").values_list("status", "refunded_cents")),
    )


def _assert_harmless(body):
    before = _everything()
    status = post_body(Client(), body, sign(body)).status_code
    assert status in (200, 400), (status, body[:300])
    assert _everything() == before


def test_any_signed_json_is_answered_without_a_500_and_changes_nothing(credited):
    @FUZZ
    @given(JSON)
    def check(document):
        _assert_harmless(json.dumps(document).encode())

    check()


def test_signed_event_shaped_bodies_with_any_type_object_and_id_change_nothing(credited):
    topup, charge_id = credited
    ids = st.sampled_from([topup.stripe_payment_intent_id, charge_id, "dp_unknown", "pi_unknown", "ch_unknown",
                           "", "pi_", "pi_" + "9" * 300, "pi_1/../../v1/charges", "pi_1?expand[]=x"]) | st.text(max_size=40)

    @FUZZ
    @given(event_type=st.sampled_from(EVENT_TYPES) | st.text(max_size=30),
           object_type=st.sampled_from(OBJECT_TYPES) | st.text(max_size=20),
           object_id=ids | JSON, extra=st.dictionaries(st.text(max_size=12), JSON, max_size=5))
    def check(event_type, object_type, object_id, extra):
        body = {"id": "evt_fuzz", "object": "event", "type": event_type,
                "data": {"object": {**extra, "object": object_type, "id": object_id}}}
        _assert_harmless(json.dumps(body).encode())

    check()


def test_any_signed_bytes_are_answered_without_a_500_and_change_nothing(credited):
    @FUZZ
    @given(st.binary(max_size=200))
    def check(body):
        _assert_harmless(body)

    check()
