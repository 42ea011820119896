"""A renewal night with 1,000 due mailboxes and mixed credit, built with bulk inserts, whose
outcome is known in advance whatever the order the workers take the mailboxes in."""

import os
from dataclasses import dataclass
from datetime import date

from django.db import connection

from accounts.models import Holder, User
from addons.models import Addon, AddonType, Order
from billing.models import LedgerEntry, Wallet
from invoices.vat import gross_cents
from mailboxes.models import Mailbox, Plan

DUE = date(2026, 3, 30)
PLAN_GROSS = gross_cents(500)
ADDON_GROSS = gross_cents(250)
# Holders with one mailbox and a 1 GB add-on: nothing, the plan only, both, plenty.
SINGLE_CREDITS = [0, PLAN_GROSS, PLAN_GROSS + ADDON_GROSS, 5000]


@dataclass
class Expected:
    renewed: int
    expired: int
    addons_renewed: int
    deactivated: int
    debited_cents: int


def build_night(*, singles=500, groups=50, group_size=10, tag="n"):
    """``singles`` holders with one mailbox and an add-on each, plus ``groups`` holders with
    ``group_size`` mailboxes (no add-ons) and credit for exactly ``j % (group_size + 1)`` of them."""
    plan = Plan.objects.get(code="standard")
    addon_type = AddonType.objects.get(code="inbox_extra")
    credits = [SINGLE_CREDITS[i % 4] for i in range(singles)] + [(j % (group_size + 1)) * PLAN_GROSS for j in range(groups)]
    users = User.objects.bulk_create(User(username=f"bulk-{tag}-{i}", password="!") for i in range(len(credits)))
    holders = Holder.objects.bulk_create(
        Holder(user=user, first_name="Bulk", last_name=str(i), fiscal_code=f"BLK{tag[:3].upper()}{i:09d}"[:16],
               email=f"bulk{i}@example.it")
        for i, user in enumerate(users)
    )
    wallets = Wallet.objects.bulk_create(Wallet(holder=h, balance_cents=c) for h, c in zip(holders, credits, strict=True))
    LedgerEntry.objects.bulk_create(
        LedgerEntry(wallet=w, kind=LedgerEntry.Kind.ADJUSTMENT, amount_cents=c, balance_after_cents=c,
                    reference=f"bulk:{tag}:{w.holder_id}", description="Credito di prova")
        for w, c in zip(wallets, credits, strict=True) if c
    )
    owners = holders[:singles] + [h for h in holders[singles:] for _ in range(group_size)]
    mailboxes = Mailbox.objects.bulk_create(
        Mailbox(holder=h, address=f"bulk-{tag}-{i}@pec.example.it", plan=plan, status=Mailbox.Status.CERTIFIED,
                requested_on=date(2025, 3, 1), certified_on=date(2025, 3, 1), expires_on=DUE,
                inbox_extra_gb=1 if i < singles else 0)
        for i, h in enumerate(owners)
    )
    orders = Order.objects.bulk_create(
        Order(holder_id=m.holder_id, mailbox=m, addon_type=addon_type, quantity=1, unit_price_cents=250, years=1,
              net_cents=250, vat_cents=55, gross_cents=305, ends_on=DUE, status=Order.Status.COMPLETED,
              completed_at="2025-04-01T10:00:00+02:00")
        for m in mailboxes[:singles]
    )
    Addon.objects.bulk_create(
        Addon(mailbox=o.mailbox, addon_type=addon_type, order=o, quantity=1, activated_on=date(2025, 4, 1), expires_on=DUE)
        for o in orders
    )
    singles_by_credit = [sum(1 for i in range(singles) if i % 4 == k) for k in range(4)]
    group_renewed = sum(j % (group_size + 1) for j in range(groups))
    renewed = singles - singles_by_credit[0] + group_renewed
    addons_renewed = singles_by_credit[2] + singles_by_credit[3]
    return Expected(
        renewed=renewed,
        expired=singles_by_credit[0] + groups * group_size - group_renewed,
        addons_renewed=addons_renewed,
        deactivated=singles_by_credit[0] + singles_by_credit[1],
        debited_cents=renewed * PLAN_GROSS + addons_renewed * ADDON_GROSS,
    )


def child_env(**extra):
    """The environment a child process needs to work on this test's database."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    url = f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {**os.environ, "DATABASE_URL": url, "PYTHONUNBUFFERED": "1", **extra}
