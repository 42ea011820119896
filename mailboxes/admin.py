from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEntry
from audit.services import audit_record
from core.admin import ReadOnlyAdmin

from .models import Mailbox, Plan, ProvisioningRequest
from .services import MailboxActionNotAllowed, mailbox_reactivate, mailbox_suspend


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "inbox_gb", "archive_gb", "yearly_price_cents"]

    def save_model(self, request, obj, form, change):
        # The admin's change view already runs this inside one transaction with the save.
        before = Plan.objects.get(pk=obj.pk).yearly_price_cents if change else None
        super().save_model(request, obj, form, change)
        if before != obj.yearly_price_cents:
            audit_record(user=request.user, action=AuditEntry.Action.PLAN_PRICE, obj=obj,
                         before=None if before is None else {"yearly_price_cents": before},
                         after={"yearly_price_cents": obj.yearly_price_cents})


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = ["address", "holder", "plan", "status", "expires_on", "auto_renew"]
    list_filter = ["status", "plan"]
    list_select_related = ["holder", "plan"]
    search_fields = ["address", "holder__fiscal_code", "holder__last_name", "holder__first_name"]
    raw_id_fields = ["holder"]
    # Status changes go through the actions, which log and audit them; the password only through
    # the holder's form or an import, so the hash is never typed or shown here.
    readonly_fields = ["status", "status_changed_on"]
    # What a mailbox's holder owns and pays for: whose it is, its plan, the term paid, the space
    # its add-ons bought, its dates. The renewal night, orders, "Rinnova ora" and the import change
    # them, each with its own record; an edit here would have none, so once the mailbox exists
    # staff see them and do not type them.
    readonly_after_creation = ["holder", "plan", "expires_on", "requested_on", "certified_on", "cancelled_on",
                               "inbox_extra_gb", "archive_extra_gb", "conservation_gb"]
    exclude = ["password_hash"]
    actions = ["suspend", "reactivate"]
    date_hierarchy = "expires_on"

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        return [*self.readonly_fields, *self.readonly_after_creation]

    @admin.action(description=_("Sospendi le caselle selezionate"))
    def suspend(self, request, queryset):
        self._apply(request, queryset, mailbox_suspend, AuditEntry.Action.MAILBOX_SUSPEND,
                    _("Caselle sospese: %(count)d."))

    @admin.action(description=_("Riattiva le caselle selezionate"))
    def reactivate(self, request, queryset):
        self._apply(request, queryset, mailbox_reactivate, AuditEntry.Action.MAILBOX_REACTIVATE,
                    _("Caselle riattivate: %(count)d."))

    def _apply(self, request, queryset, service, action, done_message):
        done = 0
        for mailbox in queryset:
            try:
                with transaction.atomic():
                    changed = service(mailbox=mailbox, by_staff=request.user)
                    audit_record(user=request.user, action=action, obj=changed, before={"status": mailbox.status},
                                 after={"status": changed.status})
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
