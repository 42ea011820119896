from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    """Makes ``admin.site`` (where every app registers) the two-factor site."""

    default_site = "core.admin_site.PortalAdminSite"
