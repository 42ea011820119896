"""The renewal forecast: what the next 12 months of nights will charge, and what today's credit covers."""

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from addons.models import Addon, AddonType
from invoices.vat import gross_cents
from mailboxes.models import Mailbox
from renewals.forecast import forecast_for_holder
from renewals.models import RenewalCharge
from renewals.night import renewals_run
from renewals.pricing import addon_line
from tests.factories import make_holder, make_mailbox

from .conftest import INBOX_GB_GROSS, STANDARD_GROSS, give_credit, make_addon

TODAY = date(2026, 3, 1)
PRO_GROSS = gross_cents(2500)  # 30,50
ARCHIVE_GB_GROSS = gross_cents(300)  # 3,66
CONSERVATION_GB_GROSS = gross_cents(400)  # 4,88


def forecast_of(holder, today=TODAY):
    holder.refresh_from_db()  # the balance as it is now, not as the holder was loaded
    return forecast_for_holder(holder=holder, today=today)


def rows_of(forecast):
    return [(row.due_on, row.address, row.line.label, row.line.gross_cents, row.covered) for row in forecast.rows]


def test_it_lists_each_renewal_of_the_year_at_todays_prices_in_the_nights_order(db):
    holder = make_holder(credit_cents=100_000)
    later = make_mailbox(holder, address="later@pec.example.it", plan="pro", expires_on=date(2026, 5, 10))
    soon = make_mailbox(holder, address="soon@pec.example.it", expires_on=date(2026, 3, 20))
    make_addon(soon, quantity=2)
    make_mailbox(holder, address="next-year@pec.example.it", expires_on=date(2027, 3, 1))

    assert rows_of(forecast_of(holder)) == [
        (date(2026, 3, 20), "soon@pec.example.it", "Standard", STANDARD_GROSS, True),
        (date(2026, 3, 20), "soon@pec.example.it", "Spazio extra inbox 2 GB", 2 * INBOX_GB_GROSS, True),
        (date(2026, 5, 10), later.address, "Pro", PRO_GROSS, True),
    ]


def test_rows_are_grouped_by_month_with_the_months_total_and_a_running_total(db):
    holder = make_holder(credit_cents=100_000)
    make_mailbox(holder, expires_on=date(2026, 3, 2))
    make_mailbox(holder, expires_on=date(2026, 3, 31), plan="pro")
    make_mailbox(holder, expires_on=date(2026, 7, 15))
    make_addon(make_mailbox(holder, expires_on=date(2027, 2, 28)), code="archive_extra", quantity=1)

    forecast = forecast_of(holder)

    assert [(m.month, m.rows, m.gross_cents, m.running_gross_cents) for m in forecast.months] == [
        (date(2026, 3, 1), 2, STANDARD_GROSS + PRO_GROSS, STANDARD_GROSS + PRO_GROSS),
        (date(2026, 7, 1), 1, STANDARD_GROSS, 2 * STANDARD_GROSS + PRO_GROSS),
        (date(2027, 2, 1), 2, STANDARD_GROSS + ARCHIVE_GB_GROSS, 3 * STANDARD_GROSS + PRO_GROSS + ARCHIVE_GB_GROSS),
    ]
    assert forecast.total_gross_cents == 3 * STANDARD_GROSS + PRO_GROSS + ARCHIVE_GB_GROSS


def test_a_mailbox_due_twice_in_the_year_appears_on_both_dates(db):
    holder = make_holder(credit_cents=100_000)
    # Expired 20 days ago with auto-renew: the next night retries it, and its new expiry falls
    # inside the year; a mailbox on a 1-year plan expiring today renews once.
    lapsed = make_mailbox(holder, status=Mailbox.Status.EXPIRED, expires_on=date(2026, 2, 9))
    today = make_mailbox(holder, expires_on=TODAY)

    assert [(row.due_on, row.mailbox_id) for row in forecast_of(holder).rows] == [
        (TODAY, lapsed.pk), (TODAY, today.pk), (date(2027, 2, 9), lapsed.pk),
    ]


def test_it_leaves_out_what_the_nights_will_not_renew(db):
    holder = make_holder(credit_cents=100_000)
    renewing = make_mailbox(holder, expires_on=date(2026, 4, 1))
    make_mailbox(holder, expires_on=date(2026, 4, 1), auto_renew=False)
    make_mailbox(holder, expires_on=date(2026, 4, 1), cancelled_on=date(2026, 2, 1))
    for status in (Mailbox.Status.TERMINATED, Mailbox.Status.SUSPENDED, Mailbox.Status.REQUESTED):
        make_mailbox(holder, expires_on=date(2026, 4, 1), status=status)
    # Past the 90-day grace period: the next night terminates it.
    make_mailbox(holder, expires_on=date(2025, 11, 30), status=Mailbox.Status.EXPIRED)
    make_addon(make_mailbox(holder, expires_on=date(2026, 4, 1), auto_renew=False))
    deactivated = make_addon(renewing, code="archive_extra")
    deactivated.status = Addon.Status.DEACTIVATED
    deactivated.save()

    assert {(row.mailbox_id, row.line.label) for row in forecast_of(holder).rows} == {(renewing.pk, "Standard")}


def test_it_never_shows_another_holders_mailboxes(db):
    holder, other = make_holder(credit_cents=1000), make_holder(credit_cents=1000)
    mine = make_mailbox(holder, expires_on=date(2026, 4, 1))
    make_addon(make_mailbox(other, expires_on=date(2026, 4, 1)))

    assert {row.mailbox_id for row in forecast_of(holder).rows} == {mine.pk}


def night_scenario():
    """Four mailboxes over three nights and a credit that covers some lines: the nights' order
    decides which."""
    holder = make_holder()
    first = make_mailbox(holder, address="a-first@pec.example.it", expires_on=date(2026, 3, 10))
    make_addon(first, code="inbox_extra", quantity=5, activated_on=date(2025, 4, 1))  # 15,25: more than is left
    make_addon(first, code="archive_extra", quantity=1, activated_on=date(2025, 6, 1))  # 3,66: still covered
    make_mailbox(holder, address="b-pro@pec.example.it", plan="pro", expires_on=date(2026, 3, 5))
    make_mailbox(holder, address="c-third@pec.example.it", expires_on=date(2026, 3, 10))
    fourth = make_mailbox(holder, address="d-fourth@pec.example.it", expires_on=date(2026, 3, 20))
    make_addon(fourth, code="conservazione", quantity=1)
    give_credit(holder, PRO_GROSS + STANDARD_GROSS + ARCHIVE_GB_GROSS + STANDARD_GROSS + 100)
    return holder


def test_the_credit_covers_lines_in_the_order_the_nights_spend_it(db):
    holder = night_scenario()

    forecast = forecast_of(holder)

    assert [(row.due_on.day, row.address[0], row.line.label, row.covered) for row in forecast.rows] == [
        (5, "b", "Pro", True),
        (10, "a", "Standard", True),
        (10, "a", "Spazio extra inbox 5 GB", False),
        (10, "a", "Spazio archivio 1 GB", True),
        (10, "c", "Standard", True),
        (20, "d", "Standard", False),
        (20, "d", "Conservazione sostitutiva 1 GB", False),
    ]
    assert forecast.credit_runs_out_on == date(2026, 3, 10)


def test_what_the_forecast_covers_is_what_the_nights_then_renew(db):
    holder = night_scenario()
    forecast = forecast_of(holder)

    for night in sorted({row.due_on for row in forecast.rows}):
        renewals_run(on_date=night)

    charged = {
        (charge.mailbox_id, addon_line(charge.addon).label if charge.addon else charge.mailbox.plan.name,
         charge.period_start)
        for charge in RenewalCharge.objects.filter(holder=holder).select_related("addon__addon_type", "mailbox__plan")
    }
    assert charged == {(row.mailbox_id, row.line.label, row.due_on) for row in forecast.rows if row.covered}
    assert len(charged) == 4


def test_the_topup_need_is_what_the_renewals_due_within_30_and_90_days_lack(db):
    holder = make_holder(credit_cents=STANDARD_GROSS + 100)
    make_mailbox(holder, expires_on=date(2026, 3, 31))  # day 30: inside the first 30 days
    make_mailbox(holder, expires_on=date(2026, 4, 1), plan="pro")
    make_mailbox(holder, expires_on=date(2026, 5, 30))  # day 90
    make_mailbox(holder, expires_on=date(2026, 5, 31))

    forecast = forecast_of(holder)

    assert forecast.due_gross_cents(days=30) == STANDARD_GROSS
    assert forecast.topup_need_cents(days=30) == 0
    assert forecast.due_gross_cents(days=90) == 2 * STANDARD_GROSS + PRO_GROSS
    assert forecast.topup_need_cents(days=90) == STANDARD_GROSS + PRO_GROSS - 100


def test_queries_do_not_grow_with_mailboxes_or_addons(db):
    def count(holder):
        with CaptureQueriesContext(connection) as queries:
            forecast_for_holder(holder=holder, today=TODAY)
        return len(queries)

    def holder_with(mailboxes):
        holder = make_holder(credit_cents=5000)
        for n in range(mailboxes):
            mailbox = make_mailbox(holder, expires_on=date(2026, 3 + n % 10, 1 + n % 28))
            if n % 2:
                make_addon(mailbox, code=AddonType.objects.order_by("pk")[n % 3].code)
        return holder

    few, many = holder_with(3), holder_with(30)
    assert count(few) == count(many) == 3  # the wallet (the page has it from the menu), mailboxes, add-ons
