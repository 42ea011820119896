from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin

from . import validators
from .models import ApiToken, Delegate, Holder, Operation, User
from .services import api_token_revoke, delegate_revoke, holder_update, holder_user_create

admin.site.register(User, UserAdmin)


class HolderAdminForm(forms.ModelForm):
    class Meta:
        model = Holder
        exclude = ["user"]

    def clean_fiscal_code(self):
        return validators.clean_fiscal_code(self.cleaned_data["fiscal_code"])

    def clean_vat_number(self):
        value = self.cleaned_data["vat_number"]
        return validators.clean_vat_number(value) if value else ""

    def clean_postal_code(self):
        value = self.cleaned_data["postal_code"]
        return validators.clean_postal_code(value) if value else ""

    def clean_province(self):
        value = self.cleaned_data["province"]
        return validators.clean_province(value) if value else ""


@admin.register(Holder)
class HolderAdmin(admin.ModelAdmin):
    form = HolderAdminForm
    list_display = ["last_name", "first_name", "fiscal_code", "email", "mailbox_count"]
    search_fields = ["fiscal_code", "last_name", "first_name", "=mailboxes__address"]
    readonly_fields = ["mailboxes_link", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(mailbox_total=Count("mailboxes"))

    @admin.display(description=_("caselle"), ordering="mailbox_total")
    def mailbox_count(self, holder):
        return holder.mailbox_total

    @admin.display(description=_("caselle del titolare"))
    def mailboxes_link(self, holder):
        # A link rather than an inline: a professional order can own thousands of mailboxes.
        if holder.pk is None:
            return "-"
        url = reverse("admin:mailboxes_mailbox_changelist") + f"?holder__id__exact={holder.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Apri l'elenco delle caselle"))

    def save_model(self, request, obj, form, change):
        if change:
            holder_update(holder_id=obj.pk, fields={name: form.cleaned_data[name] for name in form.changed_data},
                          by_staff=request.user)
        else:
            obj.user = holder_user_create(fiscal_code=obj.fiscal_code)
            obj.save()


@admin.register(Operation)
class OperationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "holder", "kind", "mailbox_address", "description", "amount_cents", "outcome", "actor"]
    list_filter = ["kind", "outcome"]
    list_select_related = ["holder"]
    search_fields = ["=mailbox_address", "holder__fiscal_code", "holder__last_name", "reference"]
    date_hierarchy = "created_at"


class RevokeAdmin(ReadOnlyAdmin):
    """Access a holder granted (a token, a delegated user), which staff may end for them: a leaked
    key, a person who left. Revoking goes through the holder's own service, so it ends at once and
    shows in the holder's Esito Operazioni as it would had they done it; the admin's history names
    the staff member."""

    actions = ["revoke"]
    list_select_related = ["holder"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]

    @admin.action(description=_("Revoca gli accessi selezionati"))
    def revoke(self, request, queryset):
        done = 0
        for granted in queryset.filter(revoked_at__isnull=True):
            with transaction.atomic():
                self.revoke_one(granted)
                self.log_change(request, granted, "Revocato dallo staff")
            done += 1
        self.message_user(request, _("Accessi revocati: %(count)d.") % {"count": done})


@admin.register(ApiToken)
class ApiTokenAdmin(RevokeAdmin):
    list_display = ["name", "holder", "scope", "prefix", "created_at", "last_used_at", "revoked_at"]
    search_fields = ["=prefix", "holder__fiscal_code", "holder__last_name", "name"]
    exclude = ["key_hash"]

    def revoke_one(self, token):
        api_token_revoke(holder=token.holder, token_id=token.pk)


@admin.register(Delegate)
class DelegateAdmin(RevokeAdmin):
    list_display = ["email", "holder", "role", "invited_at", "accepted_at", "revoked_at"]
    search_fields = ["email", "holder__fiscal_code", "holder__last_name"]
    exclude = ["token_hash", "session_version", "user"]

    def revoke_one(self, delegate):
        delegate_revoke(delegate_id=delegate.pk, holder_id=delegate.holder_id)
