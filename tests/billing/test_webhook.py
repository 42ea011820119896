"""The Stripe webhook: signature first, then only the event's type and object id are believed; what
the object holds is retrieved from Stripe (a FakeStripe at stripe_gateway's boundary here)."""

import itertools
import json
import time

import pytest
from django.test import Client

from accounts.models import Operation
from billing.models import LedgerEntry, TopUp, Wallet
from billing.selectors import wallet_balance_cents
from tests.billing.conftest import deliver_at_once, intent_event, make_topup, post_body, post_event, sign
from tests.factories import make_holder

SUCCEEDED = "payment_intent.succeeded"
FAILED = "payment_intent.payment_failed"


def _state(topup):
    topup.refresh_from_db()
    operation = Operation.objects.get(reference=topup.operation_reference)
    return (topup.status, operation.outcome, wallet_balance_cents(holder_id=topup.holder_id),
            LedgerEntry.objects.filter(wallet__holder_id=topup.holder_id).count())


@pytest.mark.django_db
def test_a_succeeded_event_credits_the_wallet_and_completes_the_operation(fake_stripe):
    topup = make_topup(make_holder(), 1000)
    fake_stripe.pay(topup)
    # Stripe sends no CSRF token: the webhook is the one view exempt from the check.
    response = post_event(Client(enforce_csrf_checks=True), intent_event(topup, SUCCEEDED))
    assert response.status_code == 200
    assert _state(topup) == (TopUp.Status.SUCCEEDED, Operation.Outcome.COMPLETED, 1000, 1)


@pytest.mark.django_db
def test_the_same_event_five_times_in_a_row_credits_once(client, fake_stripe):
    topup = make_topup(make_holder(), 2500)
    fake_stripe.pay(topup)
    event = intent_event(topup, SUCCEEDED)
    statuses = [post_event(client, event).status_code for _ in range(5)]
    assert statuses == [200] * 5
    assert _state(topup) == (TopUp.Status.SUCCEEDED, Operation.Outcome.COMPLETED, 2500, 1)


@pytest.mark.django_db(transaction=True)
def test_the_same_event_five_times_at_once_credits_once(fake_stripe):
    topup = make_topup(make_holder(), 2500)
    fake_stripe.pay(topup)
    body = json.dumps(intent_event(topup, SUCCEEDED)).encode()
    statuses = deliver_at_once([body] * 5)
    assert statuses == [200] * 5
    assert _state(topup) == (TopUp.Status.SUCCEEDED, Operation.Outcome.COMPLETED, 2500, 1)


@pytest.mark.django_db
@pytest.mark.parametrize("order", sorted(set(itertools.permutations([SUCCEEDED, FAILED, SUCCEEDED, FAILED]))))
def test_every_order_of_success_failure_and_duplicates_ends_credited_once(client, fake_stripe, order):
    # A first card declined, a second one accepted: whatever order the events come in, Stripe now
    # says succeeded, and that is what is applied.
    topup = make_topup(make_holder(), 1000)
    fake_stripe.pay(topup)
    events = {kind: intent_event(topup, kind) for kind in (SUCCEEDED, FAILED)}
    for kind in order:
        assert post_event(client, events[kind]).status_code == 200
    assert _state(topup) == (TopUp.Status.SUCCEEDED, Operation.Outcome.COMPLETED, 1000, 1)


@pytest.mark.django_db
def test_a_failure_then_a_success_of_the_same_intent_credits_once(client, fake_stripe):
    topup = make_topup(make_holder(), 1000)
    fake_stripe.pay(topup, status="requires_payment_method", failure_message="Your card was declined.")
    assert post_event(client, intent_event(topup, FAILED)).status_code == 200
    assert _state(topup)[0] == TopUp.Status.FAILED
    fake_stripe.pay(topup)
    for kind in (SUCCEEDED, FAILED, SUCCEEDED):
        assert post_event(client, intent_event(topup, kind)).status_code == 200
    assert _state(topup) == (TopUp.Status.SUCCEEDED, Operation.Outcome.COMPLETED, 1000, 1)


@pytest.mark.django_db
def test_a_failed_event_alone_credits_nothing_and_the_operation_reads_fallito(client, fake_stripe):
    topup = make_topup(make_holder(), 1000)
    fake_stripe.pay(topup, status="requires_payment_method", failure_message="Your card was declined.")
    for _ in range(2):
        assert post_event(client, intent_event(topup, FAILED)).status_code == 200
    assert _state(topup) == (TopUp.Status.FAILED, Operation.Outcome.FAILED, 0, 0)
    assert "Your card was declined." in Operation.objects.get(reference=topup.operation_reference).description


@pytest.mark.django_db
def test_a_wrong_signature_is_refused_and_changes_nothing(client, fake_stripe):
    topup = make_topup(make_holder(), 1000)
    fake_stripe.pay(topup)
    response = post_event(client, intent_event(topup, SUCCEEDED), secret="whsec_someone_else")
    assert response.status_code == 400
    assert _state(topup) == (TopUp.Status.PENDING, Operation.Outcome.PENDING, 0, 0)


@pytest.mark.django_db
def test_a_correctly_signed_success_that_stripe_denies_credits_nothing(client, fake_stripe):
    # The secret leaked: the attacker signs "succeeded" for their own unpaid intent.
    topup = make_topup(make_holder(), 1000)
    fake_stripe.pay(topup, status="requires_payment_method")
    for _ in range(3):
        assert post_event(client, intent_event(topup, SUCCEEDED)).status_code == 200
    assert _state(topup) == (TopUp.Status.PENDING, Operation.Outcome.PENDING, 0, 0)


@pytest.mark.django_db
def test_the_amount_in_the_body_is_ignored_and_stripes_is_credited(client, fake_stripe):
    topup = make_topup(make_holder(), 1000)
    fake_stripe.pay(topup)
    assert post_event(client, intent_event(topup, SUCCEEDED, amount=100_000)).status_code == 200
    assert _state(topup) == (TopUp.Status.SUCCEEDED, Operation.Outcome.COMPLETED, 1000, 1)


@pytest.mark.django_db
@pytest.mark.parametrize("stripe_says", [{"amount": 100_000}, {"amount": 999}, {"currency": "usd"}])
def test_a_payment_stripe_reports_with_another_amount_or_currency_is_not_credited(client, fake_stripe, stripe_says):
    topup = make_topup(make_holder(), 1000)
    fake_stripe.pay(topup, **stripe_says)
    assert post_event(client, intent_event(topup, SUCCEEDED)).status_code == 200
    assert _state(topup) == (TopUp.Status.PENDING, Operation.Outcome.PENDING, 0, 0)


@pytest.mark.django_db
def test_stripe_unreachable_answers_503_so_stripe_delivers_again_and_then_credits(client, fake_stripe):
    topup = make_topup(make_holder(), 1000)
    fake_stripe.pay(topup)
    fake_stripe.down = True
    assert post_event(client, intent_event(topup, SUCCEEDED)).status_code == 503
    assert _state(topup) == (TopUp.Status.PENDING, Operation.Outcome.PENDING, 0, 0)
    fake_stripe.down = False
    assert post_event(client, intent_event(topup, SUCCEEDED)).status_code == 200
    assert _state(topup) == (TopUp.Status.SUCCEEDED, Operation.Outcome.COMPLETED, 1000, 1)


@pytest.mark.django_db
def test_an_altered_body_is_refused_and_changes_nothing(client, fake_stripe):
    topup = make_topup(make_holder(), 1000)
    fake_stripe.pay(topup)
    body = json.dumps(intent_event(topup, SUCCEEDED)).encode()
    signature = sign(body)
    response = post_body(client, body.replace(b'"amount": 1000', b'"amount": 9000'), signature)
    assert response.status_code == 400
    assert _state(topup) == (TopUp.Status.PENDING, Operation.Outcome.PENDING, 0, 0)


@pytest.mark.django_db
def test_a_stale_timestamp_is_refused_and_changes_nothing(client, fake_stripe):
    topup = make_topup(make_holder(), 1000)
    fake_stripe.pay(topup)
    response = post_event(client, intent_event(topup, SUCCEEDED), timestamp=int(time.time()) - 301)
    assert response.status_code == 400
    assert _state(topup) == (TopUp.Status.PENDING, Operation.Outcome.PENDING, 0, 0)


@pytest.mark.django_db
@pytest.mark.parametrize("body, signature", [
    (b"", ""),
    (b"not json at all", "t=1,v1=abc"),
    (b'{"type": "payment_intent.succeeded"}', "garbage"),
    ("\u00e8".encode("latin-1"), "t=x,v1=\u00e8"),
])
def test_garbage_gets_a_400_never_a_500(client, webhook_secret, body, signature):
    assert post_body(client, body, signature).status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("body", [
    b"[1, 2, 3]",
    b'{"type": "payment_intent.succeeded", "data": {"object": {"object": "payment_intent"}}}',
    b'{"type": "payment_intent.succeeded", "data": {"object": {"object": "payment_intent", "id": 42}}}',
    b'{"type": "payment_intent.succeeded", "data": {"object": {"object": "payment_intent", "id": "pi_1/../x"}}}',
])
def test_a_signed_payload_that_names_no_stripe_object_gets_a_400(client, webhook_secret, body):
    assert post_body(client, body, sign(body)).status_code == 400


@pytest.mark.django_db
def test_unknown_event_types_are_acknowledged_and_ignored(client, fake_stripe):
    topup = make_topup(make_holder(), 1000)
    fake_stripe.pay(topup)
    event = intent_event(topup, SUCCEEDED)
    event["type"] = "customer.created"
    event["data"]["object"] = {"id": "cus_1", "object": "customer"}
    assert post_event(client, event).status_code == 200
    assert _state(topup) == (TopUp.Status.PENDING, Operation.Outcome.PENDING, 0, 0)


@pytest.mark.django_db
def test_an_intent_stripe_does_not_know_is_acknowledged_and_credits_nobody(client, fake_stripe):
    topup = make_topup(make_holder(), 1000)
    event = intent_event(topup, SUCCEEDED)
    event["data"]["object"]["id"] = "pi_not_ours"
    assert post_event(client, event).status_code == 200
    assert Wallet.objects.filter(balance_cents__gt=0).count() == 0


@pytest.mark.django_db
def test_a_paid_intent_that_is_no_top_up_of_ours_credits_nobody(client, fake_stripe):
    topup = make_topup(make_holder(), 1000)
    fake_stripe.pay(topup)
    # Stripe knows the intent, and its metadata names our top-up, but that top-up opened another
    # intent: metadata alone proves nothing.
    TopUp.objects.filter(pk=topup.pk).update(stripe_payment_intent_id="pi_the_one_we_opened")
    assert post_event(client, intent_event(topup, SUCCEEDED)).status_code == 200
    assert Wallet.objects.filter(balance_cents__gt=0).count() == 0
    assert not TopUp.objects.filter(status=TopUp.Status.SUCCEEDED).exists()


@pytest.mark.django_db
def test_a_success_that_overtakes_the_saved_intent_id_is_matched_by_stripes_metadata(client, fake_stripe):
    topup = make_topup(make_holder(), 1000)
    fake_stripe.pay(topup)
    event = intent_event(topup, SUCCEEDED)
    TopUp.objects.filter(pk=topup.pk).update(stripe_payment_intent_id=None)
    assert post_event(client, event).status_code == 200
    topup.refresh_from_db()
    assert topup.stripe_payment_intent_id == event["data"]["object"]["id"]
    assert _state(topup)[0] == TopUp.Status.SUCCEEDED


@pytest.mark.django_db
def test_the_webhook_is_post_only(client):
    assert client.get("/stripe/webhook/").status_code == 405
