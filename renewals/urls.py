from django.urls import path

from . import views

urlpatterns = [
    path("mailboxes/<int:mailbox_id>/", views.mailbox_detail, name="mailbox_detail"),
    path("mailboxes/<int:mailbox_id>/renew/", views.mailbox_renew, name="mailbox_renew"),
    path("mailboxes/<int:mailbox_id>/auto-renew/", views.mailbox_auto_renew, name="mailbox_auto_renew"),
    path("mailboxes/<int:mailbox_id>/cancel/", views.mailbox_cancellation, name="mailbox_cancel"),
    path("mailboxes/<int:mailbox_id>/addons/<int:addon_id>/cancel/", views.addon_cancellation, name="addon_cancel"),
    path("mailboxes/bulk/renew/", views.mailboxes_bulk_renew, name="mailboxes_bulk_renew"),
    path("mailboxes/bulk/auto-renew/", views.mailboxes_bulk_auto_renew, name="mailboxes_bulk_auto_renew"),
    path("renewals/forecast/", views.renewal_forecast, name="renewal_forecast"),
    path("renewals/forecast.csv", views.renewal_forecast_csv, name="renewal_forecast_csv"),
]
