from functools import cache

from django.db import connections, router
from django.db.models import Sum

from billing.selectors import wallet_balance_cents
from core.rowsql import ModelColumns, fetch_all, quote

from .models import AddonType, Order

_ADDON_TYPE = ModelColumns(AddonType, "t")


def addon_types_for_comparison():
    return AddonType.objects.filter(active=True).prefetch_related("plans")


@cache
def _addon_types_for_plan_sql(alias):
    c = connections[alias]
    plans = AddonType.plans.field
    return (f"SELECT {_ADDON_TYPE.sql(c)} FROM {_ADDON_TYPE.table(c)} "
            f"INNER JOIN {quote(c, plans.m2m_db_table())} tp "
            f"ON tp.{quote(c, plans.m2m_column_name())} = {_ADDON_TYPE.column(c, 'id')} "
            f"WHERE tp.{quote(c, plans.m2m_reverse_name())} = %s AND {_ADDON_TYPE.column(c, 'active')} "
            f"ORDER BY {_ADDON_TYPE.column(c, 'id')}")


def addon_types_for_plan(*, plan_id):
    """The add-on types on sale for a plan, in catalogue order, as a list: the order page's choices.
    Hand-written SQL (core.rowsql): the ORM took ~0.25 ms of CPU to build this query, a tenth
    of the page."""
    connection = connections[router.db_for_read(AddonType)]
    return [_ADDON_TYPE.instance(connection, row)
            for row in fetch_all(connection, _addon_types_for_plan_sql(connection.alias), [plan_id])]


def order_shortfall_cents(*, holder_id):
    """What the holder's pending orders lack beyond the current credit, never negative; billing
    asks this so a top-up of exactly the shortfall may go under the usual minimum."""
    pending = Order.objects.filter(holder_id=holder_id, status=Order.Status.PENDING).aggregate(
        total=Sum("gross_cents")
    )["total"] or 0
    return max(0, pending - wallet_balance_cents(holder_id=holder_id)) if pending else 0
