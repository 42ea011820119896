"""Refunds against a real localstripe: refunds made "in the Dashboard" (the Stripe API, called by the
test) and the portal's staff refund, with charge.refunded signed and posted to the webhook view and
every charge retrieved from localstripe. localstripe has no disputes: that one test answers the
dispute retrieve with a FakeStripe and the charge retrieve with localstripe."""

import threading

import pytest
import stripe
from django.contrib.messages import get_messages
from django.db import DatabaseError, connection, transaction

from accounts.models import User
from audit.models import AuditEntry
from billing import stripe_gateway
from billing.models import LedgerEntry, TopUp, Wallet
from billing.services import topup_create, topup_sync, wallet_post
from tests.billing.conftest import FakeStripe, charge_event, dispute_event, post_event
from tests.factories import make_holder
from tests.stripe_fixtures import WEBHOOK_SECRET


@pytest.fixture
def staff(client):
    user = User.objects.create_superuser("contabile", "conti@example.it", "Staff-Pass-2026!")
    client.force_login(user, backend="accounts.backends.StaffBackend")
    client.user = user
    return client


def _paid_topup(holder, cents=1000):
    topup = topup_sync(topup=topup_create(holder_id=holder.pk, amount_cents=cents, test_card=stripe_gateway.TEST_CARD_OK))
    assert topup.status == TopUp.Status.SUCCEEDED
    return topup


def _dashboard_refund(topup, cents):
    """What a refund made in Stripe's Dashboard does: Stripe refunds, and only tells by webhook."""
    stripe.api_key, stripe.api_base = "sk_test_portal_tests", stripe_gateway.settings.STRIPE_API_BASE
    return stripe.Refund.create(payment_intent=topup.stripe_payment_intent_id, amount=cents)["charge"]


def _deliver(client, event):
    return post_event(client, event, secret=WEBHOOK_SECRET).status_code


def _wallet(holder):
    wallet = Wallet.objects.get(holder=holder)
    return wallet.balance_cents, wallet.debt_cents


def _refund(staff, topup):
    response = staff.post("/admin/billing/topup/", {"action": "refund", "_selected_action": [topup.pk]})
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.django_db
def test_dashboard_refunds_partial_then_the_rest_are_debited_as_stripe_reports_them(client, stripe_settings):
    holder = make_holder()
    topup = _paid_topup(holder)
    charge_id = _dashboard_refund(topup, 300)
    assert [_deliver(client, charge_event(charge_id)) for _ in range(2)] == [200, 200]
    assert _wallet(holder) == (700, 0)
    _dashboard_refund(topup, 700)
    assert _deliver(client, charge_event(charge_id)) == 200
    assert _wallet(holder) == (0, 0)
    references = set(LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REFUND).values_list("reference", flat=True))
    assert references == {f"refund:{topup.stripe_payment_intent_id}:300", f"refund:{topup.stripe_payment_intent_id}:1000"}


@pytest.mark.django_db
def test_a_dashboard_refund_of_spent_credit_becomes_debt_that_the_next_top_up_pays(client, stripe_settings):
    holder = make_holder()
    topup = _paid_topup(holder)
    wallet_post(holder_id=holder.pk, amount_cents=-800, kind=LedgerEntry.Kind.ORDER, reference="order:spent",
                description="Ordine")
    assert _deliver(client, charge_event(_dashboard_refund(topup, 1000))) == 200
    assert _wallet(holder) == (0, 800)
    _paid_topup(holder, 1000)
    assert _wallet(holder) == (200, 0)


@pytest.mark.django_db
def test_a_staff_refund_after_a_dashboard_one_gives_back_the_rest(client, staff, stripe_settings):
    holder = make_holder()
    topup = _paid_topup(holder)
    _deliver(client, charge_event(_dashboard_refund(topup, 400)))
    assert _refund(staff, topup) == [f"Ricarica n. {topup.pk} rimborsata."]
    assert _wallet(holder) == (0, 0)
    entry = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REFUND).latest("id")
    assert (entry.amount_cents, entry.created_by) == (-600, staff.user)


@pytest.mark.django_db
def test_the_webhook_landing_before_stripes_answer_leaves_the_answer_nothing_to_do(
        client, staff, stripe_settings, monkeypatch):
    holder = make_holder()
    topup = _paid_topup(holder)
    retrieve = stripe_gateway.charge_retrieve
    delivered = []

    def webhook_first(*, charge_id):
        # The portal's own retrieve after Stripe's answer: the webhook is delivered just before it
        # (the webhook's own retrieve goes straight to localstripe).
        monkeypatch.setattr(stripe_gateway, "charge_retrieve", retrieve)
        delivered.append(_deliver(client, charge_event(charge_id)))
        return retrieve(charge_id=charge_id)

    monkeypatch.setattr(stripe_gateway, "charge_retrieve", webhook_first)
    assert _refund(staff, topup) == [f"Ricarica n. {topup.pk} rimborsata."]
    assert delivered == [200]
    entry = LedgerEntry.objects.get(kind=LedgerEntry.Kind.REFUND)
    assert (entry.amount_cents, entry.created_by) == (-1000, staff.user)
    assert AuditEntry.objects.get().user == staff.user


@pytest.mark.django_db
def test_without_stripes_answer_the_refund_waits_and_its_webhook_settles_it_for_the_staff_member(
        client, staff, stripe_settings, monkeypatch):
    holder = make_holder(credit_cents=300)
    topup = _paid_topup(holder)
    refund_create = stripe_gateway.refund_create

    def answer_lost(**kwargs):
        refund_create(**kwargs)  # Stripe refunds; its answer never arrives
        raise stripe_gateway.PaymentError("timeout", unreachable=True)

    monkeypatch.setattr(stripe_gateway, "refund_create", answer_lost)
    [message] = _refund(staff, topup)
    assert "Stripe non ha risposto: il rimborso resta in attesa" in message
    topup.refresh_from_db()
    assert (topup.refund_requested_cents, topup.refunded_cents, _wallet(holder)) == (1000, 0, (1300, 0))
    assert "rimborso in attesa di Stripe" in staff.get("/admin/billing/topup/").content.decode()

    charge_id = stripe.PaymentIntent.retrieve(topup.stripe_payment_intent_id)["latest_charge"]["id"]
    assert _deliver(client, charge_event(charge_id)) == 200
    assert _wallet(holder) == (300, 0)
    entry = LedgerEntry.objects.get(kind=LedgerEntry.Kind.REFUND)
    assert entry.created_by == staff.user
    audit = AuditEntry.objects.get(action=AuditEntry.Action.TOPUP_REFUND)
    assert (audit.user, audit.before["balance_cents"], audit.after["balance_cents"]) == (staff.user, 1300, 300)


@pytest.mark.django_db
def test_a_refund_stripe_refuses_is_no_longer_pending(staff, stripe_settings, monkeypatch):
    holder = make_holder()
    topup = _paid_topup(holder)

    def refused(**kwargs):
        raise stripe_gateway.PaymentError("Stripe non ha accettato il rimborso: charge_disputed")

    monkeypatch.setattr(stripe_gateway, "refund_create", refused)
    assert _refund(staff, topup) == [f"#{topup.pk}: Stripe non ha accettato il rimborso: charge_disputed"]
    topup.refresh_from_db()
    assert (topup.refund_requested_cents, topup.refund_requested_by, _wallet(holder)) == (0, None, (1000, 0))


@pytest.mark.django_db(transaction=True)
def test_no_database_lock_is_held_while_stripe_is_asked_for_the_refund(staff, stripe_settings, monkeypatch):
    holder = make_holder()
    topup = _paid_topup(holder)
    refund_create = stripe_gateway.refund_create
    seen = []

    def lock_from_elsewhere():
        # Another request (an order, the night) locking the wallet and the top-up without waiting.
        try:
            with transaction.atomic():
                Wallet.objects.select_for_update(nowait=True).get(holder=holder)
                TopUp.objects.select_for_update(nowait=True).get(pk=topup.pk)
            seen.append("free")
        except DatabaseError as exc:
            seen.append(repr(exc))
        finally:
            connection.close()

    def while_stripe_works(**kwargs):
        other = threading.Thread(target=lock_from_elsewhere)
        other.start()
        other.join()
        return refund_create(**kwargs)

    monkeypatch.setattr(stripe_gateway, "refund_create", while_stripe_works)
    assert _refund(staff, topup) == [f"Ricarica n. {topup.pk} rimborsata."]
    assert seen == ["free"]
    assert _wallet(holder) == (0, 0)


@pytest.mark.django_db
def test_a_disputed_top_up_cannot_be_refunded_by_staff_and_a_lost_dispute_takes_its_amount(
        client, staff, stripe_settings, monkeypatch):
    holder = make_holder(credit_cents=500)
    topup = _paid_topup(holder)
    charge_id = stripe.PaymentIntent.retrieve(topup.stripe_payment_intent_id)["latest_charge"]["id"]
    disputes = FakeStripe()  # localstripe has no disputes; the charge is still localstripe's
    disputes.disputes["dp_local"] = stripe_gateway.Dispute(id="dp_local", amount=1000, currency="eur",
                                                          charge_id=charge_id, status="needs_response")
    monkeypatch.setattr(stripe_gateway, "dispute_retrieve", disputes.dispute_retrieve)
    assert _deliver(client, dispute_event("dp_local", "charge.dispute.created")) == 200
    assert Wallet.objects.get(holder=holder).spending_frozen
    [message] = _refund(staff, topup)
    assert "ha una contestazione presso la banca aperta o persa" in message

    disputes.close("dp_local", "lost")
    assert _deliver(client, dispute_event("dp_local", "charge.dispute.closed")) == 200
    assert _wallet(holder) == (500, 0)
    assert not Wallet.objects.get(holder=holder).spending_frozen
