from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Holder


class Wallet(models.Model):
    holder = models.OneToOneField(Holder, on_delete=models.PROTECT, related_name="wallet")
    balance_cents = models.BigIntegerField(default=0)
    # What a refund or a lost dispute took beyond the balance: the holder owes it, and the next
    # credit pays it first, so a wallet in debt always holds nothing.
    debt_cents = models.BigIntegerField(default=0)
    # True while a dispute on one of the holder's top-ups is open; kept under the wallet lock by
    # billing.services.dispute_sync, read by wallet_may_spend.
    spending_frozen = models.BooleanField(_("contestazione aperta"), default=False)

    class Meta:
        verbose_name = _("credito")
        verbose_name_plural = _("crediti")
        constraints = [
            models.CheckConstraint(condition=models.Q(balance_cents__gte=0), name="wallet_balance_never_negative"),
            models.CheckConstraint(condition=models.Q(debt_cents__gte=0), name="wallet_debt_never_negative"),
            models.CheckConstraint(condition=models.Q(debt_cents=0) | models.Q(balance_cents=0),
                                   name="wallet_debt_only_when_empty"),
        ]
        permissions = [("adjust_credit", _("Può rettificare il credito"))]

    def __str__(self):
        return f"{self.holder}: {self.balance_cents} c"


class LedgerEntry(models.Model):
    """Append-only: the balance is always the sum of these (SPEC 3.3)."""

    class Kind(models.TextChoices):
        TOPUP = "topup", _("Ricarica")
        ORDER = "order", _("Addebito ordine")
        RENEWAL = "renewal", _("Addebito rinnovo")
        REFUND = "refund", _("Rimborso")
        DISPUTE = "dispute", _("Contestazione persa")
        DEBT = "debt", _("Recupero debito")
        ADJUSTMENT = "adjustment", _("Rettifica")
        OPENING = "opening", _("Saldo iniziale")

    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount_cents = models.BigIntegerField()
    balance_after_cents = models.BigIntegerField()
    # How this entry moved the wallet's debt: + a refund or lost dispute beyond the balance,
    # − a credit paying it back. The debt is the sum of these (check_ledger).
    debt_change_cents = models.BigIntegerField(default=0)
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
        # The API's ledger pages (billing.selectors.ledger_for_holder) read a wallet's entries by id.
        indexes = [models.Index(fields=["wallet", "id"], name="ledger_wallet_id")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount_cents=0) | ~models.Q(debt_change_cents=0),
                                   name="ledger_entry_moves_money"),
            models.CheckConstraint(condition=models.Q(balance_after_cents__gte=0), name="ledger_balance_never_negative"),
        ]

    def __str__(self):
        return f"{self.reference}: {self.amount_cents} c"


class TopUp(models.Model):
    """One card payment into a wallet (SPEC 3.4). Its idempotency key is saved before Stripe is
    called, so a retried request can never open a second PaymentIntent at real Stripe."""

    class Status(models.TextChoices):
        PENDING = "pending", _("In elaborazione")
        SUCCEEDED = "succeeded", _("Completata")
        FAILED = "failed", _("Non riuscita")
        CANCELLED = "cancelled", _("Annullata")

    holder = models.ForeignKey(Holder, on_delete=models.PROTECT, related_name="topups")
    amount_cents = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    stripe_payment_intent_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    idempotency_key = models.CharField(max_length=64, unique=True)
    client_secret = models.CharField(max_length=255, blank=True)
    # The holder finishes the payment in the browser with Stripe.js (card entry, 3-D Secure);
    # false only for test cards the server confirmed itself.
    confirmed_in_browser = models.BooleanField(default=True)
    failure_message = models.CharField(max_length=300, blank=True)
    # Where the holder asked for it from (core.client_ip): a decline reported later by Stripe's
    # webhook counts against this address too (billing.card_testing).
    client_ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    # When the status poll last asked Stripe about it: at most once per TOPUP_SYNC_INTERVAL_SECONDS.
    stripe_checked_at = models.DateTimeField(null=True, blank=True)
    # Stripe's amount_refunded as far as the ledger has debited it; it only grows, so a refund
    # reported again, late or concurrently debits nothing more.
    refunded_cents = models.PositiveIntegerField(default=0)
    # A staff refund asked of Stripe: the refunded_cents it will reach, and who asked. Pending while
    # refunded_cents is below it; settled by Stripe's answer or its charge.refunded webhook.
    refund_requested_cents = models.PositiveIntegerField(default=0)
    refund_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    refunded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ricarica")
        verbose_name_plural = _("ricariche")
        ordering = ["-id"]
        permissions = [("refund_topup", _("Può rimborsare una ricarica"))]
        constraints = [
            # Stripe's own minimum charge in euro (SPEC 3.4).
            models.CheckConstraint(condition=models.Q(amount_cents__gte=50), name="topup_at_least_stripe_minimum"),
            models.CheckConstraint(
                condition=models.Q(refunded_at__isnull=True) | models.Q(status="succeeded"),
                name="topup_refund_only_when_paid",
            ),
            models.CheckConstraint(condition=models.Q(refunded_cents__lte=models.F("amount_cents")),
                                   name="topup_refunds_at_most_its_amount"),
            models.CheckConstraint(condition=models.Q(refund_requested_cents__lte=models.F("amount_cents")),
                                   name="topup_refund_request_at_most_its_amount"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.amount_cents} c ({self.status})"

    @property
    def operation_reference(self):
        return f"topup:{self.pk}"


class CardDecline(models.Model):
    """One declined card confirmation of a top-up, however many times and from wherever it is
    reported (the test-card confirm, the webhook, the status poll): ``attempt`` is unique."""

    topup = models.ForeignKey(TopUp, on_delete=models.PROTECT, related_name="declines")
    # The failed charge's id, else the PaymentMethod's, else the intent's (one count per intent).
    attempt = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("carta rifiutata")
        verbose_name_plural = _("carte rifiutate")

    def __str__(self):
        return f"{self.attempt} (ricarica #{self.topup_id})"
class Dispute(models.Model):
    """A chargeback (or the card issuer's inquiry before one) on a top-up's payment. While open it
    freezes the holder's spending; lost, it takes its amount back like a refund."""

    class Status(models.TextChoices):
        OPEN = "open", _("Aperta")
        WON = "won", _("Chiusa a nostro favore")
        LOST = "lost", _("Persa")

    topup = models.ForeignKey(TopUp, on_delete=models.PROTECT, related_name="disputes")
    stripe_dispute_id = models.CharField(max_length=255, unique=True)
    amount_cents = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    stripe_status = models.CharField(max_length=40)
    reason = models.CharField(max_length=60, blank=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("contestazione")
        verbose_name_plural = _("contestazioni")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(status="open") | models.Q(closed_at__isnull=False),
                                   name="dispute_closed_has_a_date"),
        ]

    def __str__(self):
        return f"{self.stripe_dispute_id} ({self.get_status_display()})"
