import pytest

from accounts.models import Operation, User
from billing import stripe_gateway
from billing.models import Dispute, LedgerEntry, TopUp, Wallet
from billing.selectors import wallet_balance_cents
from billing.services import topup_create, topup_sync, wallet_post
from tests.factories import make_holder

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = User.objects.create_superuser("operatrice", "op@example.it", "Staff-Pass-2026!")
    client.force_login(user, backend="accounts.backends.StaffBackend")
    client.user = user
    return client


@pytest.fixture
def wallet():
    return Wallet.objects.get(holder=make_holder(credit_cents=848))


def test_wallets_and_entries_can_be_read_but_not_added_edited_or_deleted(staff, wallet):
    entry = LedgerEntry.objects.get(wallet=wallet)
    assert staff.get("/admin/billing/wallet/").status_code == 200
    assert staff.get(f"/admin/billing/wallet/{wallet.pk}/change/").status_code == 200
    assert staff.get(f"/admin/billing/ledgerentry/{entry.pk}/change/").status_code == 200
    assert staff.get("/admin/billing/wallet/add/").status_code == 403
    assert staff.get("/admin/billing/ledgerentry/add/").status_code == 403
    assert staff.post(f"/admin/billing/wallet/{wallet.pk}/delete/", {"post": "yes"}).status_code == 403
    assert staff.post(f"/admin/billing/ledgerentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    staff.post(f"/admin/billing/wallet/{wallet.pk}/change/", {"balance_cents": "999999"})
    assert Wallet.objects.get(pk=wallet.pk).balance_cents == 848
    assert LedgerEntry.objects.count() == 1


def test_staff_adjust_a_credit_with_a_reason_and_are_recorded(staff, wallet):
    response = staff.post(f"/admin/billing/wallet/{wallet.pk}/adjust/", {"amount": "-3,48", "reason": "Doppio addebito"})
    assert response.status_code == 302
    entry = LedgerEntry.objects.get(reason="Doppio addebito")
    assert (entry.amount_cents, entry.created_by, entry.reason) == (-348, staff.user, "Doppio addebito")
    assert wallet_balance_cents(holder_id=wallet.holder_id) == 500


def test_an_adjustment_below_zero_is_refused_with_a_message(staff, wallet):
    response = staff.post(f"/admin/billing/wallet/{wallet.pk}/adjust/", {"amount": "-10", "reason": "Troppo"})
    assert response.status_code == 200
    assert "Credito insufficiente" in response.content.decode()
    assert wallet_balance_cents(holder_id=wallet.holder_id) == 848


def test_the_adjust_action_leads_to_the_form_for_one_wallet(staff, wallet):
    response = staff.post("/admin/billing/wallet/", {"action": "adjust_credit", "_selected_action": [wallet.pk]})
    assert response["Location"] == f"/admin/billing/wallet/{wallet.pk}/adjust/"


def test_staff_without_the_permission_cannot_adjust(client, wallet):
    user = User.objects.create_user("lettore", password="Staff-Pass-2026!", is_staff=True)
    client.force_login(user, backend="accounts.backends.StaffBackend")
    client.post(f"/admin/billing/wallet/{wallet.pk}/adjust/", {"amount": "100", "reason": "No"})
    assert wallet_balance_cents(holder_id=wallet.holder_id) == 848


def _paid_topup(holder, cents):
    topup = topup_create(holder_id=holder.pk, amount_cents=cents, test_card=stripe_gateway.TEST_CARD_OK)
    return topup_sync(topup=topup)


def test_a_refund_goes_through_stripe_and_leaves_a_refund_entry(staff, stripe_settings):
    holder = make_holder()
    topup = _paid_topup(holder, 1000)
    assert topup.status == TopUp.Status.SUCCEEDED
    staff.post("/admin/billing/topup/", {"action": "refund", "_selected_action": [topup.pk]})
    refund = LedgerEntry.objects.get(kind=LedgerEntry.Kind.REFUND)
    assert (refund.amount_cents, refund.created_by) == (-1000, staff.user)
    assert refund.reason.startswith("Stripe re_")
    assert wallet_balance_cents(holder_id=holder.pk) == 0
    assert Operation.objects.filter(holder=holder, amount_cents=-1000).exists()

    staff.post("/admin/billing/topup/", {"action": "refund", "_selected_action": [topup.pk]})
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REFUND).count() == 1


def test_a_refund_of_credit_already_spent_is_refused_with_a_message(staff, stripe_settings):
    holder = make_holder()
    topup = _paid_topup(holder, 1000)
    wallet_post(holder_id=holder.pk, amount_cents=-600, kind=LedgerEntry.Kind.ORDER, reference="order:t", description="Ordine")
    response = staff.post("/admin/billing/topup/", {"action": "refund", "_selected_action": [topup.pk]}, follow=True)
    assert "Rimborso rifiutato: il credito residuo (€ 4,00) è inferiore alla ricarica (€ 10,00)." in response.content.decode()
    assert wallet_balance_cents(holder_id=holder.pk) == 400
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REFUND).exists()


def test_wallets_with_an_open_dispute_or_a_debt_can_be_listed_apart(staff):
    frozen, indebted = make_holder(last_name="Contestato"), make_holder(last_name="Indebitato")
    make_holder(last_name="Tranquillo", credit_cents=500)
    Wallet.objects.create(holder=frozen, spending_frozen=True)
    Wallet.objects.create(holder=indebted, debt_cents=700)
    page = staff.get("/admin/billing/wallet/").content.decode()
    assert "contestazione aperta" in page and "debito" in page
    listed = {
        choice: staff.get(f"/admin/billing/wallet/?attenzione={choice}").content.decode()
        for choice in ("contestazione", "debito")
    }
    assert "Contestato" in listed["contestazione"] and "Indebitato" not in listed["contestazione"]
    assert "Indebitato" in listed["debito"] and "€ 7,00" in listed["debito"] and "Tranquillo" not in listed["debito"]
    Wallet.objects.filter(holder=indebted).update(debt_cents=0)  # the ledger check after the test


def test_disputes_are_listed_read_only(staff):
    holder = make_holder(last_name="Contestato")
    topup = TopUp.objects.create(holder=holder, amount_cents=1000, status=TopUp.Status.SUCCEEDED,
                                 idempotency_key="k", stripe_payment_intent_id="pi_listed")
    dispute = Dispute.objects.create(topup=topup, stripe_dispute_id="dp_listed", amount_cents=1000,
                                     stripe_status="needs_response", reason="fraudulent")
    page = staff.get("/admin/billing/dispute/?status__exact=open").content.decode()
    assert "dp_listed" in page and "Contestato" in page and "€ 10,00" in page
    assert staff.get("/admin/billing/dispute/add/").status_code == 403
    assert staff.post(f"/admin/billing/dispute/{dispute.pk}/delete/", {"post": "yes"}).status_code == 403
