"""A delegated user's session: which user row it was opened for and at which ``session_version``.
Revoking bumps the version, so every session opened before ends on its next request."""

from django.core.exceptions import ObjectDoesNotExist

SESSION_DELEGATE = "delegate_session"


def bind_session_to_delegate(request, delegate):
    request.session[SESSION_DELEGATE] = [delegate.pk, delegate.session_version]


def delegate_session_binding(request):
    bound = request.session.get(SESSION_DELEGATE)
    return tuple(bound) if bound else None


def delegate_of(user):
    if not user.is_authenticated:
        return None
    try:
        return user.delegate
    except ObjectDoesNotExist:
        return None
