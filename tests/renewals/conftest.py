from datetime import date

import pytest

from addons.models import Addon, AddonType, Order
from addons.services import QUOTA_FIELD
from billing.models import LedgerEntry, Wallet
from billing.services import wallet_post
from invoices.vat import gross_cents
from mailboxes.models import Mailbox
from tests.factories import make_holder, make_mailbox

# The seeded prices (SPEC 3.2, 3.5) gross of IVA.
STANDARD_GROSS = gross_cents(500)  # 6,10
INBOX_GB_GROSS = gross_cents(250)  # 3,05 per GB


def give_credit(holder, cents, reference="test:credit"):
    wallet_post(holder_id=holder.pk, amount_cents=cents, kind=LedgerEntry.Kind.ADJUSTMENT,
                reference=f"{reference}:{holder.pk}", description="Credito di prova")


def balance(holder):
    return Wallet.objects.filter(holder=holder).values_list("balance_cents", flat=True).first() or 0


def make_addon(mailbox, *, code="inbox_extra", quantity=1, activated_on=date(2026, 1, 10)):
    """An add-on as a completed order leaves it: active, co-terminous, quota raised."""
    addon_type = AddonType.objects.get(code=code)
    net = quantity * addon_type.yearly_unit_price_cents
    order = Order.objects.create(
        holder=mailbox.holder, mailbox=mailbox, addon_type=addon_type, quantity=quantity,
        unit_price_cents=addon_type.yearly_unit_price_cents, years=1, net_cents=net, vat_cents=gross_cents(net) - net,
        gross_cents=gross_cents(net), ends_on=mailbox.expires_on, status=Order.Status.COMPLETED,
        completed_at="2026-01-10T10:00:00+01:00",
    )
    field = QUOTA_FIELD[addon_type.effect]
    Mailbox.objects.filter(pk=mailbox.pk).update(**{field: getattr(mailbox, field) + quantity})
    setattr(mailbox, field, getattr(mailbox, field) + quantity)
    return Addon.objects.create(mailbox=mailbox, addon_type=addon_type, order=order, quantity=quantity,
                                activated_on=activated_on, expires_on=mailbox.expires_on)


def due_mailbox(*, credit_cents=0, expires_on=date(2026, 3, 30), **fields):
    holder = make_holder(credit_cents=credit_cents)
    return make_mailbox(holder, expires_on=expires_on, **fields)


def reload(obj):
    obj.refresh_from_db()
    return obj


@pytest.fixture
def renewal_day():
    return date(2026, 3, 30)
