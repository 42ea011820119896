"""Every euro cent moves through wallet_post (SPEC 3.3)."""

from django.db import transaction

from .models import LedgerEntry, Wallet


class InsufficientCredit(Exception):
    def __init__(self, shortfall_cents):
        super().__init__(f"Credito insufficiente: mancano {shortfall_cents} centesimi.")
        self.shortfall_cents = shortfall_cents


def wallet_get_or_create(*, holder_id):
    wallet, _ = Wallet.objects.get_or_create(holder_id=holder_id)
    return wallet


@transaction.atomic
def wallet_post(*, holder_id, amount_cents, kind, reference, description, created_by=None, reason=""):
    """Add one signed entry to the holder's ledger and return it.

    The wallet row is locked first, so concurrent debits serialise and can never spend the same
    cent; a reference already posted returns its entry unchanged, so retries move money once.
    """
    if not isinstance(amount_cents, int) or amount_cents == 0:
        raise ValueError("amount_cents must be a non-zero int")
    wallet_get_or_create(holder_id=holder_id)
    wallet = Wallet.objects.select_for_update().get(holder_id=holder_id)
    existing = LedgerEntry.objects.filter(reference=reference).first()
    if existing is not None:
        return existing
    new_balance = wallet.balance_cents + amount_cents
    if new_balance < 0:
        raise InsufficientCredit(-new_balance)
    wallet.balance_cents = new_balance
    wallet.save(update_fields=["balance_cents"])
    return LedgerEntry.objects.create(
        wallet=wallet,
        kind=kind,
        amount_cents=amount_cents,
        balance_after_cents=new_balance,
        reference=reference,
        description=description,
        created_by=created_by,
        reason=reason,
    )
