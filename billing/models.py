from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Holder


class Wallet(models.Model):
    holder = models.OneToOneField(Holder, on_delete=models.PROTECT, related_name="wallet")
    balance_cents = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("credito")
        verbose_name_plural = _("crediti")
        constraints = [
            models.CheckConstraint(condition=models.Q(balance_cents__gte=0), name="wallet_balance_never_negative"),
        ]

    def __str__(self):
        return f"{self.holder}: {self.balance_cents} c"


class LedgerEntry(models.Model):
    """Append-only: the balance is always the sum of these (SPEC 3.3)."""

    class Kind(models.TextChoices):
        TOPUP = "topup", _("Ricarica")
        ORDER = "order", _("Addebito ordine")
        RENEWAL = "renewal", _("Addebito rinnovo")
        REFUND = "refund", _("Rimborso")
        ADJUSTMENT = "adjustment", _("Rettifica")
        OPENING = "opening", _("Saldo iniziale")

    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount_cents = models.BigIntegerField()
    balance_after_cents = models.BigIntegerField()
    # What caused the movement ("topup:pi_…", "order:12", "renewal:mailbox:7:2027-03-30"):
    # unique, so the same cause can never move money twice.
    reference = models.CharField(max_length=120, unique=True)
    description = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("movimento")
        verbose_name_plural = _("movimenti")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount_cents=0), name="ledger_entry_moves_money"),
            models.CheckConstraint(condition=models.Q(balance_after_cents__gte=0), name="ledger_balance_never_negative"),
        ]

    def __str__(self):
        return f"{self.reference}: {self.amount_cents} c"
