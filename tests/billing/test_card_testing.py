"""Card testing: one intent confirmed again and again with stolen cards. Declined confirmations
count per holder and per client address, once each however they are reported; at the limit the
intent is cancelled at Stripe and new top-ups are refused for the hour."""

from datetime import timedelta

import pytest
import redis
from django.core.cache import cache
from django.utils import timezone

from billing import stripe_gateway
from billing.models import CardDecline, TopUp
from billing.services import BillingError, topup_create, topup_sync
from tests.billing.conftest import intent_event, make_topup, post_event
from tests.billing.test_topup_poll import DEAD_REDIS
from tests.factories import make_holder

pytestmark = pytest.mark.django_db

SUSPENDED = "Troppi pagamenti con carta rifiutati nell&#x27;ultima ora"
ADDRESS = "203.0.113.7"


class StripeCancels(list):
    """Every intent_cancel the portal makes; Stripe answers "canceled" unless told to fail."""

    unreachable = False

    def __call__(self, *, payment_intent_id):
        self.append(payment_intent_id)
        if self.unreachable:
            self.unreachable = False
            raise stripe_gateway.PaymentError("Il servizio di pagamento non è raggiungibile.")
        return stripe_gateway.Intent(id=payment_intent_id, status="canceled", amount=0, currency="eur")


@pytest.fixture
def stripe_cancels(monkeypatch):
    cancels = StripeCancels()
    monkeypatch.setattr(stripe_gateway, "intent_cancel", cancels)
    return cancels


@pytest.fixture
def stripe_opens(monkeypatch):
    """intent_create answered locally, as real Stripe would for a card typed in the browser."""
    opened = []

    def intent_create(*, amount_cents, metadata, idempotency_key, payment_method=None):
        opened.append(metadata["topup_id"])
        return stripe_gateway.Intent(id=f"pi_opened_{idempotency_key}", status="requires_payment_method",
                                     amount=amount_cents, currency="eur", client_secret="pi_secret_z")

    monkeypatch.setattr(stripe_gateway, "intent_create", intent_create)
    return opened


@pytest.fixture
def decline(client, fake_stripe, django_capture_on_commit_callbacks):
    """Stripe's payment_intent.payment_failed webhook for one declined charge of ``topup``, with
    Stripe saying the same when the portal asks it."""

    def report(topup, charge):
        fake_stripe.intents[topup.stripe_payment_intent_id] = stripe_gateway.Intent(
            id=topup.stripe_payment_intent_id, status="requires_payment_method", amount=topup.amount_cents,
            currency="eur", metadata={"topup_id": str(topup.pk)}, failure_message="Your card was declined.",
            failed_attempt=charge,
        )
        event = intent_event(topup, "payment_intent.payment_failed")
        event["data"]["object"]["last_payment_error"]["charge"] = charge
        with django_capture_on_commit_callbacks(execute=True):
            assert post_event(client, event).status_code == 200
        topup.refresh_from_db()

    return report


def test_five_declines_of_one_intent_cancel_it_and_the_top_up_page_refuses_new_ones(
    holder_client, holder, decline, stripe_cancels, stripe_opens
):
    topup = make_topup(holder, 1000)
    for n in range(1, 5):
        decline(topup, f"ch_stolen_{n}")
    assert topup.status == TopUp.Status.FAILED and stripe_cancels == []

    decline(topup, "ch_stolen_5")
    assert stripe_cancels == [topup.stripe_payment_intent_id]
    assert topup.status == TopUp.Status.CANCELLED

    assert SUSPENDED in holder_client.get("/credit/topup/").content.decode()
    response = holder_client.post("/credit/topup/", {"amount": "10"})
    assert response.status_code == 200
    assert SUSPENDED in response.content.decode()
    assert stripe_opens == [] and TopUp.objects.count() == 1


def test_the_same_decline_from_the_webhook_and_the_poll_counts_once(holder, decline, stripe_cancels, stripe_opens,
                                                                    monkeypatch, settings):
    settings.TOPUP_DECLINE_LIMIT_PER_HOUR = 2
    topup = make_topup(holder, 1000)
    for _ in range(3):
        decline(topup, "ch_once")
    declined = stripe_gateway.Intent(id=topup.stripe_payment_intent_id, status="requires_payment_method",
                                     amount=1000, currency="eur", failure_message="Your card was declined.",
                                     failed_attempt="ch_once")
    monkeypatch.setattr(stripe_gateway, "intent_retrieve", lambda *, payment_intent_id: declined)
    topup_sync(topup=topup)
    assert CardDecline.objects.filter(topup=topup).count() == 1
    assert stripe_cancels == []
    assert topup_create(holder_id=holder.pk, amount_cents=1000).status == TopUp.Status.PENDING


def test_declines_count_per_client_address_across_holders(holder_client, holder, decline, stripe_cancels,
                                                          stripe_opens):
    strangers = [make_holder() for _ in range(5)]
    topups = [topup_create(holder_id=stranger.pk, amount_cents=1000, client_ip=ADDRESS) for stranger in strangers]
    for n, topup in enumerate(topups):
        decline(topup, f"ch_address_{n}")
    assert stripe_cancels == [topups[-1].stripe_payment_intent_id]

    refused = holder_client.post("/credit/topup/", {"amount": "10"}, REMOTE_ADDR=ADDRESS)
    assert SUSPENDED in refused.content.decode()
    assert not TopUp.objects.filter(holder=holder).exists()

    # Each stranger has one decline of their own: from another address they may still pay.
    elsewhere = topup_create(holder_id=strangers[0].pk, amount_cents=1000, client_ip="198.51.100.9")
    assert elsewhere.status == TopUp.Status.PENDING


def test_the_top_up_page_records_the_client_address_for_later_webhooks(holder_client, holder, stripe_opens):
    response = holder_client.post("/credit/topup/", {"amount": "10"}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 302
    assert TopUp.objects.get(holder=holder).client_ip == ADDRESS


def test_declines_older_than_an_hour_no_longer_count(holder, decline, stripe_cancels, stripe_opens):
    topup = make_topup(holder, 1000)
    for n in range(5):
        decline(topup, f"ch_old_{n}")
    with pytest.raises(BillingError, match="Troppi pagamenti con carta rifiutati"):
        topup_create(holder_id=holder.pk, amount_cents=1000)

    CardDecline.objects.update(created_at=timezone.now() - timedelta(minutes=61))
    assert topup_create(holder_id=holder.pk, amount_cents=1000).status == TopUp.Status.PENDING


def test_a_cancel_stripe_did_not_take_is_tried_again_by_the_next_poll(holder, decline, stripe_cancels,
                                                                      monkeypatch, django_capture_on_commit_callbacks):
    topup = make_topup(holder, 1000)
    for n in range(4):
        decline(topup, f"ch_retry_{n}")
    stripe_cancels.unreachable = True
    decline(topup, "ch_retry_4")
    assert topup.status == TopUp.Status.FAILED

    declined = stripe_gateway.Intent(id=topup.stripe_payment_intent_id, status="requires_payment_method",
                                     amount=1000, currency="eur", failure_message="Your card was declined.",
                                     failed_attempt="ch_retry_4")
    monkeypatch.setattr(stripe_gateway, "intent_retrieve", lambda *, payment_intent_id: declined)
    with django_capture_on_commit_callbacks(execute=True):
        topup_sync(topup=topup)
    topup.refresh_from_db()
    assert stripe_cancels == [topup.stripe_payment_intent_id] * 2
    assert topup.status == TopUp.Status.CANCELLED
    assert CardDecline.objects.count() == 5


def test_a_late_decline_of_a_paid_top_up_counts_but_cancels_nothing(holder, decline, stripe_cancels, settings):
    settings.TOPUP_DECLINE_LIMIT_PER_HOUR = 1
    topup = make_topup(holder, 1000, status=TopUp.Status.SUCCEEDED)
    decline(topup, "ch_before_success")
    assert topup.status == TopUp.Status.SUCCEEDED
    assert CardDecline.objects.filter(topup=topup).count() == 1
    assert stripe_cancels == []


def test_the_limit_holds_with_the_cache_down(holder_client, holder, decline, stripe_cancels, stripe_opens, settings):
    topup = make_topup(holder, 1000)
    for n in range(5):
        decline(topup, f"ch_cacheless_{n}")
    settings.CACHES = DEAD_REDIS
    with pytest.raises(redis.ConnectionError):
        cache.set("probe", 1)
    response = holder_client.post("/credit/topup/", {"amount": "10"})
    assert response.status_code == 200
    assert SUSPENDED in response.content.decode()
    assert stripe_opens == []


def test_five_declined_test_cards_cancel_the_last_intent_at_localstripe(holder_client, holder, stripe_settings,
                                                                        django_capture_on_commit_callbacks):
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            holder_client.post("/credit/topup/", {"amount": "10", "test_card": "declined"})
    topups = list(TopUp.objects.filter(holder=holder).order_by("pk"))
    assert [topup.status for topup in topups] == [TopUp.Status.FAILED] * 4 + [TopUp.Status.CANCELLED]
    assert stripe_gateway.intent_retrieve(payment_intent_id=topups[-1].stripe_payment_intent_id).status == "canceled"
    assert CardDecline.objects.filter(attempt__startswith="ch_").count() == 5

    response = holder_client.post("/credit/topup/", {"amount": "10", "test_card": "ok"})
    assert SUSPENDED in response.content.decode()
    assert TopUp.objects.filter(holder=holder).count() == 5
