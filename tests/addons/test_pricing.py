from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from addons.pricing import add_months, add_years, addon_price

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("expiry", "quantity", "years", "net", "vat", "gross"),
    [
        (date(2028, 3, 30), 3, 2, 1500, 330, 1830),
        (date(2027, 11, 24), 1, 1, 250, 55, 305),
        (date(2027, 2, 10), 3, 0, 0, 0, 0),
        (date(2027, 2, 24), 2, 0, 0, 0, 0),
        (date(2027, 2, 25), 2, 1, 500, 110, 610),
    ],
)
def test_it_prices_every_worked_example_of_the_spec(expiry, quantity, years, net, vat, gross):
    price = addon_price(today=TODAY, expires_on=expiry, unit_price_cents=250, quantity=quantity, vat_rate_percent=22)
    assert (price.years, price.net_cents, price.vat_cents, price.gross_cents) == (years, net, vat, gross)
    assert price.free is (years == 0)


def test_month_arithmetic_clamps_to_the_end_of_the_month():
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 12, 31), 2) == date(2027, 2, 28)
    assert add_years(date(2028, 2, 29), 1) == date(2029, 2, 28)
    assert add_years(date(2028, 2, 29), 4) == date(2032, 2, 29)


def test_it_is_free_up_to_three_calendar_months_from_the_end_of_november():
    def price(expiry):
        return addon_price(today=date(2026, 11, 30), expires_on=expiry, unit_price_cents=250, quantity=1)

    assert price(date(2027, 2, 28)).free
    assert price(date(2027, 3, 1)).years == 1


def test_it_charges_one_year_from_29_february_to_28_february():
    price = addon_price(today=date(2028, 2, 29), expires_on=date(2029, 2, 28), unit_price_cents=250, quantity=1)
    assert price.years == 1
    later = addon_price(today=date(2028, 2, 29), expires_on=date(2029, 3, 1), unit_price_cents=250, quantity=1)
    assert later.years == 2


def test_vat_is_rounded_half_up_on_the_orders_net_total():
    # 7 × 0,25 € = 1,75 €; 22 % is 0,385 € → 0,39 €, not 7 × 0,06 €.
    price = addon_price(today=TODAY, expires_on=date(2027, 11, 24), unit_price_cents=25, quantity=7)
    assert (price.net_cents, price.vat_cents, price.gross_cents) == (175, 39, 214)


days = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))
prices = st.integers(min_value=1, max_value=100_000)
quantities = st.integers(min_value=1, max_value=1_000)
offsets = st.integers(min_value=-400, max_value=12_000)


@given(today=days, offset=offsets, unit=prices, quantity=quantities)
def test_net_plus_vat_is_always_the_gross(today, offset, unit, quantity):
    price = addon_price(today=today, expires_on=today + timedelta(days=offset), unit_price_cents=unit, quantity=quantity)
    assert price.net_cents + price.vat_cents == price.gross_cents
    assert price.net_cents == quantity * unit * price.years
    assert price.free == (price.gross_cents == 0)


@given(today=days, offset=st.integers(min_value=-400, max_value=92), unit=prices, quantity=quantities)
def test_it_is_free_inside_three_months(today, offset, unit, quantity):
    expiry = min(today + timedelta(days=offset), add_months(today, 3))
    price = addon_price(today=today, expires_on=expiry, unit_price_cents=unit, quantity=quantity)
    assert (price.free, price.years, price.gross_cents) == (True, 0, 0)


@given(today=days, offset=st.integers(min_value=1, max_value=12_000), unit=prices, quantity=quantities)
def test_beyond_three_months_it_charges_the_smallest_number_of_years_reaching_the_expiry(today, offset, unit, quantity):
    expiry = add_months(today, 3) + timedelta(days=offset)
    price = addon_price(today=today, expires_on=expiry, unit_price_cents=unit, quantity=quantity)
    assert price.years >= 1
    assert add_years(today, price.years) >= expiry
    assert price.years == 1 or add_years(today, price.years - 1) < expiry


@given(today=days, offset=offsets, unit=prices, quantity=quantities, more=st.integers(min_value=1, max_value=100))
def test_the_price_never_falls_when_the_quantity_grows(today, offset, unit, quantity, more):
    expiry = today + timedelta(days=offset)
    fewer = addon_price(today=today, expires_on=expiry, unit_price_cents=unit, quantity=quantity)
    larger = addon_price(today=today, expires_on=expiry, unit_price_cents=unit, quantity=quantity + more)
    assert larger.gross_cents >= fewer.gross_cents


@given(today=days, offset=offsets, later=st.integers(min_value=1, max_value=2_000), unit=prices, quantity=quantities)
def test_the_price_never_falls_when_more_time_remains(today, offset, later, unit, quantity):
    sooner = addon_price(today=today, expires_on=today + timedelta(days=offset), unit_price_cents=unit, quantity=quantity)
    farther = addon_price(today=today, expires_on=today + timedelta(days=offset + later), unit_price_cents=unit,
                          quantity=quantity)
    assert farther.years >= sooner.years
    assert farther.gross_cents >= sooner.gross_cents


@given(year=st.sampled_from([2024, 2028, 2032]), offset=offsets)
def test_29_february_and_month_ends_price_consistently(year, offset):
    for today in (date(year, 2, 29), date(year, 1, 31), date(year, 8, 31), date(year, 11, 30)):
        expiry = today + timedelta(days=offset)
        price = addon_price(today=today, expires_on=expiry, unit_price_cents=250, quantity=1)
        assert price.free == (expiry <= add_months(today, 3))
        if not price.free:
            assert add_years(today, price.years) >= expiry > (add_years(today, price.years - 1) if price.years > 1 else today)
