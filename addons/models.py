from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Holder
from mailboxes.models import Mailbox, Plan


class AddonType(models.Model):
    """One line of the catalogue (SPEC 3.5), edited by staff."""

    class Effect(models.TextChoices):
        INBOX = "inbox", _("Spazio inbox")
        ARCHIVE = "archive", _("Spazio archivio")
        CONSERVATION = "conservation", _("Conservazione sostitutiva")

    code = models.SlugField(unique=True)
    name = models.CharField(_("nome"), max_length=100)
    description = models.TextField(_("descrizione"), blank=True)
    unit = models.CharField(_("unità"), max_length=20, default="GB")
    yearly_unit_price_cents = models.PositiveIntegerField(_("prezzo annuo netto per unità (centesimi)"))
    min_quantity = models.PositiveIntegerField(_("quantità minima"), default=1)
    max_quantity = models.PositiveIntegerField(_("quantità massima"), default=50)
    plans = models.ManyToManyField(Plan, related_name="addon_types", verbose_name=_("piani"))
    effect = models.CharField(_("effetto"), max_length=20, choices=Effect.choices)
    active = models.BooleanField(_("in vendita"), default=True)

    class Meta:
        verbose_name = _("tipo di servizio aggiuntivo")
        verbose_name_plural = _("catalogo servizi aggiuntivi")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(min_quantity__gte=1), name="addon_type_min_quantity_positive"),
            models.CheckConstraint(
                condition=models.Q(max_quantity__gte=models.F("min_quantity")), name="addon_type_quantity_range"
            ),
        ]

    def __str__(self):
        return self.name


class Order(models.Model):
    """A purchase with its price fixed at Conferma (SPEC 3.6): for one mailbox (``mailbox``, ``years``,
    ``ends_on`` set) or for many, each with its own term and price in ``lines`` (those three null)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("In attesa di pagamento")
        COMPLETED = "completed", _("Completato")
        CANCELLED = "cancelled", _("Annullato")

    holder = models.ForeignKey(Holder, on_delete=models.PROTECT, related_name="orders")
    mailbox = models.ForeignKey(Mailbox, on_delete=models.PROTECT, related_name="orders", null=True, blank=True)
    addon_type = models.ForeignKey(AddonType, on_delete=models.PROTECT, related_name="orders")
    quantity = models.PositiveIntegerField()
    unit_price_cents = models.PositiveIntegerField()
    years = models.PositiveIntegerField(null=True, blank=True)
    net_cents = models.PositiveIntegerField()
    vat_cents = models.PositiveIntegerField()
    gross_cents = models.PositiveIntegerField()
    ends_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Generated with the order form and unique, so a form submitted twice places one order.
    order_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("ordine")
        verbose_name_plural = _("ordini")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(gross_cents=models.F("net_cents") + models.F("vat_cents")), name="order_gross_is_net_plus_vat"
            ),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="order_quantity_positive"),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "completed", "cancelled"]), name="order_status_known"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="completed") | models.Q(completed_at__isnull=False),
                name="order_completed_has_time",
            ),
            models.CheckConstraint(
                condition=models.Q(mailbox__isnull=False, years__isnull=False, ends_on__isnull=False)
                | models.Q(mailbox__isnull=True, years__isnull=True, ends_on__isnull=True),
                name="order_one_mailbox_or_lines",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            # The dashboard's pending orders of one holder, whatever the number of its orders.
            models.Index(fields=["holder", "created_at"], name="order_pending_of_holder",
                         condition=models.Q(status="pending")),
        ]

    def __str__(self):
        return f"#{self.pk} {self.addon_type} × {self.quantity} ({self.mailbox or 'più caselle'})"


class OrderLine(models.Model):
    """One mailbox of an order over many: its own term (co-terminous with it) and price (SPEC 3.6)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    mailbox = models.ForeignKey(Mailbox, on_delete=models.PROTECT, related_name="order_lines")
    years = models.PositiveIntegerField()
    net_cents = models.PositiveIntegerField()
    ends_on = models.DateField()

    class Meta:
        verbose_name = _("riga d'ordine")
        verbose_name_plural = _("righe d'ordine")
        ordering = ["order", "mailbox"]
        constraints = [models.UniqueConstraint(fields=["order", "mailbox"], name="order_line_one_per_mailbox")]

    def __str__(self):
        return f"#{self.order_id} {self.mailbox_id}"


class Addon(models.Model):
    """An add-on active on a mailbox; it always ends with the mailbox (co-terminous)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Attivo")
        DEACTIVATED = "deactivated", _("Disattivato")

    mailbox = models.ForeignKey(Mailbox, on_delete=models.PROTECT, related_name="addons")
    addon_type = models.ForeignKey(AddonType, on_delete=models.PROTECT, related_name="addons")
    # One add-on per mailbox of its order: one for a single order, one per line for an order over many.
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="addons")
    quantity = models.PositiveIntegerField()
    activated_on = models.DateField()
    expires_on = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    deactivated_on = models.DateField(null=True, blank=True)
    # Disdetta: the add-on stays active until its expiry, then the night switches it off unrenewed.
    cancelled_on = models.DateField(_("data disdetta"), null=True, blank=True)

    class Meta:
        verbose_name = _("servizio aggiuntivo")
        verbose_name_plural = _("servizi aggiuntivi")
        ordering = ["activated_on", "id"]
        constraints = [models.UniqueConstraint(fields=["order", "mailbox"], name="addon_one_per_order_mailbox")]
        indexes = [
            models.Index(fields=["mailbox", "status", "activated_on", "id"]),
            # The night's search for cancelled add-ons come to expiry reads only those.
            models.Index(fields=["expires_on"], name="addon_cancelled_expiry",
                         condition=models.Q(status="active", cancelled_on__isnull=False)),
        ]

    def __str__(self):
        return f"{self.addon_type} × {self.quantity} ({self.mailbox})"
