from django.http import Http404, HttpResponse
from django.shortcuts import render

from accounts.decorators import holder_required
from core.paging import cursor_from_query, first_page_redirect

from .pdf import invoice_pdf
from .selectors import invoice_get_for_holder, invoices_for_holder


@holder_required
def invoice_list(request):
    cursor = cursor_from_query(request.GET)
    if cursor is None:
        return first_page_redirect(request)
    page = invoices_for_holder(holder=request.holder, cursor=cursor)
    if page.cursor_lost:
        return first_page_redirect(request)
    return render(request, "invoices/list.html", {"page": page})


@holder_required
def invoice_download(request, invoice_id):
    invoice = invoice_get_for_holder(holder=request.holder, invoice_id=invoice_id)
    if invoice is None:
        raise Http404
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    kind = "nota-di-credito" if invoice.is_credit_note else "fattura"
    response["Content-Disposition"] = f'attachment; filename="{kind}-{invoice.number.replace("/", "-")}.pdf"'
    return response
