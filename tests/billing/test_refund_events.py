"""charge.refunded from Stripe (a refund made in Stripe's Dashboard, or the portal's own): the
charge is retrieved from Stripe (a FakeStripe here) and what it adds to amount_refunded is debited
once, the part already spent becoming the holder's debt, which the next top-ups pay first."""

import itertools
import json

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client

from accounts.models import Operation
from billing.models import LedgerEntry, TopUp, Wallet
from billing.selectors import ledger_mismatches
from billing.services import credit_adjust, wallet_post
from tests.billing.conftest import charge_event, deliver_at_once, make_topup, paid_topup, post_event
from tests.factories import make_holder

REFUNDED = "charge.refunded"


def _wallet(holder):
    wallet = Wallet.objects.get(holder=holder)
    return wallet.balance_cents, wallet.debt_cents


def _refund_entries(holder):
    return list(LedgerEntry.objects.filter(wallet__holder=holder, kind=LedgerEntry.Kind.REFUND)
                .order_by("id").values_list("amount_cents", "debt_change_cents"))


def _spend(holder, cents):
    wallet_post(holder_id=holder.pk, amount_cents=-cents, kind=LedgerEntry.Kind.ORDER,
                reference=f"order:test:{holder.pk}:{cents}", description="Ordine")


@pytest.fixture
def staff_inbox(settings):
    settings.STAFF_ALERT_EMAIL = ["staff@example.it"]
    return mail.outbox


@pytest.mark.django_db
def test_a_full_refund_from_the_dashboard_debits_the_top_up_once(client, fake_stripe):
    holder = make_holder()
    topup = paid_topup(client, fake_stripe, holder, 1000)
    charge_id = fake_stripe.refund(topup, 1000)
    for _ in range(3):
        assert post_event(client, charge_event(charge_id)).status_code == 200
    assert _wallet(holder) == (0, 0)
    assert _refund_entries(holder) == [(-1000, 0)]
    topup.refresh_from_db()
    assert (topup.refunded_cents, topup.refunded_at is not None) == (1000, True)
    entry = LedgerEntry.objects.get(kind=LedgerEntry.Kind.REFUND)
    assert entry.reference == f"refund:{topup.stripe_payment_intent_id}:1000"
    assert Operation.objects.filter(holder=holder, amount_cents=-1000,
                                    description__startswith="Rimborso su carta della ricarica").exists()


@pytest.mark.django_db
def test_partial_refunds_sum_up_each_debiting_what_it_adds(client, fake_stripe):
    holder = make_holder()
    topup = paid_topup(client, fake_stripe, holder, 1000)
    for cents in (300, 200, 500):
        charge_id = fake_stripe.refund(topup, cents)
        assert post_event(client, charge_event(charge_id, amount_refunded=999_999)).status_code == 200
        assert post_event(client, charge_event(charge_id)).status_code == 200
    assert _refund_entries(holder) == [(-300, 0), (-200, 0), (-500, 0)]
    assert _wallet(holder) == (0, 0)
    assert TopUp.objects.get(pk=topup.pk).refunded_cents == 1000


@pytest.mark.django_db
@pytest.mark.parametrize("order", sorted(set(itertools.permutations(["paid", "paid", "first", "first", "second"]))))
def test_every_order_of_payment_and_refund_events_ends_in_the_same_wallet(client, fake_stripe, order):
    # Stripe's history: paid 10 €, refunded 3 €, then 2 € more. Events come late, twice, in any order.
    holder = make_holder()
    topup = make_topup(holder, 1000)
    fake_stripe.pay(topup)
    fake_stripe.refund(topup, 300)
    charge_id = fake_stripe.refund(topup, 200)
    events = {"paid": charge_event(charge_id, "payment_intent.succeeded"),
              "first": charge_event(charge_id, amount_refunded=300), "second": charge_event(charge_id, amount_refunded=500)}
    events["paid"]["data"]["object"] = {"id": topup.stripe_payment_intent_id, "object": "payment_intent"}
    for name in order:
        assert post_event(client, events[name]).status_code == 200
    assert _wallet(holder) == (500, 0)
    assert sum(amount for amount, _ in _refund_entries(holder)) == -500
    assert TopUp.objects.get(pk=topup.pk).status == TopUp.Status.SUCCEEDED


@pytest.mark.django_db
def test_a_refund_reported_before_the_payment_credits_the_payment_first(client, fake_stripe):
    holder = make_holder()
    topup = make_topup(holder, 1000)
    fake_stripe.pay(topup)
    charge_id = fake_stripe.refund(topup, 400)
    assert post_event(client, charge_event(charge_id)).status_code == 200
    topup.refresh_from_db()
    assert (topup.status, topup.refunded_cents) == (TopUp.Status.SUCCEEDED, 400)
    assert _wallet(holder) == (600, 0)


@pytest.mark.django_db
def test_a_refund_of_credit_already_spent_empties_the_wallet_and_records_the_rest_as_debt(
        client, fake_stripe, staff_inbox, django_capture_on_commit_callbacks):
    holder = make_holder()
    topup = paid_topup(client, fake_stripe, holder, 1000)
    _spend(holder, 600)
    charge_id = fake_stripe.refund(topup, 1000)
    with django_capture_on_commit_callbacks(execute=True):
        assert post_event(client, charge_event(charge_id)).status_code == 200
    assert _wallet(holder) == (0, 600)
    assert _refund_entries(holder) == [(-400, 600)]
    operation = Operation.objects.get(holder=holder, amount_cents=-1000)
    assert "€ 6,00 a debito" in operation.description
    [alert] = staff_inbox
    assert "Rimborso di € 10,00 sulla ricarica n." in alert.subject and "con debito" in alert.subject
    assert "€ 6,00 diventano debito del titolare" in alert.body
    assert ledger_mismatches() == []


@pytest.mark.django_db
def test_the_next_top_ups_pay_the_debt_first_and_the_ledger_shows_it(client, fake_stripe):
    holder = make_holder()
    topup = paid_topup(client, fake_stripe, holder, 1000)
    _spend(holder, 1000)
    assert post_event(client, charge_event(fake_stripe.refund(topup, 1000))).status_code == 200
    assert _wallet(holder) == (0, 1000)

    paid_topup(client, fake_stripe, holder, 600)
    assert _wallet(holder) == (0, 400)
    paid_topup(client, fake_stripe, holder, 2500)
    assert _wallet(holder) == (2100, 0)

    debts = list(LedgerEntry.objects.filter(wallet__holder=holder, kind=LedgerEntry.Kind.DEBT)
                 .order_by("id").values_list("amount_cents", "debt_change_cents", "balance_after_cents"))
    assert debts == [(-600, -600, 0), (-400, -400, 2100)]
    assert Operation.objects.filter(holder=holder, description__startswith="Recupero del debito").count() == 2


@pytest.mark.django_db
def test_a_staff_credit_adjustment_also_pays_the_debt_first(client, fake_stripe):
    holder = make_holder()
    topup = paid_topup(client, fake_stripe, holder, 1000)
    _spend(holder, 1000)
    post_event(client, charge_event(fake_stripe.refund(topup, 1000)))
    credit_adjust(holder_id=holder.pk, amount_cents=1500, reason="Debito condonato e credito omaggio")
    assert _wallet(holder) == (500, 0)


@pytest.mark.django_db
def test_the_database_refuses_a_debt_beside_a_positive_balance_or_a_negative_debt():
    holder = make_holder(credit_cents=500)
    with pytest.raises(IntegrityError), transaction.atomic():
        Wallet.objects.filter(holder=holder).update(debt_cents=100)
    with pytest.raises(IntegrityError), transaction.atomic():
        Wallet.objects.filter(holder=holder).update(balance_cents=0, debt_cents=-1)


@pytest.mark.django_db
def test_check_ledger_reports_a_debt_its_entries_do_not_explain():
    holder = make_holder()
    Wallet.objects.create(holder=holder, debt_cents=700)
    [(wallet, problem)] = ledger_mismatches()
    assert wallet.holder == holder and problem == "debito 700 c, somma dei movimenti di debito 0 c"
    Wallet.objects.filter(holder=holder).update(debt_cents=0)


@pytest.mark.django_db
def test_a_dashboard_refund_alerts_staff(client, fake_stripe, staff_inbox, django_capture_on_commit_callbacks):
    holder = make_holder()
    topup = paid_topup(client, fake_stripe, holder, 1000)
    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, charge_event(fake_stripe.refund(topup, 250)))
        post_event(client, charge_event(fake_stripe.charge_id(topup)))
    [alert] = staff_inbox
    assert alert.subject == f"[Area Clienti] Rimborso di € 2,50 sulla ricarica n. {topup.pk}"
    assert "Tolti dal credito: € 2,50; credito ora € 7,50." in alert.body


@pytest.mark.django_db
@pytest.mark.parametrize("stripe_says", [
    {"amount": 5000}, {"currency": "usd"}, {"payment_intent_id": "pi_someone_else"}, {"amount_refunded": 1200},
])
def test_a_charge_that_is_not_exactly_our_top_ups_payment_debits_nothing(client, fake_stripe, stripe_says):
    holder = make_holder()
    topup = paid_topup(client, fake_stripe, holder, 1000)
    charge_id = fake_stripe.refund(topup, 1000)
    charge = fake_stripe.charges[charge_id]
    fake_stripe.charges[charge_id] = type(charge)(**{**charge.__dict__, **stripe_says})
    assert post_event(client, charge_event(charge_id)).status_code == 200
    assert _wallet(holder) == (1000, 0)
    assert _refund_entries(holder) == []


@pytest.mark.django_db
def test_a_forged_refund_event_changes_nothing(client, fake_stripe):
    holder = make_holder()
    topup = paid_topup(client, fake_stripe, holder, 1000)
    charge_id = fake_stripe.charge_id(topup)
    # Wrong secret: refused. Right secret, but Stripe says nothing was refunded: nothing to do.
    assert post_event(client, charge_event(charge_id), secret="whsec_guessed").status_code == 400
    assert post_event(client, charge_event(charge_id, amount_refunded=1000)).status_code == 200
    # A charge Stripe does not know: acknowledged, nothing.
    assert post_event(client, charge_event("ch_invented")).status_code == 200
    assert _wallet(holder) == (1000, 0)


@pytest.mark.django_db
def test_stripe_unreachable_answers_503_and_the_redelivery_debits(client, fake_stripe):
    holder = make_holder()
    topup = paid_topup(client, fake_stripe, holder, 1000)
    charge_id = fake_stripe.refund(topup, 1000)
    fake_stripe.down = True
    assert post_event(client, charge_event(charge_id)).status_code == 503
    assert _wallet(holder) == (1000, 0)
    fake_stripe.down = False
    assert post_event(client, charge_event(charge_id)).status_code == 200
    assert _wallet(holder) == (0, 0)


@pytest.mark.django_db(transaction=True)
def test_the_same_refund_delivered_by_two_connections_at_once_debits_once(fake_stripe):
    holder = make_holder()
    topup = paid_topup(Client(), fake_stripe, holder, 1000)
    _spend(holder, 700)
    body = json.dumps(charge_event(fake_stripe.refund(topup, 1000))).encode()
    statuses = deliver_at_once([body] * 4)
    assert statuses == [200] * 4
    assert _wallet(holder) == (0, 700)
    assert _refund_entries(holder) == [(-300, 700)]
