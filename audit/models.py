from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CREDIT_ADJUST = "credit_adjust", _("Rettifica del credito")
    TOPUP_REFUND = "topup_refund", _("Rimborso di una ricarica")
    CREDIT_NOTE = "credit_note", _("Nota di credito")
    MAILBOX_SUSPEND = "mailbox_suspend", _("Sospensione di una casella")
    MAILBOX_REACTIVATE = "mailbox_reactivate", _("Riattivazione di una casella")
    ADDON_PRICE = "addon_price", _("Prezzo di un servizio aggiuntivo")
    PLAN_PRICE = "plan_price", _("Prezzo di un piano")


class AuditEntry(models.Model):
    """One staff change that moved money or a mailbox's status (issue 9): who, when, before, after.

    Append-only: nothing in the portal edits or deletes an entry, and the admin only shows them.
    """

    Action = AuditAction

    # PROTECT: a staff account that changed money cannot vanish from its own trail.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("utente staff"))
    at = models.DateTimeField(_("quando"), auto_now_add=True, db_index=True)
    action = models.CharField(_("azione"), max_length=30, choices=Action.choices)
    object_type = models.CharField(_("tipo di oggetto"), max_length=100)
    object_id = models.CharField(_("id dell'oggetto"), max_length=64)
    object_repr = models.CharField(_("oggetto"), max_length=200)
    before = models.JSONField(_("prima"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("dopo"), null=True, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("modifica dello staff")
        verbose_name_plural = _("modifiche dello staff")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(action__in=AuditAction.values),
                                   name="audit_entry_known_action"),
        ]

    def __str__(self):
        return f"{self.at:%d/%m/%Y %H:%M} {self.user} {self.get_action_display()} {self.object_repr}"
