from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from accounts.models import ApiToken


class HasToken(permissions.BasePermission):
    """A request authenticated by one of the holder's tokens (any scope: every token reads)."""

    def has_permission(self, request, view):
        return isinstance(request.auth, ApiToken)


class CanOrder(HasToken):
    message = _("Questo token ha il permesso «read»: per ordinare serve un token «read+orders».")
    code = "scope_required"

    def has_permission(self, request, view):
        return super().has_permission(request, view) and request.auth.can_order
