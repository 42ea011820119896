from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render

from accounts.decorators import holder_required

from .pdf import invoice_pdf
from .selectors import invoice_get_for_holder, invoices_for_holder

INVOICES_PER_PAGE = 25


@holder_required
def invoice_list(request):
    page = Paginator(invoices_for_holder(holder=request.holder), INVOICES_PER_PAGE).get_page(request.GET.get("page"))
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
