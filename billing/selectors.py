from dataclasses import replace
from datetime import UTC

from django.db.models import F, Sum, Window
from django.utils.timezone import get_current_timezone

from accounts.models import Holder, Operation
from accounts.selectors import holder_counts
from core.money import format_euro
from core.paging import FIRST_PAGE, PAGE_SIZE, KeysetPage, fetch_all

from .models import LedgerEntry, TopUp, Wallet


def wallet_balance_cents(*, holder_id):
    return Wallet.objects.filter(holder_id=holder_id).values_list("balance_cents", flat=True).first() or 0


def holder_balance_cents(holder):
    """The balance the request's holder was loaded with (accounts.selectors reads the wallet in the
    same query as the user, for the menu), else read. Pages that have just moved money read it
    again with wallet_balance_cents."""
    if Holder.wallet.is_cached(holder):
        wallet = Holder.wallet.related.get_cached_value(holder)
        return wallet.balance_cents if wallet else 0
    return wallet_balance_cents(holder_id=holder.pk)


def wallet_available_cents(*, holder_id):
    """What the holder can spend once a debt is paid: the balance, or minus the debt (a wallet in
    debt holds nothing). A shortfall measured against this tells the top-up that both pays the debt
    and completes what waits, since every credit settles the debt first."""
    row = Wallet.objects.filter(holder_id=holder_id).values_list("balance_cents", "debt_cents").first()
    return row[0] - row[1] if row else 0


def wallet_shortfall_cents(wallet, cost_cents):
    """What ``wallet`` lacks to pay ``cost_cents``: a top-up of that much pays the debt first, as
    every credit does, and leaves exactly the cost."""
    return max(0, cost_cents - wallet.balance_cents + wallet.debt_cents)


def holder_shortfall_cents(holder, cost_cents):
    """wallet_shortfall_cents from the wallet the request's holder was loaded with, else read."""
    return max(0, cost_cents - holder_available_cents(holder))


def holder_available_cents(holder):
    """wallet_available_cents from the wallet the request's holder was loaded with, else read."""
    if Holder.wallet.is_cached(holder):
        wallet = Holder.wallet.related.get_cached_value(holder)
        return wallet.balance_cents - wallet.debt_cents if wallet else 0
    return wallet_available_cents(holder_id=holder.pk)


def holder_wallet_reload(holder):
    """After the request moved money: the holder's wallet is read again when next used (the menu)."""
    if Holder.wallet.is_cached(holder):
        Holder.wallet.related.delete_cached_value(holder)


def topup_for_holder(*, holder_id, topup_id):
    """A holder's own top-up; another holder's id simply does not exist (404 in views)."""
    return TopUp.objects.filter(holder_id=holder_id, pk=topup_id).first()


def operations_for_holder(*, holder, kind="", cursor=FIRST_PAGE):
    """A page of Esito Operazioni (operations_page) with each cell as the page shows it."""
    page = operations_page(holder=holder, kind=kind, cursor=cursor)
    return replace(page, rows=_operation_rows(page.rows))


def operations_page(*, holder, kind="", cursor=FIRST_PAGE, size=PAGE_SIZE, with_total=True):
    """A page of the holder's operations (SPEC 3.8), newest first and then by id, optionally of one
    kind, read from ``cursor`` along the (holder, -created_at, -id) or (holder, kind, -created_at,
    -id) index; each with the invoice that bills it (SPEC 3.9), matched on the operation's
    reference. Rows are dicts of the columns' values. ``total`` counts the whole (filtered) list
    unless ``with_total`` is off."""
    conditions, params = ["o.holder_id = %(holder)s"], {"holder": holder.pk}
    if kind:
        conditions.append("o.kind = %(kind)s")
        params["kind"] = kind
    listed = " AND ".join(conditions)
    beyond, order = cursor.reading(ascending=False)
    from_cursor = "" if cursor.row_id is None else f"""
          AND (o.created_at, o.id) {beyond} (SELECT c.created_at, c.id FROM accounts_operation c
                                              WHERE c.id = %(cursor)s AND c.holder_id = %(holder)s)"""
    rows = fetch_all(f"""
        SELECT o.id, o.created_at, o.kind, o.mailbox_address, o.description, o.amount_cents, o.outcome, i.id, o.actor
          FROM accounts_operation o
          LEFT JOIN invoices_invoice i ON i.reference = o.reference AND i.holder_id = o.holder_id
         WHERE {listed}{from_cursor}
         ORDER BY o.created_at {order}, o.id {order}
         LIMIT %(limit)s""", {**params, "cursor": cursor.row_id, "limit": size + 1})
    total = None
    if with_total:
        counts = None if kind else holder_counts(holder)
        total = counts.operations if counts is not None else (
            fetch_all(f"SELECT COUNT(*) FROM accounts_operation o WHERE {listed}", params)[0][0])
    return KeysetPage.from_rows([
        {"id": row_id, "created_at": _aware(created_at), "kind": kind, "mailbox_address": mailbox_address,
         "description": description, "amount_cents": amount_cents, "outcome": outcome, "invoice_id": invoice_id,
         "actor": actor}
        for row_id, created_at, kind, mailbox_address, description, amount_cents, outcome, invoice_id, actor in rows
    ], cursor=cursor, size=size, total=total)


# The badge of each outcome on Esito Operazioni; any other is secondary.
OUTCOME_BADGES = {
    Operation.Outcome.COMPLETED: "text-bg-success",
    Operation.Outcome.PENDING: "text-bg-warning",
    Operation.Outcome.FAILED: "text-bg-danger",
}


def _operation_rows(rows):
    """The page's rows as dicts of the text each cell shows, built in one pass (through model
    instances and template filters it was ~80 µs a row)."""
    outcome_labels = {outcome.value: str(outcome.label) for outcome in Operation.Outcome}
    zone = get_current_timezone()  # once: each localtime() looks it up again
    return [
        {
            "id": row["id"],
            # The page always showed d/m/Y H:i in the current time zone, whatever the language.
            "created_at": row["created_at"].astimezone(zone).strftime("%d/%m/%Y %H:%M"),
            "mailbox_address": row["mailbox_address"] or "--", "description": row["description"],
            "amount": "--" if row["amount_cents"] is None else format_euro(row["amount_cents"]),
            "outcome": outcome_labels.get(row["outcome"], row["outcome"]),
            "badge": OUTCOME_BADGES.get(row["outcome"], "text-bg-secondary"),
            "invoice_id": row["invoice_id"],
            "actor": row["actor"] or "--",
        }
        for row in rows
    ]


def _aware(moment):
    # SQLite (the demo's database) stores UTC without an offset and returns it naive.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def ledger_for_holder(*, holder, cursor=FIRST_PAGE, size=PAGE_SIZE):
    """A page of the holder's ledger (every movement of the credit), newest first, read from
    ``cursor`` along the (wallet, id) index: ids grow with time, so the id alone is the key."""
    beyond, order = cursor.reading(ascending=False)
    from_cursor = "" if cursor.row_id is None else f"""
          AND e.id {beyond} (SELECT c.id FROM billing_ledgerentry c
                              WHERE c.id = %(cursor)s AND c.wallet_id = w.id)"""
    rows = fetch_all(f"""
        SELECT e.id, e.created_at, e.kind, e.amount_cents, e.balance_after_cents, e.debt_change_cents,
               e.description
          FROM billing_ledgerentry e JOIN billing_wallet w ON w.id = e.wallet_id
         WHERE w.holder_id = %(holder)s{from_cursor}
         ORDER BY e.id {order}
         LIMIT %(limit)s""", {"holder": holder.pk, "cursor": cursor.row_id, "limit": size + 1})
    return KeysetPage.from_rows([
        {"id": row_id, "created_at": _aware(created_at), "kind": kind, "amount_cents": amount_cents,
         "balance_after_cents": balance_after_cents, "debt_change_cents": debt_change_cents,
         "description": description}
        for row_id, created_at, kind, amount_cents, balance_after_cents, debt_change_cents, description in rows
    ], cursor=cursor, size=size)


def ledger_mismatches():
    """Every way a wallet disagrees with its ledger, as (wallet, problem) pairs: a balance or a debt
    that is not the sum of its entries, or an entry whose balance_after is not the running sum up to it."""
    sums = {
        wallet_id: (total, debt) for wallet_id, total, debt in
        LedgerEntry.objects.values("wallet_id").annotate(total=Sum("amount_cents"), debt=Sum("debt_change_cents"))
        .values_list("wallet_id", "total", "debt")
    }
    problems = []
    for wallet in Wallet.objects.select_related("holder").iterator():
        total, debt = sums.get(wallet.id, (0, 0))
        if wallet.balance_cents != total:
            problems.append((wallet, f"saldo {wallet.balance_cents} c, somma dei movimenti {total} c"))
        if wallet.debt_cents != debt:
            problems.append((wallet, f"debito {wallet.debt_cents} c, somma dei movimenti di debito {debt} c"))
    # Filtering on a window function runs it in a subquery: one pass over the ledger in SQL.
    broken_chain = (
        LedgerEntry.objects.select_related("wallet__holder")
        .annotate(running=Window(Sum("amount_cents"), partition_by=[F("wallet_id")], order_by=F("id").asc()))
        .exclude(running=F("balance_after_cents"))
        .order_by("wallet_id", "id")
    )
    problems += [
        (entry.wallet, f"movimento {entry.reference}: saldo dopo {entry.balance_after_cents} c, atteso {entry.running} c")
        for entry in broken_chain
    ]
    return problems
