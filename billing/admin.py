"""Staff read every wallet, entry, top-up and dispute; balances change only through credit_adjust
and topup_refund, never by editing a row (SPEC 3.3)."""

from django.contrib import admin, messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEntry
from audit.services import audit_record
from core.admin import ReadOnlyAdmin
from core.money import format_euro

from .forms import CreditAdjustForm
from .models import Dispute, LedgerEntry, TopUp, Wallet
from .refunds import RefundPending, topup_refund
from .selectors import wallet_balance_cents
from .services import BillingError, credit_adjust


class NeedsAttentionFilter(admin.SimpleListFilter):
    """Wallets staff must look at: an open dispute freezes them, a debt is owed by the holder."""

    title = _("da verificare")
    parameter_name = "attenzione"

    def lookups(self, request, model_admin):
        return [("contestazione", _("contestazione aperta")), ("debito", _("debito"))]

    def queryset(self, request, queryset):
        if self.value() == "contestazione":
            return queryset.filter(spending_frozen=True)
        if self.value() == "debito":
            return queryset.filter(debt_cents__gt=0)
        return queryset


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdmin):
    list_display = ["holder", "balance", "debt", "spending_frozen", "entries_link"]
    list_select_related = ["holder"]
    list_filter = [NeedsAttentionFilter]
    search_fields = ["holder__last_name", "holder__fiscal_code", "holder__mailboxes__address"]
    fields = ["holder", "balance", "debt", "spending_frozen", "entries_link", "adjust_link"]
    readonly_fields = fields
    actions = ["adjust_credit"]

    @admin.display(description=_("credito residuo"), ordering="balance_cents")
    def balance(self, wallet):
        return format_euro(wallet.balance_cents)

    @admin.display(description=_("debito"), ordering="debt_cents")
    def debt(self, wallet):
        return format_euro(wallet.debt_cents)

    @admin.display(description=_("movimenti"))
    def entries_link(self, wallet):
        url = reverse("admin:billing_ledgerentry_changelist") + f"?wallet__id__exact={wallet.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Vedi i movimenti"))

    @admin.display(description=_("rettifica"))
    def adjust_link(self, wallet):
        return format_html('<a href="{}">{}</a>', reverse("admin:billing_wallet_adjust", args=[wallet.pk]),
                           _("Rettifica il credito"))

    def has_adjust_permission(self, request):
        return request.user.has_perm("billing.adjust_credit")

    @admin.action(description=_("Rettifica il credito selezionato"), permissions=["adjust"])
    def adjust_credit(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Seleziona un solo credito da rettificare."), messages.ERROR)
            return None
        return redirect("admin:billing_wallet_adjust", wallet_id=queryset.get().pk)

    def get_urls(self):
        return [
            path("<int:wallet_id>/adjust/", self.admin_site.admin_view(self.adjust_view), name="billing_wallet_adjust"),
        ] + super().get_urls()

    def adjust_view(self, request, wallet_id):
        if not self.has_adjust_permission(request):
            return redirect("admin:billing_wallet_changelist")
        wallet = get_object_or_404(Wallet.objects.select_related("holder"), pk=wallet_id)
        form = CreditAdjustForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():
                    entry = credit_adjust(holder_id=wallet.holder_id, amount_cents=form.cleaned_data["amount"],
                                          reason=form.cleaned_data["reason"], created_by=request.user)
                    # A credit may also have paid a debt: the balance after is read, not the entry's.
                    audit_record(user=request.user, action=AuditEntry.Action.CREDIT_ADJUST, obj=wallet,
                                 before={"balance_cents": entry.balance_after_cents - entry.amount_cents},
                                 after={"balance_cents": wallet_balance_cents(holder_id=wallet.holder_id),
                                        "amount_cents": entry.amount_cents, "reason": entry.reason})
            except BillingError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(request, _("Rettifica registrata."), messages.SUCCESS)
                return redirect("admin:billing_wallet_change", wallet.pk)
        return render(request, "billing/admin/adjust_credit.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "wallet": wallet, "form": form,
            "balance": format_euro(wallet.balance_cents), "title": _("Rettifica il credito"),
        })


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "wallet", "kind", "amount", "balance_after", "debt_change", "reference",
                    "created_by", "reason"]
    list_select_related = ["wallet__holder", "created_by"]
    list_filter = ["kind"]
    search_fields = ["reference", "wallet__holder__fiscal_code", "wallet__holder__last_name"]

    @admin.display(description=_("importo"), ordering="amount_cents")
    def amount(self, entry):
        return format_euro(entry.amount_cents)

    @admin.display(description=_("saldo dopo"))
    def balance_after(self, entry):
        return format_euro(entry.balance_after_cents)

    @admin.display(description=_("debito"))
    def debt_change(self, entry):
        return format_euro(entry.debt_change_cents) if entry.debt_change_cents else ""


@admin.register(TopUp)
class TopUpAdmin(ReadOnlyAdmin):
    list_display = ["id", "holder", "amount", "status", "refunded", "stripe_payment_intent_id", "created_at",
                    "refunded_at"]
    list_select_related = ["holder"]
    list_filter = ["status"]
    search_fields = ["stripe_payment_intent_id", "holder__fiscal_code", "holder__last_name"]
    exclude = ["client_secret"]
    actions = ["refund"]

    @admin.display(description=_("importo"), ordering="amount_cents")
    def amount(self, topup):
        return format_euro(topup.amount_cents)

    @admin.display(description=_("rimborsato"), ordering="refunded_cents")
    def refunded(self, topup):
        if topup.refund_requested_cents > topup.refunded_cents:
            return _("%(amount)s, rimborso in attesa di Stripe") % {"amount": format_euro(topup.refunded_cents)}
        return format_euro(topup.refunded_cents) if topup.refunded_cents else ""

    def has_refund_permission(self, request):
        return request.user.has_perm("billing.refund_topup")

    @admin.action(description=_("Rimborsa su carta le ricariche selezionate"), permissions=["refund"])
    def refund(self, request, queryset):
        # One by one and outside any transaction: no lock is held while Stripe is asked.
        for topup in queryset:
            try:
                topup_refund(topup_id=topup.pk, created_by=request.user)
            except RefundPending as exc:
                self.message_user(request, f"#{topup.pk}: {exc.message}", messages.WARNING)
            except BillingError as exc:
                self.message_user(request, f"#{topup.pk}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, _("Ricarica n. %(id)s rimborsata.") % {"id": topup.pk}, messages.SUCCESS)


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ["stripe_dispute_id", "holder", "topup", "amount", "status", "stripe_status", "reason",
                    "opened_at", "closed_at"]
    list_select_related = ["topup__holder"]
    list_filter = ["status"]
    search_fields = ["stripe_dispute_id", "topup__stripe_payment_intent_id", "topup__holder__fiscal_code",
                     "topup__holder__last_name"]

    @admin.display(description=_("titolare"))
    def holder(self, dispute):
        return dispute.topup.holder

    @admin.display(description=_("importo"), ordering="amount_cents")
    def amount(self, dispute):
        return format_euro(dispute.amount_cents)
