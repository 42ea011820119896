from django.db.models import Sum

from .models import LedgerEntry, Wallet


def wallet_balance_cents(*, holder_id):
    return Wallet.objects.filter(holder_id=holder_id).values_list("balance_cents", flat=True).first() or 0


def ledger_mismatches():
    """Wallets whose balance differs from the sum of their entries, as (wallet, expected) pairs."""
    sums = dict(LedgerEntry.objects.values("wallet_id").annotate(total=Sum("amount_cents")).values_list("wallet_id", "total"))
    return [
        (wallet, sums.get(wallet.id, 0))
        for wallet in Wallet.objects.select_related("holder").iterator()
        if wallet.balance_cents != sums.get(wallet.id, 0)
    ]
