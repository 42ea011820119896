from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Holder


class InvoiceCounter(models.Model):
    """The last number given in a calendar year. Its row is locked (SELECT … FOR UPDATE) in the
    money transaction that issues an invoice, so numbers are handed out one at a time and a
    rolled-back transaction gives its number back: no gap, no duplicate (issue 6)."""

    year = models.PositiveIntegerField(primary_key=True)
    last_sequence = models.PositiveIntegerField(default=0)
    # An invoice is never dated before the one numbered before it (numbering follows time).
    last_issued_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("contatore fatture")
        verbose_name_plural = _("contatori fatture")

    def __str__(self):
        return f"{self.year}: {self.last_sequence}"


class Invoice(models.Model):
    """An invoice or credit note as issued: never edited afterwards (SPEC 3.9). Amounts are
    positive cents for both kinds, as FatturaPA wants them on a TD04."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Fattura")
        CREDIT_NOTE = "credit_note", _("Nota di credito")

    number = models.CharField(_("numero"), max_length=11, unique=True)
    year = models.PositiveIntegerField(_("anno"))
    sequence = models.PositiveIntegerField(_("progressivo"))
    kind = models.CharField(_("tipo"), max_length=20, choices=Kind.choices, default=Kind.INVOICE)
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_notes",
        verbose_name=_("fattura stornata"),
    )
    issued_on = models.DateField(_("data"))
    holder = models.ForeignKey(Holder, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("titolare"))
    # The money movement billed ("order:12", "renewal:mailbox:7:2027-03-30"), or "credit_note:<id>".
    reference = models.CharField(_("riferimento"), max_length=120, unique=True)

    seller = models.JSONField(_("dati del fornitore"))
    buyer_first_name = models.CharField(_("nome"), max_length=100, blank=True)
    buyer_last_name = models.CharField(_("cognome"), max_length=100, blank=True)
    buyer_company_name = models.CharField(_("ragione sociale"), max_length=200, blank=True)
    buyer_fiscal_code = models.CharField(_("codice fiscale"), max_length=16, blank=True)
    buyer_vat_number = models.CharField(_("partita IVA"), max_length=11, blank=True)
    buyer_street = models.CharField(_("indirizzo"), max_length=200, blank=True)
    buyer_postal_code = models.CharField(_("CAP"), max_length=5, blank=True)
    buyer_city = models.CharField(_("città"), max_length=100, blank=True)
    buyer_province = models.CharField(_("provincia"), max_length=2, blank=True)
    buyer_country = models.CharField(_("nazione"), max_length=2, default="IT")
    buyer_sdi_code = models.CharField(_("codice destinatario"), max_length=7, blank=True)
    buyer_invoice_pec = models.EmailField(_("PEC per fatture"), blank=True)

    vat_rate_percent = models.PositiveSmallIntegerField(_("aliquota IVA (%)"))
    net_cents = models.BigIntegerField(_("imponibile (centesimi)"))
    vat_cents = models.BigIntegerField(_("IVA (centesimi)"))
    gross_cents = models.BigIntegerField(_("totale (centesimi)"))

    reason = models.CharField(_("motivo"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("emessa da"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("fattura")
        verbose_name_plural = _("fatture")
        ordering = ["-year", "-sequence"]
        permissions = [("issue_credit_note", _("Può emettere note di credito"))]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="invoice_number_unique_per_year"),
            models.CheckConstraint(condition=models.Q(sequence__gte=1, sequence__lte=999_999),
                                   name="invoice_sequence_six_digits"),
            models.CheckConstraint(
                condition=models.Q(gross_cents=models.F("net_cents") + models.F("vat_cents")),
                name="invoice_gross_is_net_plus_vat",
            ),
            models.CheckConstraint(condition=models.Q(net_cents__gt=0, vat_cents__gte=0),
                                   name="invoice_amounts_positive"),
            models.CheckConstraint(
                condition=models.Q(kind="invoice", corrects__isnull=True)
                | models.Q(kind="credit_note", corrects__isnull=False) & ~models.Q(reason=""),
                name="invoice_credit_note_corrects_with_reason",
            ),
            # A credit note reverses a whole invoice, once.
            models.UniqueConstraint(fields=["corrects"], name="invoice_one_credit_note_each"),
        ]
        indexes = [
            models.Index(fields=["holder", "-issued_on", "-id"]),
            models.Index(fields=["issued_on"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"

    @property
    def buyer_name(self):
        return self.buyer_company_name or f"{self.buyer_first_name} {self.buyer_last_name}".strip()

    @property
    def is_credit_note(self):
        return self.kind == self.Kind.CREDIT_NOTE


class InvoiceLine(models.Model):
    """One billed item. The unit price covers the whole period of the line (e.g. 2 years of 1 GB),
    so net = quantity × unit price, as FatturaPA checks PrezzoTotale."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    description = models.CharField(_("descrizione"), max_length=300)
    mailbox_address = models.CharField(_("casella"), max_length=254, blank=True)
    period_start = models.DateField(_("dal"), null=True, blank=True)
    period_end = models.DateField(_("al"), null=True, blank=True)
    quantity = models.PositiveIntegerField(_("quantità"))
    # What the quantity counts ("GB", "anno"): FatturaPA's UnitaMisura beside Quantita.
    unit = models.CharField(_("unità di misura"), max_length=20)
    unit_price_cents = models.BigIntegerField(_("prezzo unitario (centesimi)"))
    net_cents = models.BigIntegerField(_("imponibile (centesimi)"))

    class Meta:
        verbose_name = _("riga fattura")
        verbose_name_plural = _("righe fattura")
        ordering = ["invoice", "position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_position_unique"),
            models.CheckConstraint(
                condition=models.Q(net_cents=models.F("quantity") * models.F("unit_price_cents")),
                name="invoice_line_net_is_quantity_times_price",
            ),
            models.CheckConstraint(condition=models.Q(quantity__gte=1, unit_price_cents__gt=0),
                                   name="invoice_line_positive"),
            models.CheckConstraint(
                condition=models.Q(period_start__isnull=True) | models.Q(period_end__isnull=True)
                | models.Q(period_end__gte=models.F("period_start")),
                name="invoice_line_period_ordered",
            ),
        ]

    def __str__(self):
        return self.description
