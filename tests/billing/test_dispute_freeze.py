"""While a dispute on one of the holder's card payments is open, nothing is paid from the credit:
add-on orders, "Rinnova ora" and the renewal night are refused with the same Italian message
(billing.services.wallet_spending_refusal); top-ups still land, and mailboxes keep working until
they expire. The dispute closed in our favour lifts the freeze."""

import uuid
from datetime import date, timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from accounts.models import Operation
from addons.models import Order
from addons.services import OrderRefused, order_place, order_quote
from billing.models import Wallet
from mailboxes.models import Mailbox
from renewals.night import renewals_run
from renewals.services import RenewalRefused, mailbox_renew_now
from tests.addons.conftest import quote_then_confirm
from tests.billing.conftest import dispute_event, paid_topup, post_event
from tests.factories import make_holder, make_mailbox

pytestmark = pytest.mark.django_db

FROZEN = "Il credito è bloccato perché un pagamento con carta è stato contestato presso la banca (chargeback)"


def _open_dispute(client, fake_stripe, holder, amount_cents=2000):
    """A paid top-up of ``amount_cents`` and an open dispute on it; returns the dispute's id."""
    topup = paid_topup(client, fake_stripe, holder, amount_cents)
    dispute_id = fake_stripe.dispute(topup)
    assert post_event(client, dispute_event(dispute_id, "charge.dispute.created")).status_code == 200
    assert Wallet.objects.get(holder=holder).spending_frozen
    return dispute_id


def _close(client, fake_stripe, dispute_id, status):
    fake_stripe.close(dispute_id, status)
    assert post_event(client, dispute_event(dispute_id, "charge.dispute.closed")).status_code == 200


def _balance(holder):
    return Wallet.objects.get(holder=holder).balance_cents


def test_an_addon_order_is_refused_on_the_page_with_the_reason(holder_client, holder, mailbox, fake_stripe):
    _open_dispute(holder_client, fake_stripe, holder)
    quote, response = quote_then_confirm(holder_client, mailbox)
    assert response.status_code == 200
    assert FROZEN in response.content.decode()
    assert not Order.objects.exists()
    assert _balance(holder) == 2000


def test_renew_now_is_refused_with_the_reason_and_the_mailbox_keeps_working(holder_client, holder, mailbox, fake_stripe):
    Mailbox.objects.filter(pk=mailbox.pk).update(expires_on=timezone.localdate() + timedelta(days=30))
    _open_dispute(holder_client, fake_stripe, holder)
    response = holder_client.post(f"/mailboxes/{mailbox.pk}/renew/")
    assert any(FROZEN in str(message) for message in get_messages(response.wsgi_request))
    mailbox.refresh_from_db()
    assert (mailbox.status, mailbox.expires_on) == (Mailbox.Status.CERTIFIED, timezone.localdate() + timedelta(days=30))
    assert _balance(holder) == 2000


def test_the_renewal_night_does_not_renew_from_a_frozen_wallet_and_says_why(client, fake_stripe):
    holder = make_holder()
    mailbox = make_mailbox(holder, expires_on=date(2026, 3, 30))
    _open_dispute(client, fake_stripe, holder)
    summary = renewals_run(on_date=date(2026, 3, 30))
    mailbox.refresh_from_db()
    assert (summary.renewed, mailbox.status) == (0, Mailbox.Status.EXPIRED)
    assert _balance(holder) == 2000
    operation = Operation.objects.get(holder=holder, kind=Operation.Kind.STATUS)
    assert operation.description.startswith(f"Casella scaduta il 30/03/2026: {FROZEN}")


def test_a_won_dispute_lifts_the_freeze_for_orders_and_renewals(client, fake_stripe):
    holder = make_holder()
    mailbox = make_mailbox(holder, expires_on=date(2026, 3, 30))
    dispute_id = _open_dispute(client, fake_stripe, holder)
    with pytest.raises(RenewalRefused, match="bloccato"):
        mailbox_renew_now(holder=holder, mailbox_id=mailbox.pk, today=date(2026, 3, 1))
    _close(client, fake_stripe, dispute_id, "won")
    mailbox_renew_now(holder=holder, mailbox_id=mailbox.pk, today=date(2026, 3, 1))
    mailbox.refresh_from_db()
    assert mailbox.expires_on == date(2027, 3, 30)


def test_a_top_up_lands_during_a_dispute_and_the_pending_order_waits_for_its_end(client, fake_stripe):
    holder = make_holder()
    mailbox = make_mailbox(holder)
    placement = order_place(holder=holder, mailbox_id=mailbox.pk, addon_type_code="inbox_extra", quantity=1,
                            expected_gross_cents=_gross(mailbox), order_key=uuid.uuid4())
    assert placement.order.status == Order.Status.PENDING
    dispute_id = _open_dispute(client, fake_stripe, holder, amount_cents=500)
    paid_topup(client, fake_stripe, holder, 5000)
    assert (_balance(holder), Order.objects.get().status) == (5500, Order.Status.PENDING)
    with pytest.raises(OrderRefused, match="bloccato"):
        order_place(holder=holder, mailbox_id=mailbox.pk, addon_type_code="inbox_extra", quantity=1,
                    expected_gross_cents=_gross(mailbox), order_key=uuid.uuid4())
    _close(client, fake_stripe, dispute_id, "won")
    assert Order.objects.get().status == Order.Status.COMPLETED
    assert _balance(holder) == 5500 - _gross(mailbox)


def test_a_lost_dispute_lifts_the_freeze_after_taking_its_amount(client, fake_stripe):
    holder = make_holder()
    make_mailbox(holder, expires_on=date(2026, 3, 30))
    paid_topup(client, fake_stripe, holder, 3000)
    dispute_id = _open_dispute(client, fake_stripe, holder, amount_cents=1000)
    _close(client, fake_stripe, dispute_id, "lost")
    assert (_balance(holder), Wallet.objects.get(holder=holder).spending_frozen) == (3000, False)
    assert renewals_run(on_date=date(2026, 3, 30)).renewed == 1


def _gross(mailbox):
    return order_quote(mailbox=mailbox, addon_type_code="inbox_extra", quantity=1).price.gross_cents
