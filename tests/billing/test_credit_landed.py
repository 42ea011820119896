import pytest

from accounts.models import Operation
from billing import hooks
from billing.models import LedgerEntry, TopUp
from billing.selectors import wallet_balance_cents
from billing.services import topup_fulfil, wallet_post
from billing.stripe_gateway import Intent
from tests.billing.conftest import make_topup
from tests.factories import make_holder

pytestmark = pytest.mark.django_db


def _succeeded(topup):
    return Intent(id=topup.stripe_payment_intent_id, status="succeeded", amount=topup.amount_cents, currency="eur",
                  metadata={"topup_id": str(topup.pk)})


def test_listeners_hear_about_the_credit_once_and_can_spend_it_at_once(monkeypatch):
    heard = []

    def pay_pending_order(*, holder_id):
        heard.append(wallet_balance_cents(holder_id=holder_id))
        wallet_post(holder_id=holder_id, amount_cents=-610, kind=LedgerEntry.Kind.ORDER,
                    reference=f"order:test:{holder_id}", description="Ordine in attesa")

    monkeypatch.setattr(hooks, "_credit_landed_handlers", [pay_pending_order])
    topup = make_topup(make_holder(), 610)
    topup_fulfil(intent=_succeeded(topup))
    topup_fulfil(intent=_succeeded(topup))
    assert heard == [610]
    assert wallet_balance_cents(holder_id=topup.holder_id) == 0


def test_a_failing_listener_does_not_undo_the_credit(monkeypatch):
    def broken(*, holder_id):
        wallet_post(holder_id=holder_id, amount_cents=-1, kind=LedgerEntry.Kind.ORDER,
                    reference="order:broken", description="Scrive e poi fallisce")
        raise RuntimeError("order service down")

    monkeypatch.setattr(hooks, "_credit_landed_handlers", [broken])
    topup = make_topup(make_holder(), 1000)
    topup_fulfil(intent=_succeeded(topup))
    topup.refresh_from_db()
    assert topup.status == TopUp.Status.SUCCEEDED
    assert wallet_balance_cents(holder_id=topup.holder_id) == 1000
    assert not LedgerEntry.objects.filter(reference="order:broken").exists()
    assert Operation.objects.get(reference=topup.operation_reference).outcome == Operation.Outcome.COMPLETED
