"""charge.dispute.created / closed: localstripe has no disputes, so Stripe is a FakeStripe at
stripe_gateway's boundary, and the events are signed and posted to the webhook view as Stripe would.
An open dispute freezes the holder's spending and alerts staff; won, it unfreezes; lost, it takes
its amount like a refund."""

import itertools
import json

import pytest
from django.core import mail
from django.test import Client

from billing.models import Dispute, LedgerEntry, Wallet
from billing.services import wallet_post
from tests.billing.conftest import (
    charge_event,
    deliver_at_once,
    dispute_event,
    make_topup,
    paid_topup,
    post_event,
)
from tests.factories import make_holder

CREATED, CLOSED = "charge.dispute.created", "charge.dispute.closed"


def _wallet(holder):
    wallet = Wallet.objects.get(holder=holder)
    return wallet.balance_cents, wallet.debt_cents, wallet.spending_frozen


@pytest.fixture
def staff_inbox(settings):
    settings.STAFF_ALERT_EMAIL = ["staff@example.it"]
    return mail.outbox


@pytest.mark.django_db
def test_an_open_dispute_freezes_the_wallet_records_the_dispute_and_alerts_staff_once(
        client, fake_stripe, staff_inbox, django_capture_on_commit_callbacks):
    holder = make_holder()
    topup = paid_topup(client, fake_stripe, holder, 1000)
    dispute_id = fake_stripe.dispute(topup)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            assert post_event(client, dispute_event(dispute_id, CREATED)).status_code == 200
    assert _wallet(holder) == (1000, 0, True)
    dispute = Dispute.objects.get()
    assert (dispute.topup, dispute.amount_cents, dispute.status, dispute.reason) == (topup, 1000, "open", "fraudulent")
    [alert] = staff_inbox
    assert alert.subject == f"[Area Clienti] Contestazione aperta sulla ricarica n. {topup.pk}: credito bloccato"
    assert dispute_id in alert.body


@pytest.mark.django_db
def test_a_won_dispute_unfreezes_and_moves_no_money(client, fake_stripe):
    holder = make_holder()
    topup = paid_topup(client, fake_stripe, holder, 1000)
    dispute_id = fake_stripe.dispute(topup)
    post_event(client, dispute_event(dispute_id, CREATED))
    fake_stripe.close(dispute_id, "won")
    assert post_event(client, dispute_event(dispute_id, CLOSED)).status_code == 200
    assert _wallet(holder) == (1000, 0, False)
    dispute = Dispute.objects.get()
    assert (dispute.status, dispute.closed_at is not None) == ("won", True)
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.DISPUTE).exists()


@pytest.mark.django_db
def test_a_lost_dispute_takes_its_amount_and_what_was_spent_becomes_debt(
        client, fake_stripe, staff_inbox, django_capture_on_commit_callbacks):
    holder = make_holder()
    topup = paid_topup(client, fake_stripe, holder, 1000)
    wallet_post(holder_id=holder.pk, amount_cents=-700, kind=LedgerEntry.Kind.RENEWAL, reference="renewal:test",
                description="Rinnovo")
    dispute_id = fake_stripe.dispute(topup)
    post_event(client, dispute_event(dispute_id, CREATED))
    fake_stripe.close(dispute_id, "lost")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            assert post_event(client, dispute_event(dispute_id, CLOSED)).status_code == 200
    assert _wallet(holder) == (0, 700, False)
    entry = LedgerEntry.objects.get(kind=LedgerEntry.Kind.DISPUTE)
    assert (entry.amount_cents, entry.debt_change_cents, entry.reference) == (-300, 700, f"dispute:{dispute_id}")
    [alert] = staff_inbox
    assert "Contestazione persa" in alert.subject and "con debito" in alert.subject


@pytest.mark.django_db
def test_a_dispute_after_a_partial_refund_takes_at_most_what_is_left(client, fake_stripe):
    holder = make_holder()
    topup = paid_topup(client, fake_stripe, holder, 1000)
    post_event(client, charge_event(fake_stripe.refund(topup, 400)))
    dispute_id = fake_stripe.dispute(topup, status="lost", amount=1000)
    assert post_event(client, dispute_event(dispute_id, CLOSED)).status_code == 200
    assert _wallet(holder) == (0, 0, False)
    assert LedgerEntry.objects.get(kind=LedgerEntry.Kind.DISPUTE).amount_cents == -600


@pytest.mark.django_db
@pytest.mark.parametrize("final", ["won", "lost"])
@pytest.mark.parametrize("order", sorted(set(itertools.permutations(["paid", "created", "created", "closed", "closed"]))))
def test_every_order_of_late_and_repeated_events_ends_in_the_same_wallet(client, fake_stripe, order, final):
    holder = make_holder()
    topup = make_topup(holder, 1000)
    fake_stripe.pay(topup)
    dispute_id = fake_stripe.dispute(topup, status=final)
    events = {"created": dispute_event(dispute_id, CREATED), "closed": dispute_event(dispute_id, CLOSED, status=final),
              "paid": charge_event(topup.stripe_payment_intent_id, "payment_intent.succeeded")}
    events["paid"]["data"]["object"]["object"] = "payment_intent"
    for name in order:
        assert post_event(client, events[name]).status_code == 200
    assert _wallet(holder) == ((0, 0, False) if final == "lost" else (1000, 0, False))
    assert Dispute.objects.get().status == final


@pytest.mark.django_db
def test_a_late_created_event_never_reopens_a_closed_dispute(client, fake_stripe):
    holder = make_holder()
    topup = paid_topup(client, fake_stripe, holder, 1000)
    dispute_id = fake_stripe.dispute(topup)
    created = dispute_event(dispute_id, CREATED)
    post_event(client, created)
    fake_stripe.close(dispute_id, "won")
    post_event(client, dispute_event(dispute_id, CLOSED))
    fake_stripe.close(dispute_id, "needs_response")  # even if Stripe said so again
    assert post_event(client, created).status_code == 200
    assert _wallet(holder) == (1000, 0, False)


@pytest.mark.django_db
def test_two_disputes_keep_the_wallet_frozen_until_both_are_closed(client, fake_stripe):
    holder = make_holder()
    first = fake_stripe.dispute(paid_topup(client, fake_stripe, holder, 1000))
    second = fake_stripe.dispute(paid_topup(client, fake_stripe, holder, 500))
    for dispute_id in (first, second):
        post_event(client, dispute_event(dispute_id, CREATED))
    fake_stripe.close(first, "won")
    post_event(client, dispute_event(first, CLOSED))
    assert _wallet(holder)[2] is True
    fake_stripe.close(second, "warning_closed")
    post_event(client, dispute_event(second, CLOSED))
    assert _wallet(holder) == (1500, 0, False)


@pytest.mark.django_db
@pytest.mark.parametrize("stripe_says", [{"currency": "usd"}, {"amount": 5000}, {"charge_id": "ch_someone_else"}])
def test_a_dispute_that_is_not_on_our_top_ups_payment_changes_nothing(client, fake_stripe, stripe_says):
    holder = make_holder()
    topup = paid_topup(client, fake_stripe, holder, 1000)
    dispute_id = fake_stripe.dispute(topup, status="lost")
    if "charge_id" in stripe_says:
        fake_stripe.charges["ch_someone_else"] = type(fake_stripe.charges[fake_stripe.charge_id(topup)])(
            id="ch_someone_else", amount=1000, amount_refunded=0, currency="eur", payment_intent_id="pi_other",
            status="succeeded")
    dispute = fake_stripe.disputes[dispute_id]
    fake_stripe.disputes[dispute_id] = type(dispute)(**{**dispute.__dict__, **stripe_says})
    assert post_event(client, dispute_event(dispute_id, CLOSED)).status_code == 200
    assert _wallet(holder) == (1000, 0, False)
    assert not Dispute.objects.exists()


@pytest.mark.django_db
def test_a_forged_dispute_event_changes_nothing(client, fake_stripe):
    holder = make_holder()
    topup = paid_topup(client, fake_stripe, holder, 1000)
    real = fake_stripe.dispute(topup)
    assert post_event(client, dispute_event(real, CLOSED, status="lost"), secret="whsec_leaked_or_guessed").status_code == 400
    assert post_event(client, dispute_event("dp_invented", CLOSED, status="lost",
                                            charge=fake_stripe.charge_id(topup))).status_code == 200
    assert _wallet(holder) == (1000, 0, False)
    assert not Dispute.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_same_lost_dispute_delivered_by_two_connections_at_once_takes_once(fake_stripe):
    holder = make_holder()
    topup = paid_topup(Client(), fake_stripe, holder, 1000)
    dispute_id = fake_stripe.dispute(topup, status="lost")
    bodies = [json.dumps(dispute_event(dispute_id, kind)).encode() for kind in (CREATED, CLOSED, CREATED, CLOSED)]
    statuses = deliver_at_once(bodies)
    assert statuses == [200] * 4
    assert _wallet(holder) == (0, 0, False)
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.DISPUTE).count() == 1
    assert Dispute.objects.count() == 1
