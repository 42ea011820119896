"""``Authorization: Bearer <key>`` (or ``Token <key>``) with a key made on the profile page. The
session cookie is not accepted: the API is for the holder's systems, and a cookie would make every
order endpoint a CSRF target."""

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from accounts.selectors import api_token_for_key
from accounts.services import api_token_touch

SCHEMES = (b"bearer", b"token")


class TokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        words = authentication.get_authorization_header(request).split()
        if not words or words[0].lower() not in SCHEMES:
            return None
        if len(words) != 2:
            raise exceptions.AuthenticationFailed(_("Intestazione Authorization non valida."))
        try:
            key = words[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed() from None
        token = api_token_for_key(key)
        if token is None:
            raise exceptions.AuthenticationFailed()
        api_token_touch(token)
        return token.holder.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
