from django.urls import path

from . import views

urlpatterns = [
    path("addons/compare/", views.addon_compare, name="addon_compare"),
    path("mailboxes/bulk/addons/new/", views.mailboxes_bulk_addon_order, name="mailboxes_bulk_addon_order"),
    path("mailboxes/export.csv", views.mailbox_export_csv, name="mailbox_export"),
    path("mailboxes/<int:mailbox_id>/addons/new/", views.addon_order_new, name="addon_order_new"),
    path("mailboxes/<int:mailbox_id>/addons/quote/", views.addon_order_quote, name="addon_order_quote"),
]
