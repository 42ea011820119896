from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

from .actor import acting_as
from .roles import PERMISSION_LABELS, UNLISTED_LABEL, permission_needed, role_allows, roles_with


def holder_required(view):
    """Holder pages: a signed-in holder session, opened with one of their mailboxes (every page,
    every action), or a delegated user's session, held to their role by accounts.roles."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if getattr(request, "login_mailbox", None) is not None:
            request.holder = request.user.holder
            return view(request, *args, **kwargs)
        delegate = getattr(request, "delegate", None)
        if delegate is None:
            return redirect_to_login(request.get_full_path())
        needed = permission_needed(request.resolver_match.view_name, request.method)
        if not role_allows(delegate.role, needed):
            return forbidden(request, needed)
        request.holder = delegate.holder
        with acting_as(delegate.email):
            return view(request, *args, **kwargs)

    return wrapper


def forbidden(request, permission):
    return render(request, "accounts/forbidden.html", {
        "needed_label": PERMISSION_LABELS.get(permission, UNLISTED_LABEL),
        "needed_roles": [role.label for role in roles_with(permission)] if permission else [],
        "role": request.delegate.get_role_display(),
    }, status=403)
