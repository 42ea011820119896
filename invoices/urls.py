from django.urls import path

from . import views

app_name = "invoices"
urlpatterns = [
    path("invoices/", views.invoice_list, name="list"),
    path("invoices/<int:invoice_id>/pdf/", views.invoice_download, name="pdf"),
]
