from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import ReadOnlyAdmin

from .alerts import expiry_alerts_resend
from .models import ExpiryAlert, RenewalCharge, RenewalFailure


@admin.register(ExpiryAlert)
class ExpiryAlertAdmin(admin.ModelAdmin):
    list_display = ["mailbox", "holder", "expires_on", "stage", "sent_at", "resent_at"]
    list_filter = ["stage", "expires_on"]
    search_fields = ["mailbox__address", "holder__email"]
    list_select_related = ["mailbox", "holder"]
    readonly_fields = ["holder", "mailbox", "expires_on", "stage", "sent_at", "resent_at"]
    date_hierarchy = "sent_at"
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Reinvia gli avvisi selezionati"), permissions=["change"])
    def resend(self, request, queryset):
        sent = expiry_alerts_resend(alert_ids=list(queryset.values_list("pk", flat=True)),
                                    today=timezone.localdate()).emails_sent
        self.message_user(request, ngettext("%(n)d e-mail reinviata.", "%(n)d e-mail reinviate.", sent) % {"n": sent},
                          messages.SUCCESS)


@admin.register(RenewalCharge)
class RenewalChargeAdmin(ReadOnlyAdmin):
    """Read-only: a charge is the record that a period was paid; it is never edited."""

    list_display = ["mailbox", "addon", "period_start", "period_end", "gross_cents", "manual", "created_at"]
    list_filter = ["manual", "period_start"]
    search_fields = ["mailbox__address", "holder__fiscal_code"]
    list_select_related = ["mailbox", "addon__addon_type"]
    raw_id_fields = ["holder", "mailbox", "addon", "ledger_entry"]



@admin.register(RenewalFailure)
class RenewalFailureAdmin(ReadOnlyAdmin):
    """Read-only: the night writes a row when it fails a mailbox and deletes it when it gets through."""

    list_display = ["mailbox", "nights", "first_failed_on", "last_failed_on", "reason"]
    list_filter = ["last_failed_on"]
    search_fields = ["=mailbox__address"]
    list_select_related = ["mailbox"]
