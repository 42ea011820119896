import itertools
import operator
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from billing.selectors import holder_shortfall_cents, wallet_available_cents
from mailboxes.selectors import mailbox_list_conditions

from .models import Addon, AddonType, Order

# SPEC 3.6: a pending order not paid within 72 hours is cancelled.
PENDING_ORDER_LIFETIME = timedelta(hours=72)


def order_stale_cutoff(*, now=None):
    """A pending order created before this instant is past its 72 hours: it is cancelled, never
    completed, whether the hourly cancellation has reached it or not."""
    return (now or timezone.now()) - PENDING_ORDER_LIFETIME


def addon_types_for_comparison():
    return AddonType.objects.filter(active=True).prefetch_related("plans")


def addon_types_on_sale():
    """Every add-on type on sale, in catalogue order: the bulk order page's choices."""
    return list(AddonType.objects.filter(active=True).order_by("id"))


def addon_types_for_plan(*, plan_id):
    """The add-on types on sale for a plan, in catalogue order, as a list: the order page's choices."""
    return list(AddonType.objects.filter(plans=plan_id, active=True).order_by("id"))


def order_shortfall_cents(*, holder_id):
    """What the holder's pending orders lack beyond the current credit, never negative; billing
    asks this so a top-up of exactly the shortfall may go under the usual minimum. An order past
    its 72 hours lacks nothing: it will not be completed. A debt is paid before any order, so it
    counts in the shortfall."""
    _count, pending = _orders_awaiting_credit(holder_id)
    return max(0, pending - wallet_available_cents(holder_id=holder_id)) if pending else 0


def _orders_awaiting_credit(holder_id):
    """(how many, their gross total) of the holder's pending orders that credit landing may still
    complete (inside their 72 hours), on the partial index of pending orders. Written as SQL: the
    dashboard runs it on every visit, and the ORM takes 0.5 ms of CPU to build this one line."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT COUNT(*), COALESCE(SUM(gross_cents), 0)
              FROM addons_order
             WHERE holder_id = %s AND status = %s AND created_at >= %s
            """,
            [holder_id, Order.Status.PENDING, connection.ops.adapt_datetimefield_value(order_stale_cutoff())],
        )
        return cursor.fetchone()


@dataclass(frozen=True)
class PendingOrders:
    count: int
    shortfall_cents: int  # what they lack beyond the available credit, as order_shortfall_cents


def pending_orders_of(holder):
    """The holder's pending orders still inside their 72 hours, for the dashboard: one query on
    the partial index of pending orders, the credit from the request's wallet."""
    count, total = _orders_awaiting_credit(holder.pk)
    if not count:
        return PendingOrders(count=0, shortfall_cents=0)
    return PendingOrders(count=count, shortfall_cents=holder_shortfall_cents(holder, total))


# The CSV export of Lista caselle PEC: documented column by column in docs/foundation.md.
MAILBOX_EXPORT_COLUMNS = (
    "address", "plan", "status", "expires_on", "auto_renew", "inbox_gb", "archive_gb", "addons",
    "conservation_gb", "requested_on", "certified_on", "end_client", "id", "cancelled_on",
)
MAILBOX_EXPORT_BATCH = 2000


def mailbox_export_rows(*, holder, q="", status="", batch_size=MAILBOX_EXPORT_BATCH):
    """Every row of the holder's Lista caselle PEC under the list's filters, in the list's order,
    as the cells of MAILBOX_EXPORT_COLUMNS: codes as the import takes them, ISO dates, yes/no.
    One statement read through a server-side cursor ``batch_size`` rows at a time, so memory stays
    flat and the queries do not grow with the mailboxes; it is also one snapshot, so a mailbox
    renewed meanwhile is neither missed nor listed twice. A mailbox with several active add-ons
    comes as adjacent rows, one per add-on, folded here into its ``addons`` cell."""
    listed, params = mailbox_list_conditions(holder_id=holder.pk, q=q, status=status)
    # In a transaction PostgreSQL hands the rows out as they are fetched, the first in milliseconds;
    # in autocommit Django declares the cursor WITH HOLD, and the server computes and stores the
    # whole result (a sort of 100,000 rows on disk) before the first row.
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(f"""
            SELECT m.id, m.address, p.code, m.status, m.expires_on, m.auto_renew,
                   p.inbox_gb + m.inbox_extra_gb, p.archive_gb + m.archive_extra_gb, m.conservation_gb,
                   m.requested_on, m.certified_on, m.end_client, m.cancelled_on,
                   t.name, a.quantity, t.unit, a.cancelled_on
              FROM mailboxes_mailbox m
              JOIN mailboxes_plan p ON p.id = m.plan_id
              LEFT JOIN addons_addon a ON a.mailbox_id = m.id AND a.status = %(active)s
              LEFT JOIN addons_addontype t ON t.id = a.addon_type_id
             WHERE {listed}
             ORDER BY m.expires_on, m.id, a.activated_on, a.id""", {**params, "active": Addon.Status.ACTIVE})
        rows = itertools.chain.from_iterable(iter(lambda: cursor.fetchmany(batch_size), []))
        for _, same_mailbox in itertools.groupby(rows, key=operator.itemgetter(0)):
            yield _export_cells(list(same_mailbox))


def _export_cells(rows):
    (mailbox_id, address, plan, status, expires_on, auto_renew, inbox_gb, archive_gb, conservation_gb,
     requested_on, certified_on, end_client, cancelled_on, *_addon) = rows[0]
    addons = "; ".join(_addon_cell(*row[-4:]) for row in rows if row[-4] is not None)
    return (address, plan, status, expires_on.isoformat(), _yes_no(auto_renew), inbox_gb, archive_gb, addons,
            conservation_gb, requested_on.isoformat(), _iso(certified_on), _yes_no(end_client), mailbox_id,
            _iso(cancelled_on))


def _addon_cell(name, quantity, unit, cancelled_on):
    return f"{name} {quantity} {unit}" + (f" (disdetta {cancelled_on.isoformat()})" if cancelled_on else "")


def _iso(day):
    return day.isoformat() if day else ""


def _yes_no(flag):
    return "yes" if flag else "no"
