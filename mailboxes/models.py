from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from accounts.models import Holder


class Plan(models.Model):
    code = models.SlugField(unique=True)
    name = models.CharField(_("nome"), max_length=100)
    inbox_gb = models.PositiveIntegerField(_("spazio inbox (GB)"))
    archive_gb = models.PositiveIntegerField(_("spazio archivio (GB)"), default=0)
    yearly_price_cents = models.PositiveIntegerField(_("prezzo annuo netto (centesimi)"))

    class Meta:
        verbose_name = _("piano")
        verbose_name_plural = _("piani")
        ordering = ["yearly_price_cents"]

    def __str__(self):
        return self.name


class Mailbox(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "richiesta", _("Richiesta")
        CERTIFIED = "certificata", _("Certificato")
        EXPIRED = "scaduta", _("Scaduta")
        SUSPENDED = "sospesa", _("Sospesa")
        TERMINATED = "cessata", _("Cessata")

    holder = models.ForeignKey(Holder, on_delete=models.PROTECT, related_name="mailboxes")
    address = models.EmailField(_("indirizzo"), max_length=254, unique=True)
    password_hash = models.CharField(max_length=255, blank=True)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="mailboxes")
    status = models.CharField(_("stato"), max_length=20, choices=Status.choices, default=Status.REQUESTED)
    requested_on = models.DateField(_("data richiesta"))
    certified_on = models.DateField(_("data certificazione"), null=True, blank=True)
    expires_on = models.DateField(_("data finecompetenze"))
    cancelled_on = models.DateField(_("data disdetta"), null=True, blank=True)
    status_changed_on = models.DateField(null=True, blank=True)
    end_client = models.BooleanField(_("cliente finale"), default=False)
    auto_renew = models.BooleanField(_("rinnovo automatico"), default=True)
    inbox_extra_gb = models.PositiveIntegerField(_("spazio inbox extra (GB)"), default=0)
    archive_extra_gb = models.PositiveIntegerField(_("spazio archivio extra (GB)"), default=0)
    conservation_gb = models.PositiveIntegerField(_("conservazione sostitutiva (GB)"), default=0)

    class Meta:
        verbose_name = _("casella")
        verbose_name_plural = _("caselle")
        constraints = [
            models.CheckConstraint(condition=models.Q(address=Lower("address")), name="mailbox_address_lowercase"),
        ]
        indexes = [
            models.Index(fields=["holder", "expires_on", "id"]),
            models.Index(fields=["status", "expires_on"]),
        ]

    def __str__(self):
        return self.address


    @property
    def archive_total_gb(self):
        return self.plan.archive_gb + self.archive_extra_gb


class ProvisioningRequest(models.Model):
    """What the portal asked the mail platform to do; the default provisioner only records."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="provisioning_requests")
    action = models.CharField(max_length=30)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
