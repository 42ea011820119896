"""Staff read, search and filter invoices; they never edit one. A correction is a credit note
(action, with a reason) and a period leaves as a zip of FatturaPA files (action or command)."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEntry
from audit.services import audit_record
from core.admin import ReadOnlyAdmin, ReadOnlyInline
from core.money import format_euro

from .export import fatturapa_export
from .forms import CreditNoteForm
from .models import Invoice, InvoiceLine
from .selectors import invoices_for_export
from .services import InvoiceError, credit_note_issue


class InvoiceLineInline(ReadOnlyInline):
    model = InvoiceLine
    fields = ["position", "description", "mailbox_address", "period_start", "period_end", "quantity",
              "unit_price_cents", "net_cents"]
    readonly_fields = fields


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["number", "issued_on", "kind", "buyer", "buyer_fiscal_code", "net", "vat", "gross", "corrects"]
    list_select_related = ["corrects"]
    list_filter = ["year", "kind"]
    search_fields = ["number", "buyer_fiscal_code", "buyer_vat_number", "buyer_last_name", "buyer_company_name",
                     "reference"]
    date_hierarchy = "issued_on"
    inlines = [InvoiceLineInline]
    actions = ["issue_credit_note", "export_fatturapa"]


    def has_credit_note_permission(self, request):
        return request.user.has_perm("invoices.issue_credit_note")

    @admin.display(description=_("cliente"), ordering="buyer_last_name")
    def buyer(self, invoice):
        return invoice.buyer_name

    @admin.display(description=_("imponibile"), ordering="net_cents")
    def net(self, invoice):
        return format_euro(invoice.net_cents)

    @admin.display(description=_("IVA"), ordering="vat_cents")
    def vat(self, invoice):
        return format_euro(invoice.vat_cents)

    @admin.display(description=_("totale"), ordering="gross_cents")
    def gross(self, invoice):
        return format_euro(invoice.gross_cents)

    @admin.action(description=_("Emetti una nota di credito per le fatture selezionate"),
                  permissions=["credit_note"])
    def issue_credit_note(self, request, queryset):
        form = CreditNoteForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            for invoice in queryset.order_by("year", "sequence"):
                try:
                    with transaction.atomic():
                        note = credit_note_issue(invoice=invoice, staff_user=request.user, reason=reason)
                        audit_record(user=request.user, action=AuditEntry.Action.CREDIT_NOTE, obj=invoice,
                                     before={"credit_note": None},
                                     after={"credit_note": note.number, "gross_cents": note.gross_cents,
                                            "reason": note.reason})
                except InvoiceError as exc:
                    self.message_user(request, exc.message, messages.ERROR)
                else:
                    self.message_user(request, _("Nota di credito %(note)s emessa a storno della fattura %(number)s.")
                                      % {"note": note.number, "number": invoice.number}, messages.SUCCESS)
            return None
        return render(request, "invoices/admin/credit_note.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
            "invoices": queryset.order_by("year", "sequence"), "title": _("Emetti una nota di credito"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        })

    @admin.action(description=_("Esporta le selezionate in FatturaPA (zip)"))
    def export_fatturapa(self, request, queryset):
        export = fatturapa_export(invoices=invoices_for_export(queryset=queryset))
        for item in export.skipped:
            self.message_user(request, _("%(number)s non esportata (%(buyer)s): %(reason)s")
                              % {"number": item.number, "buyer": item.buyer, "reason": item.reason}, messages.ERROR)
        if not export.file_names:
            return None
        response = HttpResponse(export.archive, content_type="application/zip")
        response["Content-Disposition"] = 'attachment; filename="fatturapa.zip"'
        return response
