"""Staff admin behind a second factor (issue 9): a TOTP code from a device the operator made
with ``manage.py staff_totp``, on top of the staff password."""

from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite


class PortalAdminSite(OTPAdminSite):
    """Reads ADMIN_REQUIRE_OTP on every request rather than at import, because this instance is
    built once per process; only the embedded demo (DEBUG on) may switch the factor off."""

    site_header = _("Area Clienti PEC — amministrazione")
    site_title = _("Area Clienti PEC")

    def __init__(self, name="admin"):
        # Keep the "admin:" URL namespace every app and test reverses.
        super().__init__(name)

    @property
    def login_form(self):
        return OTPAdminAuthenticationForm if settings.ADMIN_REQUIRE_OTP else AdminAuthenticationForm

    @property
    def login_template(self):
        return "otp/admin111/login.html" if settings.ADMIN_REQUIRE_OTP else None

    def has_permission(self, request):
        if settings.ADMIN_REQUIRE_OTP:
            return super().has_permission(request)
        return AdminSite.has_permission(self, request)
