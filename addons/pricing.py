"""The add-on price rule of SPEC 3.6, and nowhere else: a pure function of dates and integers."""

import calendar
from dataclasses import dataclass
from datetime import date

from invoices.vat import VAT_RATE_PERCENT, vat_cents

# "Fewer than three months left" (SPEC 3.6): an expiry on or before today + 3 calendar months.
FREE_WINDOW_MONTHS = 3


@dataclass(frozen=True)
class AddonPrice:
    years: int
    net_cents: int
    vat_cents: int
    gross_cents: int
    free: bool


def add_months(day: date, months: int) -> date:
    """Calendar-month arithmetic that clamps to the month's end (30 Nov + 3 months = 28/29 Feb)."""
    years, month_index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: date, years: int) -> date:
    # 29 February + 1 year is 28 February, as for the mailbox's own renewal (SPEC 3.7).
    return add_months(day, 12 * years)


def addon_price(*, today: date, expires_on: date, unit_price_cents: int, quantity: int,
                vat_rate_percent: int = VAT_RATE_PERCENT) -> AddonPrice:
    if expires_on <= add_months(today, FREE_WINDOW_MONTHS):
        return AddonPrice(years=0, net_cents=0, vat_cents=0, gross_cents=0, free=True)
    # The holder pays for every started year of the mailbox: the smallest n ≥ 1 with T + n years ≥ E.
    years = max(1, expires_on.year - today.year - 1)
    while add_years(today, years) < expires_on:
        years += 1
    net = quantity * unit_price_cents * years
    vat = vat_cents(net, vat_rate_percent)
    return AddonPrice(years=years, net_cents=net, vat_cents=vat, gross_cents=net + vat, free=False)
