"""The dashboard's figures of the forecast, computed in SQL, against the forecast computed in Python."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Holder
from addons.models import Addon, AddonType
from invoices.vat import gross_cents
from mailboxes.models import Mailbox, Plan
from renewals.forecast_summary import DASHBOARD_RENEWAL_DAYS, forecast_summary_for_holder
from renewals.selectors import grace_period
from tests.factories import make_holder, make_mailbox

from .conftest import STANDARD_GROSS, give_credit, make_addon
from .test_forecast import TODAY, forecast_of, night_scenario


def figures(holder, today):
    holder.refresh_from_db()  # the credit as it is now, not as the holder was loaded
    summary = forecast_summary_for_holder(holder=holder, today=today)
    return summary.due_gross_cents, summary.credit_runs_out_on


def forecast_figures(holder, today):
    forecast = forecast_of(holder, today=today)
    return forecast.due_gross_cents(days=DASHBOARD_RENEWAL_DAYS), forecast.credit_runs_out_on


def test_it_gives_the_forecasts_figures_whatever_the_credit(db):
    holder = night_scenario()  # credit for the first four lines
    make_mailbox(holder, status=Mailbox.Status.EXPIRED, expires_on=date(2026, 2, 9))  # due today and in a year
    make_mailbox(holder, expires_on=date(2024, 1, 15))  # left certified past three expiries: due thrice today
    make_addon(make_mailbox(holder, plan="premium", expires_on=date(2026, 3, 31)), code="conservazione", quantity=3)
    make_addon(make_mailbox(holder, expires_on=date(2026, 9, 1)), code="archive_extra", quantity=7)
    cancelled = make_addon(make_mailbox(holder, expires_on=date(2026, 3, 15)), quantity=2)
    Addon.objects.filter(pk=cancelled.pk).update(cancelled_on=date(2026, 2, 1))  # disdetta: does not renew
    seen = set()
    for top_up in (0, 1, 2000, 5000, 20000, 100000):
        if top_up:
            give_credit(holder, top_up, reference=f"test:more:{top_up}")
        expected = forecast_figures(holder, TODAY)
        assert figures(holder, TODAY) == expected, top_up
        seen.add(expected[1])
    assert len(seen) >= 4  # the credit runs out on several different days, and at last not at all
    assert None in seen


@pytest.mark.parametrize("today", [date(2028, 2, 28), date(2028, 2, 29), date(2027, 2, 28), date(2028, 3, 1)])
def test_29_february_renews_on_28_february_as_the_forecast_says(db, today):
    holder = make_holder()
    make_mailbox(holder, expires_on=date(2024, 2, 29))  # left certified for years: 28 February every year since
    make_mailbox(holder, expires_on=date(2028, 2, 29))
    make_addon(make_mailbox(holder, expires_on=date(2027, 2, 28)), quantity=3)
    for top_up in (0, 700, 1300, 3000, 10000):
        if top_up:
            give_credit(holder, top_up, reference=f"test:more:{top_up}")
        assert figures(holder, today) == forecast_figures(holder, today), top_up


def test_29_february_left_certified_for_years_is_due_today_on_28_february(db):
    holder = make_holder(credit_cents=4 * STANDARD_GROSS)
    # Renewed every 28 February since 2025, so the fifth period falls today, not tomorrow.
    make_mailbox(holder, expires_on=date(2024, 2, 29))
    today = date(2028, 2, 28)

    assert figures(holder, today) == forecast_figures(holder, today) == (5 * STANDARD_GROSS, today)


def test_the_credit_runs_out_only_where_the_running_total_exceeds_it(db):
    holder = make_holder(credit_cents=STANDARD_GROSS)
    make_mailbox(holder, expires_on=date(2026, 3, 5))
    make_mailbox(holder, expires_on=date(2026, 3, 6))

    assert figures(holder, TODAY) == forecast_figures(holder, TODAY) == (2 * STANDARD_GROSS, date(2026, 3, 6))


def test_iva_is_rounded_on_each_line_as_the_nights_charge_it(db):
    Plan.objects.filter(code="standard").update(yearly_price_cents=3)  # IVA 0,66 cents: 1 cent on its own
    AddonType.objects.filter(code="archive_extra").update(yearly_unit_price_cents=3)
    holder = make_holder(credit_cents=1000)
    mailbox = make_mailbox(holder, expires_on=date(2026, 3, 5))
    make_addon(mailbox, code="archive_extra", quantity=1, activated_on=date(2025, 4, 1))
    make_addon(mailbox, code="archive_extra", quantity=1, activated_on=date(2025, 6, 1))

    assert figures(holder, TODAY) == forecast_figures(holder, TODAY) == (3 * gross_cents(3), None)
    assert 3 * gross_cents(3) != gross_cents(9)


def test_it_leaves_out_what_the_forecast_leaves_out(db):
    holder = make_holder(credit_cents=100_000)
    renewing = make_mailbox(holder, expires_on=date(2026, 3, 20))
    make_mailbox(holder, expires_on=date(2026, 3, 20), auto_renew=False)
    make_mailbox(holder, expires_on=date(2026, 3, 20), cancelled_on=date(2026, 2, 1))
    for status in (Mailbox.Status.TERMINATED, Mailbox.Status.SUSPENDED, Mailbox.Status.REQUESTED):
        make_mailbox(holder, expires_on=date(2026, 3, 20), status=status)
    make_mailbox(holder, expires_on=date(2025, 11, 30), status=Mailbox.Status.EXPIRED)  # past the grace period
    make_addon(make_mailbox(holder, expires_on=date(2026, 3, 20), auto_renew=False))
    deactivated = make_addon(renewing, code="archive_extra")
    Addon.objects.filter(pk=deactivated.pk).update(status=Addon.Status.DEACTIVATED)
    make_addon(make_mailbox(make_holder(), expires_on=date(2026, 3, 20)))  # another holder's

    assert figures(holder, TODAY) == forecast_figures(holder, TODAY) == (forecast_of(holder).rows[0].line.gross_cents,
                                                                          None)
    assert len(forecast_of(holder).rows) == 1


GRACE_START = TODAY - grace_period()
UNTIL = date(2027, 3, 1)  # 12 months from TODAY
CANDIDATES = {  # mailboxes the forecast includes or not; the statement restates the rule
    "certified, due in 30 days": {"expires_on": date(2026, 3, 20)},
    "certified, the forecast's last day": {"expires_on": UNTIL - timedelta(days=1)},
    "certified, past the forecast": {"expires_on": UNTIL},
    "certified, left past three expiries": {"expires_on": date(2023, 3, 2)},
    "expired, first day of grace": {"expires_on": GRACE_START, "status": Mailbox.Status.EXPIRED},
    "expired, past the grace period": {"expires_on": GRACE_START - timedelta(days=1), "status": Mailbox.Status.EXPIRED},
    "expired, auto-renew off": {"expires_on": date(2026, 2, 9), "status": Mailbox.Status.EXPIRED, "auto_renew": False},
    "auto-renew off": {"expires_on": date(2026, 3, 20), "auto_renew": False},
    "cancelled": {"expires_on": date(2026, 3, 20), "cancelled_on": date(2026, 2, 1)},
    **{status.value: {"expires_on": date(2026, 3, 20), "status": status}
       for status in (Mailbox.Status.TERMINATED, Mailbox.Status.SUSPENDED, Mailbox.Status.REQUESTED)},
}


@pytest.mark.parametrize("fields", CANDIDATES.values(), ids=list(CANDIDATES))
def test_it_takes_each_mailbox_the_forecast_takes_and_no_other(db, fields):
    holder = make_holder()  # no credit: the first renewal included runs it out
    make_mailbox(holder, plan="pro", **fields)

    assert figures(holder, TODAY) == forecast_figures(holder, TODAY)


@pytest.mark.parametrize("change", [{}, {"status": Addon.Status.DEACTIVATED}, {"cancelled_on": date(2026, 2, 1)}])
def test_it_takes_each_addon_the_forecast_takes_and_no_other(db, change):
    holder = make_holder()
    addon = make_addon(make_mailbox(holder, expires_on=date(2026, 3, 20)), code="conservazione", quantity=2)
    Addon.objects.filter(pk=addon.pk).update(**change)

    assert figures(holder, TODAY) == forecast_figures(holder, TODAY)


def test_it_is_one_query_whatever_the_number_of_mailboxes(db):
    def count(holder):
        holder = Holder.objects.select_related("wallet").get(pk=holder.pk)  # as the request loads it
        with CaptureQueriesContext(connection) as queries:
            forecast_summary_for_holder(holder=holder, today=TODAY)
        return len(queries)

    def holder_with(mailboxes):
        holder = make_holder(credit_cents=5000)
        for n in range(mailboxes):
            mailbox = make_mailbox(holder, expires_on=date(2026, 3 + n % 10, 1 + n % 28))
            if n % 2:
                make_addon(mailbox)
        return holder

    assert count(holder_with(3)) == count(holder_with(30)) == 1
