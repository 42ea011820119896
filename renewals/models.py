from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Holder
from addons.models import Addon
from billing.models import LedgerEntry
from mailboxes.models import Mailbox


class RenewalCharge(models.Model):
    """One renewed year of a mailbox (addon empty) or of one of its add-ons (SPEC 3.7).

    The two partial unique constraints are what make a period chargeable at most once, whichever
    worker, retry or manual "Rinnova ora" gets there; the ledger reference is the second guard."""

    holder = models.ForeignKey(Holder, on_delete=models.PROTECT, related_name="renewal_charges")
    mailbox = models.ForeignKey(Mailbox, on_delete=models.PROTECT, related_name="renewal_charges")
    addon = models.ForeignKey(Addon, on_delete=models.PROTECT, null=True, blank=True, related_name="renewal_charges")
    period_start = models.DateField(_("inizio periodo"))
    period_end = models.DateField(_("fine periodo"))
    net_cents = models.PositiveIntegerField(_("netto (centesimi)"))
    vat_cents = models.PositiveIntegerField(_("IVA (centesimi)"))
    gross_cents = models.PositiveIntegerField(_("totale (centesimi)"))
    # Empty only for a line whose catalogue price is zero: the ledger refuses zero entries. The
    # night debits each charge alone; a bulk "Rinnova ora" debits all its charges in one entry.
    ledger_entry = models.ForeignKey(
        LedgerEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="renewal_charges"
    )
    manual = models.BooleanField(_("rinnovo manuale"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("addebito di rinnovo")
        verbose_name_plural = _("addebiti di rinnovo")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "period_start"], condition=models.Q(addon__isnull=True),
                name="renewal_charge_mailbox_period_once",
            ),
            models.UniqueConstraint(
                fields=["addon", "period_start"], condition=models.Q(addon__isnull=False),
                name="renewal_charge_addon_period_once",
            ),
            models.CheckConstraint(
                condition=models.Q(gross_cents=models.F("net_cents") + models.F("vat_cents")),
                name="renewal_charge_gross_is_net_plus_vat",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gt=models.F("period_start")), name="renewal_charge_period_forward"
            ),
        ]

    def __str__(self):
        what = self.addon or self.mailbox
        return f"{what} {self.period_start:%d/%m/%Y}–{self.period_end:%d/%m/%Y}"


class ExpiryAlert(models.Model):
    """One stage of the expiry alert mailed for one expiry date of one mailbox (SPEC 3.7)."""

    holder = models.ForeignKey(Holder, on_delete=models.CASCADE, related_name="expiry_alerts")
    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="expiry_alerts")
    expires_on = models.DateField(_("data finecompetenze"))
    stage = models.PositiveSmallIntegerField(_("giorni prima della scadenza"))
    sent_at = models.DateTimeField(_("inviato il"))
    resent_at = models.DateTimeField(_("reinviato il"), null=True, blank=True)

    class Meta:
        verbose_name = _("avviso di scadenza")
        verbose_name_plural = _("avvisi di scadenza")
        ordering = ["-sent_at", "-id"]
        constraints = [
            # Also the index the alert scan probes: (mailbox, expiry, stage <= s).
            models.UniqueConstraint(fields=["mailbox", "expires_on", "stage"], name="expiry_alert_stage_once"),
        ]
        indexes = [models.Index(fields=["stage", "-sent_at"])]

    def __str__(self):
        return f"{self.mailbox} · {self.stage} gg · {self.expires_on:%d/%m/%Y}"


class RenewalFailure(models.Model):
    """A due mailbox the renewal night could not get through, kept from one night to the next so
    a run can tell staff which ones keep failing; deleted when a night gets through it."""

    mailbox = models.OneToOneField(Mailbox, on_delete=models.CASCADE, primary_key=True,
                                   related_name="renewal_failure", verbose_name=_("casella"))
    nights = models.PositiveIntegerField(_("notti fallite di fila"), default=1)
    first_failed_on = models.DateField(_("prima notte fallita"))
    last_failed_on = models.DateField(_("ultima notte fallita"))
    reason = models.TextField(_("ultimo errore"))

    class Meta:
        verbose_name = _("rinnovo non riuscito")
        verbose_name_plural = _("rinnovi non riusciti")
        ordering = ["-nights", "mailbox_id"]
        indexes = [models.Index(fields=["last_failed_on", "nights"])]

    def __str__(self):
        return f"{self.mailbox} · {self.nights} notti"
