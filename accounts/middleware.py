from django.conf import settings
from django.contrib.auth import logout
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from .sessions import delegate_of, delegate_session_binding


class PortalLocaleMiddleware(LocaleMiddleware):
    """Italian unless the visitor chose English with the switch (SPEC 1): the browser's
    Accept-Language is not enough to turn an Italian provider's portal into English."""

    def process_request(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class DelegateSessionMiddleware:
    """Puts a delegated user's row (with their holder) on ``request.delegate`` and
    ``request.holder``; ends the session at once when the user was revoked, since the session was
    opened with another ``session_version``, or is no longer active (accounts.sessions)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.delegate = None
        bound = delegate_session_binding(request)
        if bound is not None:
            delegate = delegate_of(request.user)
            if delegate is not None and delegate.revoked_at is None and (delegate.pk, delegate.session_version) == bound:
                request.delegate = delegate
                request.holder = delegate.holder
            else:
                logout(request)
        return self.get_response(request)
