"""The renewal forecast: every renewal the nights will charge a holder in the next 12 months, at
today's prices (renewals.pricing), and which of them today's credit covers.

The credit is spent as renewals.night spends it: night by night, and within a night mailbox by
mailbox in id order; for each mailbox its plan first, then its active add-ons in order of
activation, each line its own debit, made only if the credit left covers it (SPEC 3.7). A mailbox
whose plan is not covered expires and its add-ons go off; an add-on not covered goes off, and a
later, cheaper line may still be covered. No credit arrives in a forecast, so what lapses stays
lapsed for the rest of the year.

Two queries whatever the number of mailboxes (their plans joined, their add-ons with their types
joined); the rest is arithmetic on plain rows: model instances for the 15,000 lines of 10,000
mailboxes would cost several times that arithmetic."""

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from operator import itemgetter
from typing import NamedTuple

from django.db.models import Q

from addons.models import Addon, AddonType
from addons.pricing import add_months
from billing.links import topup_amount_cents, topup_url
from billing.selectors import holder_balance_cents
from mailboxes.models import Mailbox, Plan

from .pricing import PriceLine, addon_line, next_expiry, plan_line
from .selectors import addons_active_of, grace_period

FORECAST_MONTHS = 12
# The needs the forecast offers to top up: renewals due within this many days of today.
TOPUP_HORIZON_DAYS = (30, 90)
FORECAST_PAGE_ROWS = 100


class RenewingMailbox(NamedTuple):
    pk: int
    address: str
    expires_on: date
    plan_line: PriceLine
    addon_lines: tuple


class ForecastRow(NamedTuple):
    due_on: date
    mailbox_id: int
    address: str
    is_addon: bool
    line: PriceLine
    covered: bool


@dataclass
class ForecastMonth:
    month: date  # its first day
    first_index: int  # of its first row in Forecast.rows
    rows: int = 0
    uncovered: int = 0
    gross_cents: int = 0
    running_gross_cents: int = 0  # this month's and every earlier month's


class _YearFigures:
    """What a forecast and its digest both derive from ``until`` and ``months``."""

    @property
    def last_day(self):
        return self.until - timedelta(days=1)

    @property
    def total_gross_cents(self):
        return self.months[-1].running_gross_cents if self.months else 0


@dataclass(frozen=True)
class Forecast(_YearFigures):
    today: date
    until: date  # the first day past the forecast
    balance_cents: int
    rows: list  # ForecastRow, in the order the nights charge them
    months: list = field(default_factory=list)  # ForecastMonth, in order, only those with rows

    @property
    def credit_runs_out_on(self):
        """The due date of the first renewal today's credit does not cover; None if it covers all."""
        return next((row.due_on for row in self.rows if not row.covered), None)

    def due_gross_cents(self, *, days):
        """What the renewals due within ``days`` of today cost: up to today + days, inclusive, as an
        alert's stage counts (E − D ≤ s)."""
        last = self.today + timedelta(days=days)
        total = 0
        for row in self.rows:
            if row.due_on > last:
                break
            total += row.line.gross_cents
        return total

    def topup_need_cents(self, *, days):
        """What the credit lacks for every renewal due within ``days``: with that much more, each of
        them is covered in the nights' order, and with any less one is not."""
        return max(0, self.due_gross_cents(days=days) - self.balance_cents)


@dataclass(frozen=True)
class TopUpNeed:
    days: int
    due_gross_cents: int
    need_cents: int

    @property
    def amount_cents(self):
        return topup_amount_cents(self.need_cents)

    @property
    def url(self):
        return topup_url(self.need_cents)


@dataclass(frozen=True)
class ForecastDigest(_YearFigures):
    """A forecast without its rows: what the dashboard and every page of the forecast print, small
    enough to keep in the cache (renewals.forecast_cache) and read back in well under a millisecond."""

    today: date
    until: date
    balance_cents: int
    row_count: int
    months: tuple  # ForecastMonth
    credit_runs_out_on: date | None
    topups: tuple  # TopUpNeed, one for each of TOPUP_HORIZON_DAYS

    @property
    def page_count(self):
        return max(1, -(-self.row_count // FORECAST_PAGE_ROWS))


def forecast_digest(forecast):
    return ForecastDigest(today=forecast.today, until=forecast.until, balance_cents=forecast.balance_cents,
                          row_count=len(forecast.rows), months=tuple(forecast.months),
                          credit_runs_out_on=forecast.credit_runs_out_on, topups=tuple(forecast_topups(forecast)))


def forecast_for_holder(*, holder, today):
    """The forecast of ``holder`` from ``today`` with the balance the request loaded (the menu's)."""
    until = add_months(today, FORECAST_MONTHS)
    return forecast_compute(mailboxes=renewing_mailboxes(holder_id=holder.pk, today=today, until=until),
                            balance_cents=holder_balance_cents(holder), today=today)


def forecast_topups(forecast):
    return [TopUpNeed(days=days, due_gross_cents=forecast.due_gross_cents(days=days),
                      need_cents=forecast.topup_need_cents(days=days)) for days in TOPUP_HORIZON_DAYS]


def renewing_mailboxes(*, holder_id, today, until):
    """The holder's mailboxes that a night before ``until`` renews if the credit covers them, by
    expiry (nearly the order they renew in), each with its price lines: auto-renew on, not cancelled, and `certificata`, or `scaduta`
    and still inside the grace period, which the nights retry (renewals.selectors.renewal_due_q)."""
    mailboxes = Mailbox.objects.filter(
        Q(status=Mailbox.Status.CERTIFIED) | Q(status=Mailbox.Status.EXPIRED, expires_on__gte=today - grace_period()),
        holder_id=holder_id, auto_renew=True, cancelled_on__isnull=True, expires_on__lt=until,
    )
    plan_lines, addon_lines, lines_of = {}, {}, {}
    for mailbox_id, *addon in addons_active_of(mailboxes).filter(cancelled_on__isnull=True).values_list(
        "mailbox_id", "addon_type__name", "addon_type__unit", "addon_type__yearly_unit_price_cents", "quantity",
    ):
        key = tuple(addon)
        if key not in addon_lines:
            addon_lines[key] = _addon_line(*addon)
        lines_of.setdefault(mailbox_id, []).append(addon_lines[key])
    mailbox_rows = mailboxes.order_by("expires_on", "pk").values_list(
        "pk", "address", "expires_on", "plan__name", "plan__yearly_price_cents",
    )
    renewing = []
    for pk, address, expires_on, *plan in mailbox_rows:
        key = tuple(plan)
        if key not in plan_lines:
            plan_lines[key] = plan_line(Plan(name=plan[0], yearly_price_cents=plan[1]))
        renewing.append(RenewingMailbox(pk, address, expires_on, plan_lines[key], tuple(lines_of.get(pk, ()))))
    return renewing


def _addon_line(name, unit, yearly_unit_price_cents, quantity):
    """addon_line, the night's price of an add-on, from the columns read; priced once for each
    distinct add-on of the holder."""
    addon_type = AddonType(name=name, unit=unit, yearly_unit_price_cents=yearly_unit_price_cents)
    return replace(addon_line(Addon(addon_type=addon_type, quantity=quantity)), addon=None)


def forecast_compute(*, mailboxes, balance_cents, today):
    """The forecast of ``mailboxes`` (RenewingMailbox, any order) from ``today`` with a credit of
    ``balance_cents``. A mailbox renews each year from its expiry while that falls before the end
    of the forecast; a period already due (a night has not reached it yet, or the grace period
    retries it) is charged by the next night and shown on today's date."""
    until = add_months(today, FORECAST_MONTHS)
    periods = []
    for mailbox in mailboxes:
        start = mailbox.expires_on
        if start >= today:  # then its next expiry is a year on, past the forecast
            periods.append((start, mailbox.pk, start, mailbox))
            continue
        while start < until:
            periods.append((max(start, today), mailbox.pk, start, mailbox))
            start = next_expiry(start)
    periods.sort(key=itemgetter(0, 1, 2))
    balance, rows, lapsed, dropped = balance_cents, [], set(), set()
    for due_on, pk, _start, mailbox in periods:
        renewed = pk not in lapsed and balance >= mailbox.plan_line.gross_cents
        if renewed:
            balance -= mailbox.plan_line.gross_cents
        else:
            lapsed.add(pk)
        rows.append(ForecastRow(due_on, pk, mailbox.address, False, mailbox.plan_line, renewed))
        for index, line in enumerate(mailbox.addon_lines):
            covered = renewed and (pk, index) not in dropped and balance >= line.gross_cents
            if covered:
                balance -= line.gross_cents
            else:
                dropped.add((pk, index))
            rows.append(ForecastRow(due_on, pk, mailbox.address, True, line, covered))
    return Forecast(today=today, until=until, balance_cents=balance_cents, rows=rows, months=_months(rows))


def _months(rows):
    months, running, day = [], 0, None
    for index, row in enumerate(rows):
        if row.due_on != day:
            day = row.due_on
            if not months or (months[-1].month.year, months[-1].month.month) != (day.year, day.month):
                months.append(ForecastMonth(month=day.replace(day=1), first_index=index))
            month = months[-1]
        running += row.line.gross_cents
        month.rows += 1
        month.uncovered += not row.covered
        month.gross_cents += row.line.gross_cents
        month.running_gross_cents = running
    return months



@dataclass(frozen=True)
class ForecastPage:
    number: int
    count: int  # of pages
    month_pages: list  # (ForecastMonth, the page its first row is on), every month
    groups: list  # (ForecastMonth, [ForecastRow]), this page's rows month by month

    @property
    def previous(self):
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self):
        return self.number + 1 if self.number < self.count else None


def forecast_pages(forecast):
    """The forecast's rows cut into pages of FORECAST_PAGE_ROWS, in order (at least one page)."""
    return [forecast.rows[first:first + FORECAST_PAGE_ROWS]
            for first in range(0, len(forecast.rows), FORECAST_PAGE_ROWS)] or [[]]


def forecast_page_number(digest, number):
    """``number`` if the forecast has that page, else the nearest page it has."""
    return min(max(1, number), digest.page_count)


def forecast_page(digest, number, rows):
    """Page ``number`` (forecast_page_number) of the forecast summed up by ``digest``, holding
    ``rows``: the whole year is computed for any page, since each row's cover depends on all
    before it, but a holder of thousands of mailboxes reads them 100 at a time."""
    first = (number - 1) * FORECAST_PAGE_ROWS
    groups = []
    for month in digest.months:
        start, end = max(first, month.first_index), min(first + len(rows), month.first_index + month.rows)
        if start < end:
            groups.append((month, rows[start - first:end - first]))
    month_pages = [(month, month.first_index // FORECAST_PAGE_ROWS + 1) for month in digest.months]
    return ForecastPage(number=number, count=digest.page_count, month_pages=month_pages, groups=groups)
