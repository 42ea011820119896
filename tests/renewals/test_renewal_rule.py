"""SPEC 3.7, renewal: every case of the nightly rule, through renewals_run."""

from datetime import date

from django.core import mail

from accounts.models import Operation
from addons.models import Addon, AddonType
from billing.selectors import ledger_mismatches
from invoices.models import Invoice
from mailboxes.models import Mailbox, ProvisioningRequest
from renewals.models import RenewalCharge
from renewals.night import renewals_run

from .conftest import (
    INBOX_GB_GROSS,
    STANDARD_GROSS,
    balance,
    due_mailbox,
    give_credit,
    make_addon,
    reload,
)


def test_it_renews_a_covered_mailbox_and_its_addons_for_one_year(db, renewal_day):
    mailbox = due_mailbox(credit_cents=2000)
    first = make_addon(mailbox, quantity=2, activated_on=date(2025, 5, 1))

    summary = renewals_run(on_date=renewal_day)

    mailbox = reload(mailbox)
    assert mailbox.expires_on == date(2027, 3, 30)
    assert mailbox.status == Mailbox.Status.CERTIFIED
    assert reload(first).expires_on == date(2027, 3, 30)
    assert reload(first).status == Addon.Status.ACTIVE
    assert balance(mailbox.holder) == 2000 - STANDARD_GROSS - 2 * INBOX_GB_GROSS
    assert (summary.renewed, summary.addons_renewed, summary.deactivated) == (1, 1, 0)
    assert summary.debited_cents == STANDARD_GROSS + 2 * INBOX_GB_GROSS

    descriptions = list(Operation.objects.filter(holder=mailbox.holder, kind=Operation.Kind.RENEWAL)
                        .values_list("description", flat=True))
    assert "Rinnovo casella Standard dal 30/03/2026 al 30/03/2027" in descriptions
    assert RenewalCharge.objects.filter(mailbox=mailbox).count() == 2
    assert ledger_mismatches() == []
    assert mail.outbox == []


def test_each_renewal_debit_is_invoiced_with_the_iva_charged(db, renewal_day):
    mailbox = due_mailbox(credit_cents=2000)
    make_addon(mailbox, quantity=2)

    renewals_run(on_date=renewal_day)

    invoices = Invoice.objects.filter(holder=mailbox.holder).order_by("id")
    assert [(i.reference, i.net_cents, i.vat_cents, i.gross_cents, i.issued_on) for i in invoices] == [
        (f"renewal:mailbox:{mailbox.pk}:2026-03-30", 500, 110, 610, renewal_day),
        (f"renewal:addon:{mailbox.addons.get().pk}:2026-03-30", 500, 110, 610, renewal_day),
    ]
    line = invoices[1].lines.get()
    assert (line.quantity, line.unit_price_cents, line.period_start, line.period_end) == (
        2, 250, renewal_day, date(2027, 3, 30))


def test_it_expires_a_mailbox_the_credit_does_not_cover_and_switches_its_addons_off(db, renewal_day):
    mailbox = due_mailbox(credit_cents=STANDARD_GROSS - 1)
    addon = make_addon(mailbox, quantity=3)

    summary = renewals_run(on_date=renewal_day)

    mailbox = reload(mailbox)
    assert mailbox.status == Mailbox.Status.EXPIRED
    assert mailbox.expires_on == renewal_day
    assert mailbox.inbox_extra_gb == 0
    assert reload(addon).status == Addon.Status.DEACTIVATED
    assert balance(mailbox.holder) == STANDARD_GROSS - 1
    assert (summary.expired, summary.deactivated, summary.debited_cents) == (1, 1, 0)
    assert Operation.objects.filter(holder=mailbox.holder, kind=Operation.Kind.STATUS,
                                    description__startswith="Casella scaduta il 30/03/2026").exists()
    assert not RenewalCharge.objects.exists()


def test_it_renews_the_first_addon_and_switches_off_the_second_when_credit_runs_short(
    db, renewal_day, django_capture_on_commit_callbacks
):
    credit = STANDARD_GROSS + INBOX_GB_GROSS + 100
    mailbox = due_mailbox(credit_cents=credit)
    older = make_addon(mailbox, quantity=1, activated_on=date(2025, 4, 1))
    newer = make_addon(mailbox, code="conservazione", quantity=1, activated_on=date(2025, 9, 1))

    with django_capture_on_commit_callbacks(execute=True):
        summary = renewals_run(on_date=renewal_day)

    assert reload(older).status == Addon.Status.ACTIVE
    assert reload(older).expires_on == date(2027, 3, 30)
    assert reload(newer).status == Addon.Status.DEACTIVATED
    mailbox = reload(mailbox)
    assert mailbox.status == Mailbox.Status.CERTIFIED
    assert mailbox.conservation_gb == 0 and mailbox.inbox_extra_gb == 1
    assert balance(mailbox.holder) == 100
    assert (summary.renewed, summary.addons_renewed, summary.deactivated, summary.emails_sent) == (1, 1, 1, 1)
    assert Operation.objects.filter(holder=mailbox.holder, kind=Operation.Kind.DEACTIVATION,
                                    description="Disattivazione per credito insufficiente").count() == 1
    assert ProvisioningRequest.objects.filter(mailbox=mailbox, action="quota").exists()
    [message] = mail.outbox
    assert message.to == [mailbox.holder.email]
    assert "Conservazione sostitutiva 1 GB" in message.body
    assert "€ 0,00" not in message.body and "€ 1,00" in message.body
    assert message.alternatives[0][1] == "text/html"


def test_it_does_not_renew_a_mailbox_with_auto_renew_off(db, renewal_day):
    mailbox = due_mailbox(credit_cents=5000, auto_renew=False)

    renewals_run(on_date=renewal_day)

    assert reload(mailbox).status == Mailbox.Status.EXPIRED
    assert balance(mailbox.holder) == 5000
    assert Operation.objects.filter(description__contains="rinnovo automatico non attivo").exists()


def test_it_leaves_a_mailbox_not_yet_expired_alone(db, renewal_day):
    mailbox = due_mailbox(credit_cents=5000, expires_on=date(2026, 3, 31))

    summary = renewals_run(on_date=renewal_day)

    assert reload(mailbox).expires_on == date(2026, 3, 31)
    assert summary.mailboxes == 0


def test_it_retries_an_expired_mailbox_each_night_and_renews_it_from_its_old_expiry(db, renewal_day):
    mailbox = due_mailbox(credit_cents=0)
    addon = make_addon(mailbox, quantity=1)
    renewals_run(on_date=renewal_day)
    assert reload(mailbox).status == Mailbox.Status.EXPIRED

    renewals_run(on_date=date(2026, 4, 10))
    assert reload(mailbox).status == Mailbox.Status.EXPIRED

    give_credit(mailbox.holder, 5000)
    summary = renewals_run(on_date=date(2026, 4, 20))

    mailbox = reload(mailbox)
    assert summary.renewed == 1
    assert mailbox.status == Mailbox.Status.CERTIFIED
    assert mailbox.expires_on == date(2027, 3, 30)
    assert reload(addon).status == Addon.Status.DEACTIVATED
    assert balance(mailbox.holder) == 5000 - STANDARD_GROSS


def test_it_keeps_retrying_on_the_last_day_of_the_grace_period_and_terminates_the_day_after(db, renewal_day, settings):
    settings.GRACE_PERIOD_DAYS = 90
    mailbox = due_mailbox(credit_cents=0)
    renewals_run(on_date=renewal_day)

    renewals_run(on_date=date(2026, 6, 28))  # 30/03 + 90 days: still in grace
    assert reload(mailbox).status == Mailbox.Status.EXPIRED

    summary = renewals_run(on_date=date(2026, 6, 29))
    mailbox = reload(mailbox)
    assert summary.terminated == 1
    assert mailbox.status == Mailbox.Status.TERMINATED
    assert mailbox.cancelled_on == date(2026, 6, 29)
    assert Operation.objects.filter(description__startswith="Casella cessata").count() == 1


def test_it_terminates_an_expired_mailbox_without_auto_renew_after_the_grace_period(db, settings):
    settings.GRACE_PERIOD_DAYS = 90
    mailbox = due_mailbox(credit_cents=5000, auto_renew=False, status=Mailbox.Status.EXPIRED,
                          expires_on=date(2026, 1, 1))

    renewals_run(on_date=date(2026, 4, 1))  # 01/01 + 90 days
    assert reload(mailbox).status == Mailbox.Status.EXPIRED
    renewals_run(on_date=date(2026, 4, 2))
    assert reload(mailbox).status == Mailbox.Status.TERMINATED
    assert balance(mailbox.holder) == 5000


def test_a_mailbox_expiring_on_29_february_renews_to_28_february(db):
    mailbox = due_mailbox(credit_cents=5000, expires_on=date(2028, 2, 29))

    renewals_run(on_date=date(2028, 2, 29))

    assert reload(mailbox).expires_on == date(2029, 2, 28)
    assert RenewalCharge.objects.get().period_end == date(2029, 2, 28)


def test_a_mailbox_expiring_on_the_31st_renews_on_that_day_to_the_31st(db):
    mailbox = due_mailbox(credit_cents=5000, expires_on=date(2026, 12, 31))
    addon = make_addon(mailbox, quantity=1)

    assert renewals_run(on_date=date(2026, 12, 30)).renewed == 0
    renewals_run(on_date=date(2026, 12, 31))

    assert reload(mailbox).expires_on == date(2027, 12, 31)
    assert reload(addon).expires_on == date(2027, 12, 31)


def test_a_missed_night_is_caught_up_the_next_night(db):
    mailbox = due_mailbox(credit_cents=5000, expires_on=date(2026, 1, 31))

    renewals_run(on_date=date(2026, 2, 2))

    assert reload(mailbox).expires_on == date(2027, 1, 31)
    assert RenewalCharge.objects.get().period_start == date(2026, 1, 31)


def test_it_leaves_suspended_and_requested_mailboxes_alone(db, renewal_day):
    suspended = due_mailbox(credit_cents=5000, status=Mailbox.Status.SUSPENDED)
    requested = due_mailbox(credit_cents=5000, status=Mailbox.Status.REQUESTED)

    renewals_run(on_date=renewal_day)

    assert reload(suspended).status == Mailbox.Status.SUSPENDED
    assert reload(requested).status == Mailbox.Status.REQUESTED
    assert balance(suspended.holder) == balance(requested.holder) == 5000


def test_the_current_catalogue_price_applies_at_renewal(db, renewal_day):
    mailbox = due_mailbox(credit_cents=5000)
    make_addon(mailbox, quantity=2)
    AddonType.objects.filter(code="inbox_extra").update(yearly_unit_price_cents=300)

    renewals_run(on_date=renewal_day)

    charge = RenewalCharge.objects.get(addon__isnull=False)
    assert (charge.net_cents, charge.vat_cents, charge.gross_cents) == (600, 132, 732)
