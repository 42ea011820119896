from django.urls import path

from . import views

app_name = "billing"
urlpatterns = [
    path("credit/topup/", views.topup_new, name="topup_new"),
    path("credit/topup/<int:topup_id>/", views.topup_detail, name="topup_detail"),
    path("credit/topup/<int:topup_id>/status/", views.topup_status, name="topup_status"),
    path("operations/", views.operations, name="operations"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
]
