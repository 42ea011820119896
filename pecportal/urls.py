from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts.views import language_view
from core.views import healthz
from renewals.views import dashboard

urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("healthz", healthz, name="healthz"),
    path("i18n/setlang/", language_view, name="set_language"),
    path(settings.ADMIN_URL, admin.site.urls),
    path("", include("api.urls")),
    path("", include("accounts.urls")),
    path("", include("mailboxes.urls")),
    path("", include("billing.urls")),
    path("", include("addons.urls")),
    path("", include("invoices.urls")),
    path("", include("renewals.urls")),
]
