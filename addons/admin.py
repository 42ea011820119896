from django import forms
from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from audit.models import AuditEntry
from audit.services import audit_record
from core.admin import ReadOnlyAdmin, ReadOnlyInline
from core.money import format_euro, parse_euro

from .models import Addon, AddonType, Order, OrderLine


class AddonTypeForm(forms.ModelForm):
    """Staff type the price in euros ("2,50"); it is stored in cents like every amount."""

    yearly_unit_price = forms.CharField(label=_("prezzo annuo netto per unità (€)"), max_length=12,
                                        help_text=_("Es. 2,50. Gli ordini già effettuati mantengono il loro prezzo."))

    class Meta:
        model = AddonType
        fields = ["code", "name", "description", "unit", "yearly_unit_price", "min_quantity", "max_quantity",
                  "plans", "effect", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["yearly_unit_price"] = format_euro(self.instance.yearly_unit_price_cents).replace("€ ", "")

    def clean_yearly_unit_price(self):
        try:
            return parse_euro(self.cleaned_data["yearly_unit_price"])
        except ValueError:
            raise forms.ValidationError(_("Importo non valido: scrivi ad esempio 2,50.")) from None

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("min_quantity"), cleaned.get("max_quantity")
        if low is not None and high is not None and high < low:
            self.add_error("max_quantity", _("La quantità massima non può essere minore della minima."))
        return cleaned

    def save(self, commit=True):
        self.instance.yearly_unit_price_cents = self.cleaned_data["yearly_unit_price"]
        return super().save(commit)


@admin.register(AddonType)
class AddonTypeAdmin(admin.ModelAdmin):
    form = AddonTypeForm
    list_display = ["code", "name", "unit", "price", "min_quantity", "max_quantity", "effect", "active"]
    list_filter = ["active", "effect"]
    filter_horizontal = ["plans"]
    search_fields = ["code", "name"]

    @admin.display(description=_("prezzo annuo netto"), ordering="yearly_unit_price_cents")
    def price(self, obj):
        return format_euro(obj.yearly_unit_price_cents)

    def save_model(self, request, obj, form, change):
        # The admin's change view already runs this inside one transaction with the save.
        before = AddonType.objects.get(pk=obj.pk).yearly_unit_price_cents if change else None
        super().save_model(request, obj, form, change)
        if before != obj.yearly_unit_price_cents:
            audit_record(user=request.user, action=AuditEntry.Action.ADDON_PRICE, obj=obj,
                         before=None if before is None else {"yearly_unit_price_cents": before},
                         after={"yearly_unit_price_cents": obj.yearly_unit_price_cents})


# An order over many mailboxes may have thousands of lines: the order page shows this many, the
# lines' own changelist pages through the rest.
ORDER_LINES_SHOWN = 50


def order_lines_url(order):
    return reverse("admin:addons_orderline_changelist") + f"?order__id__exact={order.pk}"


class FirstLinesFormSet(BaseInlineFormSet):
    def get_queryset(self):
        # Sliced once and kept: the formset counts its forms and builds them from the same rows.
        if not hasattr(self, "_first_lines"):
            self._first_lines = super().get_queryset()[:ORDER_LINES_SHOWN]
        return self._first_lines


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    formset = FirstLinesFormSet
    fields = ["line_mailbox", "line_years", "net", "line_ends_on"]
    readonly_fields = fields
    verbose_name_plural = _("prime righe d'ordine")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("mailbox").order_by("mailbox_id")

    @admin.display(description=_("casella"))
    def line_mailbox(self, line):
        return format_html('<a href="{}">{}</a>', reverse("admin:mailboxes_mailbox_change", args=[line.mailbox_id]),
                           line.mailbox.address)

    @admin.display(description=_("anni"))
    def line_years(self, line):
        return line.years

    @admin.display(description=_("imponibile"))
    def net(self, line):
        return format_euro(line.net_cents)

    @admin.display(description=_("scadenza"))
    def line_ends_on(self, line):
        return line.ends_on


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "mailbox", "holder_fiscal_code", "addon_type", "quantity", "years",
                    "gross", "status"]
    list_filter = ["status", "addon_type"]
    list_select_related = ["mailbox", "holder", "addon_type"]
    search_fields = ["mailbox__address", "holder__fiscal_code"]
    date_hierarchy = "created_at"

    def get_inline_instances(self, request, obj=None):
        # Lines belong to an order over many mailboxes only (Order's CHECK: mailbox or lines).
        if obj is None or obj.mailbox_id is not None:
            return []
        return [OrderLineInline(self.model, self.admin_site)]

    def get_readonly_fields(self, request, obj=None):
        if obj is None or obj.mailbox_id is not None:
            return super().get_readonly_fields(request, obj)
        return [*super().get_readonly_fields(request, obj), "lines_summary"]

    @admin.display(description=_("codice fiscale"), ordering="holder__fiscal_code")
    def holder_fiscal_code(self, obj):
        return obj.holder.fiscal_code

    @admin.display(description=_("totale IVA inclusa"), ordering="gross_cents")
    def gross(self, obj):
        return format_euro(obj.gross_cents)

    @admin.display(description=_("righe d'ordine"))
    def lines_summary(self, obj):
        count = obj.lines.count()
        text = ngettext("%(counter)s casella", "%(counter)s caselle", count) % {"counter": count}
        if count > ORDER_LINES_SHOWN:
            text += " · " + str(_("qui sotto le prime %(shown)s") % {"shown": ORDER_LINES_SHOWN})
        return format_html('{} · <a href="{}" data-testid="order-lines-link">{}</a>', text, order_lines_url(obj),
                           _("tutte le righe, a pagine"))


@admin.register(OrderLine)
class OrderLineAdmin(ReadOnlyAdmin):
    list_display = ["order", "mailbox", "years", "net", "ends_on"]
    list_select_related = ["order__addon_type", "mailbox"]
    search_fields = ["mailbox__address"]

    @admin.display(description=_("imponibile"), ordering="net_cents")
    def net(self, line):
        return format_euro(line.net_cents)


@admin.register(Addon)
class AddonAdmin(ReadOnlyAdmin):
    list_display = ["id", "mailbox", "addon_type", "quantity", "activated_on", "expires_on", "status"]
    list_filter = ["status", "addon_type"]
    list_select_related = ["mailbox", "addon_type"]
    search_fields = ["mailbox__address", "mailbox__holder__fiscal_code"]
