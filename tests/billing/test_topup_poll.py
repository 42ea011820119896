"""The return page polls every 2 s; Stripe hears about one top-up at most once per interval."""

import pytest
import redis
from django.core.cache import cache

from billing import stripe_gateway
from billing.models import TopUp
from billing.services import topup_sync
from tests.billing.conftest import make_topup

pytestmark = pytest.mark.django_db

DEAD_REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": "redis://127.0.0.1:1/0"}}


@pytest.fixture
def stripe_reads(monkeypatch):
    """Every intent_retrieve the portal makes, answered "still waiting for the card"."""
    reads = []

    def intent_retrieve(*, payment_intent_id):
        reads.append(payment_intent_id)
        return stripe_gateway.Intent(id=payment_intent_id, status="requires_payment_method", amount=1000,
                                     currency="eur")

    monkeypatch.setattr(stripe_gateway, "intent_retrieve", intent_retrieve)
    return reads


def poll_due(topup):
    """As if the interval had passed since the last question to Stripe."""
    TopUp.objects.filter(pk=topup.pk).update(stripe_checked_at=None)


def test_many_polls_within_the_interval_ask_stripe_once(holder_client, holder, stripe_reads):
    topup = make_topup(holder, 1000)
    for _ in range(10):
        assert holder_client.get(f"/credit/topup/{topup.pk}/status/").json()["status"] == "pending"
    holder_client.get(f"/credit/topup/{topup.pk}/")
    assert stripe_reads == [topup.stripe_payment_intent_id]


def test_once_the_interval_has_passed_the_next_poll_asks_again(holder_client, holder, stripe_reads):
    topup = make_topup(holder, 1000)
    holder_client.get(f"/credit/topup/{topup.pk}/status/")
    poll_due(topup)
    holder_client.get(f"/credit/topup/{topup.pk}/status/")
    holder_client.get(f"/credit/topup/{topup.pk}/status/")
    assert stripe_reads == [topup.stripe_payment_intent_id] * 2


def test_each_top_up_has_its_own_interval(holder, stripe_reads):
    first, second = make_topup(holder, 1000), make_topup(holder, 1000)
    for topup in (first, second, first, second):
        topup_sync(topup=topup)
    assert stripe_reads == [first.stripe_payment_intent_id, second.stripe_payment_intent_id]


def test_the_interval_is_a_setting(holder, stripe_reads, settings):
    settings.TOPUP_SYNC_INTERVAL_SECONDS = 0
    topup = make_topup(holder, 1000)
    for _ in range(3):
        topup_sync(topup=topup)
    assert len(stripe_reads) == 3


def test_with_the_cache_down_the_poll_still_answers_and_asks_stripe_once(holder_client, holder, stripe_reads,
                                                                         settings):
    topup = make_topup(holder, 1000)
    settings.CACHES = DEAD_REDIS
    with pytest.raises(redis.ConnectionError):
        cache.set("probe", 1)
    for _ in range(5):
        response = holder_client.get(f"/credit/topup/{topup.pk}/status/")
        assert response.status_code == 200
        assert response.json()["status"] == "pending"
    assert stripe_reads == [topup.stripe_payment_intent_id]


def test_a_finished_top_up_never_asks_stripe(holder, stripe_reads):
    topup = make_topup(holder, 1000, status=TopUp.Status.CANCELLED)
    topup_sync(topup=topup)
    assert stripe_reads == []
