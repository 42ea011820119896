"""End to end against a real localstripe process that signs and delivers its own webhooks."""

import time

import pytest

from accounts.models import Operation
from billing import stripe_gateway
from billing.models import LedgerEntry, TopUp
from billing.selectors import wallet_balance_cents
from billing.services import topup_create, topup_sync
from tests.factories import make_holder
from tests.waiting import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_test_card_payment_is_credited_once_by_localstripes_webhook(stripe_webhook):
    holder = make_holder(credit_cents=848)
    topup = topup_create(holder_id=holder.pk, amount_cents=1000, test_card=stripe_gateway.TEST_CARD_OK)
    assert topup.stripe_payment_intent_id.startswith("pi_")

    # Nothing credits the wallet but Stripe's word: here the webhook, about a second later.
    assert wait_for(lambda: TopUp.objects.get(pk=topup.pk).status == TopUp.Status.SUCCEEDED, timeout=10, interval=0.1)
    assert wallet_balance_cents(holder_id=holder.pk) == 1848
    assert LedgerEntry.objects.filter(reference=f"topup:{topup.stripe_payment_intent_id}").count() == 1
    assert Operation.objects.get(reference=topup.operation_reference).outcome == Operation.Outcome.COMPLETED


def test_a_declined_card_leaves_the_balance_unchanged_and_the_operation_fallito(stripe_webhook):
    holder = make_holder(credit_cents=848)
    topup = topup_create(holder_id=holder.pk, amount_cents=1000, test_card=stripe_gateway.TEST_CARD_DECLINED)
    assert topup.status == TopUp.Status.FAILED
    time.sleep(1.5)  # localstripe's payment_failed webhook arrives too, and must change nothing more
    topup.refresh_from_db()
    assert topup.status == TopUp.Status.FAILED
    assert wallet_balance_cents(holder_id=holder.pk) == 848
    operation = Operation.objects.get(reference=topup.operation_reference)
    assert operation.outcome == Operation.Outcome.FAILED
    assert operation.get_outcome_display() == "Fallito"


def test_the_return_page_path_and_the_webhook_together_credit_once(stripe_webhook):
    holder = make_holder()
    topup = topup_create(holder_id=holder.pk, amount_cents=2500, test_card=stripe_gateway.TEST_CARD_OK)
    topup_sync(topup=topup)  # the return page retrieving the intent, racing the webhook
    time.sleep(1.5)
    topup_sync(topup=TopUp.objects.get(pk=topup.pk))
    assert wallet_balance_cents(holder_id=holder.pk) == 2500
    assert LedgerEntry.objects.filter(wallet__holder=holder).count() == 1
