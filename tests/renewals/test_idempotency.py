"""SPEC 3.7: the job is idempotent; a renewal period is charged at most once."""


import pytest
from django.db import IntegrityError, transaction

from accounts.models import Operation
from billing.models import LedgerEntry
from billing.selectors import ledger_mismatches
from renewals.models import RenewalCharge
from renewals.night import renewals_run

from .conftest import STANDARD_GROSS, balance, due_mailbox, make_addon


def _state():
    return (
        list(LedgerEntry.objects.order_by("id").values_list("reference", "amount_cents")),
        list(RenewalCharge.objects.order_by("id").values_list("mailbox_id", "addon_id", "period_start")),
        Operation.objects.count(),
    )


def test_running_the_same_night_twice_changes_nothing_the_second_time(db, renewal_day):
    covered = due_mailbox(credit_cents=5000)
    make_addon(covered, quantity=2)
    short = due_mailbox(credit_cents=STANDARD_GROSS)
    make_addon(short, quantity=1)
    due_mailbox(credit_cents=0)

    renewals_run(on_date=renewal_day)
    after_first = _state()
    second = renewals_run(on_date=renewal_day)

    assert _state() == after_first
    assert (second.renewed, second.deactivated, second.expired, second.debited_cents) == (0, 0, 0, 0)
    assert ledger_mismatches() == []


def test_a_period_cannot_be_recorded_twice(db, renewal_day):
    mailbox = due_mailbox(credit_cents=5000)
    renewals_run(on_date=renewal_day)
    charge = RenewalCharge.objects.get()

    with pytest.raises(IntegrityError), transaction.atomic():
        RenewalCharge.objects.create(
            holder=mailbox.holder, mailbox=mailbox, period_start=charge.period_start, period_end=charge.period_end,
            net_cents=500, vat_cents=110, gross_cents=610,
        )


def test_a_mailbox_moved_back_to_an_already_charged_period_is_not_charged_again(db, renewal_day):
    """The unique period guards even a mistaken edit of the expiry date (staff in admin)."""
    mailbox = due_mailbox(credit_cents=5000)
    renewals_run(on_date=renewal_day)
    type(mailbox).objects.filter(pk=mailbox.pk).update(expires_on=renewal_day)

    summary = renewals_run(on_date=renewal_day)

    assert summary.failed == 1
    assert balance(mailbox.holder) == 5000 - STANDARD_GROSS
    assert RenewalCharge.objects.count() == 1
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.RENEWAL).count() == 1
