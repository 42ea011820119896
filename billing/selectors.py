from django.db.models import F, Sum, Window

from accounts.models import Operation

from .models import LedgerEntry, TopUp, Wallet


def wallet_balance_cents(*, holder_id):
    return Wallet.objects.filter(holder_id=holder_id).values_list("balance_cents", flat=True).first() or 0


def topup_for_holder(*, holder_id, topup_id):
    """A holder's own top-up; another holder's id simply does not exist (404 in views)."""
    return TopUp.objects.filter(holder_id=holder_id, pk=topup_id).first()


def operations_for_holder(*, holder_id, kind=None):
    """Esito Operazioni (SPEC 3.8): newest first, optionally one kind; served by the
    (holder, kind, -created_at, -id) indexes on Operation."""
    operations = Operation.objects.filter(holder_id=holder_id)
    if kind:
        operations = operations.filter(kind=kind)
    return operations.order_by("-created_at", "-id").only(
        "id", "created_at", "kind", "mailbox_address", "description", "amount_cents", "outcome", "reference"
    )


def ledger_mismatches():
    """Every way a wallet disagrees with its ledger, as (wallet, problem) pairs: a balance that is not
    the sum of its entries, or an entry whose balance_after is not the running sum up to it."""
    sums = dict(
        LedgerEntry.objects.values("wallet_id").annotate(total=Sum("amount_cents")).values_list("wallet_id", "total")
    )
    problems = [
        (wallet, f"saldo {wallet.balance_cents} c, somma dei movimenti {sums.get(wallet.id, 0)} c")
        for wallet in Wallet.objects.select_related("holder").iterator()
        if wallet.balance_cents != sums.get(wallet.id, 0)
    ]
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
