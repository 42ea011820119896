"""What the dashboard shows of the renewal forecast: the renewals due in the next days and the first
date today's credit does not cover, as one SQL statement returning two numbers.

The forecast itself (renewals.forecast) builds every row in Python, which would cost the home page
of a holder of 10,000 mailboxes over ten times a plain page's CPU; these two figures need only day
totals and a running total, which PostgreSQL computes where the rows are. Until the first line the
credit does not cover, the nights pay every line in order, so that line falls on the first day whose
running total exceeds the credit.

The statement is SQL text, not the forecast's querysets compiled into it: compiling them cost
2 ms a request, more than the rest of the page. So it restates, and
tests/renewals/test_forecast_summary.py checks against the forecast: which mailboxes and add-ons
renew (renewals.forecast.mailboxes_renewing, renewals.forecast.addons_renewing), IVA on each line
as invoices.vat.gross_cents rounds it, and the renewal dates of renewals.forecast.forecast_compute
(a year on from each expiry, 29 February becoming 28 February; a period already due counted on
today)."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection

from addons.models import Addon
from addons.pricing import add_months
from billing.selectors import holder_available_cents
from invoices.vat import VAT_RATE_PERCENT
from mailboxes.models import Mailbox

from .forecast import FORECAST_MONTHS
from .selectors import grace_period

# What the dashboard shows of the forecast: the renewals due within this many days of today.
DASHBOARD_RENEWAL_DAYS = 30

_SUMMARY_SQL = """
WITH mailbox AS (
    SELECT m.id, m.expires_on, p.yearly_price_cents + (p.yearly_price_cents * %(vat)s + 50) / 100 AS gross
      FROM mailboxes_mailbox m
      JOIN mailboxes_plan p ON p.id = m.plan_id
     WHERE m.holder_id = %(holder)s AND m.auto_renew AND m.cancelled_on IS NULL AND m.expires_on < %(until)s
       AND (m.status = %(certified)s OR (m.status = %(expired)s AND m.expires_on >= %(grace_start)s))
), addon AS (
    SELECT a.mailbox_id, SUM(a.quantity * t.yearly_unit_price_cents
                             + (a.quantity * t.yearly_unit_price_cents * %(vat)s + 50) / 100) AS gross
      FROM mailbox
      JOIN addons_addon a ON a.mailbox_id = mailbox.id
      JOIN addons_addontype t ON t.id = a.addon_type_id
     WHERE a.status = %(active)s AND a.cancelled_on IS NULL
     GROUP BY a.mailbox_id
), renewal AS (
    SELECT GREATEST(period.renews_on, %(today)s) AS due_on, mailbox.gross + COALESCE(addon.gross, 0) AS gross
      FROM mailbox
      LEFT JOIN addon ON addon.mailbox_id = mailbox.id
     CROSS JOIN LATERAL generate_series(0, %(until_year)s - EXTRACT(YEAR FROM mailbox.expires_on)::int) AS years
     CROSS JOIN LATERAL (
           SELECT (CASE WHEN years > 0 AND to_char(mailbox.expires_on, 'MM-DD') = '02-29'
                        THEN mailbox.expires_on - 1 ELSE mailbox.expires_on END
                   + make_interval(years => years))::date AS renews_on
           ) AS period
     WHERE period.renews_on < %(until)s
), day AS (
    SELECT due_on, SUM(gross) AS gross FROM renewal GROUP BY due_on
), running AS (
    SELECT due_on, gross, SUM(gross) OVER (ORDER BY due_on) AS running_gross FROM day
)
SELECT COALESCE(SUM(gross) FILTER (WHERE due_on <= %(last)s), 0),
       MIN(due_on) FILTER (WHERE running_gross > %(credit)s)
  FROM running
"""


@dataclass(frozen=True)
class ForecastSummary:
    due_gross_cents: int  # of the renewals due within DASHBOARD_RENEWAL_DAYS, as Forecast.due_gross_cents
    credit_runs_out_on: date | None  # as Forecast.credit_runs_out_on


def forecast_summary_for_holder(*, holder, today):
    """Forecast.due_gross_cents(days=DASHBOARD_RENEWAL_DAYS) and Forecast.credit_runs_out_on of
    ``holder`` from ``today`` with the credit the request loaded: one query."""
    until = add_months(today, FORECAST_MONTHS)
    with connection.cursor() as cursor:
        cursor.execute(_SUMMARY_SQL, {
            "holder": holder.pk, "today": today, "until": until, "until_year": until.year,
            "grace_start": today - grace_period(), "last": today + timedelta(days=DASHBOARD_RENEWAL_DAYS),
            "credit": holder_available_cents(holder), "vat": VAT_RATE_PERCENT,
            "certified": Mailbox.Status.CERTIFIED, "expired": Mailbox.Status.EXPIRED, "active": Addon.Status.ACTIVE,
        })
        due_gross_cents, credit_runs_out_on = cursor.fetchone()
    return ForecastSummary(due_gross_cents=int(due_gross_cents), credit_runs_out_on=credit_runs_out_on)
