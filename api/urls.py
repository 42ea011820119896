from django.urls import path, re_path

from . import views
from .docs import DocsView, SchemaView
from .errors import NoEndpointView

urlpatterns = [
    path("api/v1/schema/", SchemaView.as_view(), name="api_schema"),
    path("api/v1/docs/", DocsView.as_view(), name="api_docs"),
    path("api/v1/mailboxes/", views.MailboxListView.as_view(), name="api_mailboxes"),
    path("api/v1/mailboxes/<int:mailbox_id>/", views.MailboxDetailView.as_view(), name="api_mailbox"),
    path("api/v1/mailboxes/<int:mailbox_id>/orders/", views.MailboxOrderView.as_view(), name="api_mailbox_order"),
    path("api/v1/orders/bulk/", views.BulkOrderView.as_view(), name="api_bulk_order"),
    path("api/v1/credit/", views.CreditView.as_view(), name="api_credit"),
    path("api/v1/credit/ledger/", views.LedgerView.as_view(), name="api_ledger"),
    path("api/v1/operations/", views.OperationListView.as_view(), name="api_operations"),
    path("api/v1/invoices/", views.InvoiceListView.as_view(), name="api_invoices"),
    path("api/v1/invoices/<int:invoice_id>/pdf/", views.InvoicePdfView.as_view(), name="api_invoice_pdf"),
    path("api/v1/invoices/<int:invoice_id>/fatturapa/", views.InvoiceXmlView.as_view(), name="api_invoice_xml"),
    path("api/v1/renewals/forecast/", views.ForecastView.as_view(), name="api_forecast"),
    re_path(r"^api/v1/", NoEndpointView.as_view()),
]
