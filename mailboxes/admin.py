from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from accounts.admin import ReadOnlyAdmin

from .models import Mailbox, Plan, ProvisioningRequest
from .services import MailboxActionNotAllowed, mailbox_reactivate, mailbox_suspend


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "inbox_gb", "archive_gb", "yearly_price_cents"]


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = ["address", "holder", "plan", "status", "expires_on", "auto_renew"]
    list_filter = ["status", "plan"]
    list_select_related = ["holder", "plan"]
    search_fields = ["address", "holder__fiscal_code", "holder__last_name", "holder__first_name"]
    raw_id_fields = ["holder"]
    # Status changes go through the actions, which log them; the password only through the
    # holder's form or an import, so the hash is never typed or shown here.
    readonly_fields = ["status", "status_changed_on"]
    exclude = ["password_hash"]
    actions = ["suspend", "reactivate"]
    date_hierarchy = "expires_on"

    @admin.action(description=_("Sospendi le caselle selezionate"))
    def suspend(self, request, queryset):
        self._apply(request, queryset, mailbox_suspend, _("Caselle sospese: %(count)d."))

    @admin.action(description=_("Riattiva le caselle selezionate"))
    def reactivate(self, request, queryset):
        self._apply(request, queryset, mailbox_reactivate, _("Caselle riattivate: %(count)d."))

    def _apply(self, request, queryset, service, done_message):
        done = 0
        for mailbox in queryset:
            try:
                service(mailbox=mailbox, by_staff=request.user)
                done += 1
            except MailboxActionNotAllowed as refusal:
                self.message_user(request, f"{mailbox.address}: {refusal}", messages.WARNING)
        self.message_user(request, done_message % {"count": done}, messages.SUCCESS)


@admin.register(ProvisioningRequest)
class ProvisioningRequestAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "mailbox", "action"]
    list_filter = ["action"]
    list_select_related = ["mailbox"]
    search_fields = ["=mailbox__address"]
    raw_id_fields = ["mailbox"]
