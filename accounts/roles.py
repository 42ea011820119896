"""What each delegated user's role may do, for every holder page, in one table.

accounts.decorators.holder_required looks the request's view up here (by its URL name) on every
request of a delegated user; a view missing from ACCESS is refused to them, so a page added
later stays closed until it is listed (tests/accounts/test_roles.py walks every URL). The holder,
signed in with one of their mailboxes, is never checked: they may do everything."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import Role


class Permission:
    VIEW = "view"            # every page that only shows
    BILLING = "billing"      # credit, top-ups, orders, renewals paid now, invoices, billing data
    MAILBOXES = "mailboxes"  # passwords, auto-renew, cancellation
    USERS = "users"          # inviting and revoking users: the holder alone


ROLE_PERMISSIONS = {
    Role.ADMINISTRATION: {Permission.VIEW, Permission.BILLING},
    Role.TECHNICAL: {Permission.VIEW, Permission.MAILBOXES},
    Role.READ_ONLY: {Permission.VIEW},
}

PERMISSION_LABELS = {
    Permission.VIEW: _("consultazione"),
    Permission.BILLING: _("credito, ordini e fatturazione"),
    Permission.MAILBOXES: _("gestione delle caselle"),
    Permission.USERS: _("gestione degli utenti e degli accessi"),
}
# A page no role may open (missing from ACCESS).
UNLISTED_LABEL = _("pagina riservata al titolare")


@dataclass(frozen=True)
class Access:
    """The permission a GET (or HEAD) of the page needs, and the one a POST needs."""

    read: str
    write: str


def _page(permission=Permission.VIEW):
    return Access(read=Permission.VIEW, write=permission)


def _action(permission):
    # A form that exists only to change something is not shown to who cannot send it.
    return Access(read=permission, write=permission)


ACCESS = {
    "dashboard": _page(),
    "profile": _page(Permission.BILLING),
    "mailbox_list": _page(),
    "mailbox_export": _page(),
    "mailbox_detail": _page(),
    "mailbox_password": _action(Permission.MAILBOXES),
    "mailbox_auto_renew": _action(Permission.MAILBOXES),
    "mailbox_cancel": _action(Permission.MAILBOXES),
    "addon_cancel": _action(Permission.MAILBOXES),
    "mailboxes_bulk_auto_renew": _action(Permission.MAILBOXES),
    "mailbox_renew": _action(Permission.BILLING),
    "mailboxes_bulk_renew": _action(Permission.BILLING),
    "addon_order_new": _action(Permission.BILLING),
    "addon_order_quote": _action(Permission.BILLING),
    "mailboxes_bulk_addon_order": _action(Permission.BILLING),
    "billing:topup_new": _action(Permission.BILLING),
    "billing:topup_detail": _action(Permission.BILLING),
    "billing:topup_status": _action(Permission.BILLING),
    "billing:operations": _page(),
    "invoices:list": _page(),
    "invoices:pdf": _page(),
    "renewal_forecast": _page(),
    "renewal_forecast_csv": _page(),
    "delegate_invite": _action(Permission.USERS),
    "delegate_role": _action(Permission.USERS),
    "delegate_revoke": _action(Permission.USERS),
    "second_factor": _action(Permission.USERS),
    "api_token_create": _action(Permission.BILLING),
    "api_token_revoke": _action(Permission.BILLING),
}

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def permission_needed(view_name, method):
    """The permission the request needs, or None for a view no delegated user may open."""
    access = ACCESS.get(view_name)
    if access is None:
        return None
    return access.read if method in SAFE_METHODS else access.write


def role_allows(role, permission):
    return permission is not None and permission in ROLE_PERMISSIONS.get(role, set())


def roles_with(permission):
    return [role for role, permissions in ROLE_PERMISSIONS.items() if permission in permissions]
